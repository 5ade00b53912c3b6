"""Configuration read once from the environment, with defaults that run out of the box."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEFAULT_DATABASE_URL = "sqlite://./data/devportal.sqlite3"


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told; see README's configuration table."""

    database_url: str = DEFAULT_DATABASE_URL
    debug: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_000_000
    ingest_max_body_bytes: int = 10_000_000
    max_page_size: int = 100
    max_bulk_ids: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    max_document_bytes: int = 200_000
    introspection: bool = True
    db_pool_size: int = 20
    sqlite_busy_timeout_ms: int = 5_000
    allowed_origins: list[str] = field(default_factory=list)
    max_subscriptions_per_connection: int = 20
    ws_token_check_seconds: int = 5
    rate_limit_per_minute: int = 1200
    rate_limit_burst: int = 200
    rate_limit_address_multiple: int = 10  # each client address: 10 tokens' worth; 0 = off
    # Requests without a token read as a read-only viewer: for public dashboards behind a
    # trusted network, and for benchmarks whose load generators send no headers.
    anonymous_read: bool = False
    # Whole responses of read queries, kept until any write (app/api/response_cache.py).
    response_cache: bool = False
    response_cache_entries: int = 2_000
    response_cache_bytes: int = 64_000_000
    response_cache_seconds: int = 60

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DEVPORTAL_DATABASE_URL", DEFAULT_DATABASE_URL),
            debug=_bool("DEVPORTAL_DEBUG", False),
            host=os.environ.get("DEVPORTAL_HOST", "127.0.0.1"),
            port=_int("DEVPORTAL_PORT", 8000),
            max_body_bytes=_int("DEVPORTAL_MAX_BODY_BYTES", 1_000_000),
            ingest_max_body_bytes=_int("DEVPORTAL_INGEST_MAX_BODY_BYTES", 10_000_000),
            max_page_size=_int("DEVPORTAL_MAX_PAGE_SIZE", 100),
            max_bulk_ids=_int("DEVPORTAL_MAX_BULK_IDS", 100),
            max_query_depth=_int("DEVPORTAL_MAX_QUERY_DEPTH", 12),
            max_aliases=_int("DEVPORTAL_MAX_ALIASES", 30),
            max_tokens=_int("DEVPORTAL_MAX_TOKENS", 5_000),
            max_document_bytes=_int("DEVPORTAL_MAX_DOCUMENT_BYTES", 200_000),
            introspection=_bool("DEVPORTAL_INTROSPECTION", True),
            db_pool_size=_int("DEVPORTAL_DB_POOL_SIZE", 20),
            sqlite_busy_timeout_ms=_int("DEVPORTAL_SQLITE_BUSY_TIMEOUT_MS", 5_000),
            allowed_origins=_list("DEVPORTAL_ALLOWED_ORIGINS", []),
            max_subscriptions_per_connection=_int("DEVPORTAL_MAX_SUBSCRIPTIONS", 20),
            ws_token_check_seconds=_int("DEVPORTAL_WS_TOKEN_CHECK_SECONDS", 5),
            rate_limit_per_minute=_int("DEVPORTAL_RATE_LIMIT_PER_MINUTE", 1200),
            rate_limit_burst=_int("DEVPORTAL_RATE_LIMIT_BURST", 200),
            rate_limit_address_multiple=_int("DEVPORTAL_RATE_LIMIT_ADDRESS_MULTIPLE", 10),
            anonymous_read=_bool("DEVPORTAL_ANONYMOUS_READ", False),
            response_cache=_bool("DEVPORTAL_RESPONSE_CACHE", False),
            response_cache_entries=_int("DEVPORTAL_RESPONSE_CACHE_ENTRIES", 2_000),
            response_cache_bytes=_int("DEVPORTAL_RESPONSE_CACHE_BYTES", 64_000_000),
            response_cache_seconds=_int("DEVPORTAL_RESPONSE_CACHE_SECONDS", 60),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file of a `sqlite://` URL, or None for memory or PostgreSQL."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("://", 1)[1].split("?", 1)[0]
        if path in {"", ":memory:"}:
            return None
        return Path(path)
