"""The one Tortoise configuration, and the helpers that open, migrate and close the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.migrations.executor import MigrationExecutor

from app.settings import Settings

MODELS_MODULE = "app.models"
MIGRATIONS_MODULE = "migrations"


async def keep_session(_connection: object) -> None:
    """asyncpg's pool resets every connection it takes back with a query (RESET ALL, UNLISTEN
    *, CLOSE ALL, advisory unlocks): one more round trip per statement, as Tortoise takes a
    connection per statement. We change no session state on pooled connections (LISTEN has
    its own connection), so only the rollback of an open transaction is kept, which asyncpg
    does before calling this."""


_INFINITE_TIMES = {
    "infinity": datetime.max.replace(tzinfo=UTC),
    "-infinity": datetime.min.replace(tzinfo=UTC),
}


def _time_from_text(text: str) -> datetime:
    """A timestamptz in PostgreSQL's ISO text form ("2024-04-10 09:30:00.5+00")."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return _INFINITE_TIMES[text]


def _time_to_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()  # a naive value as local time, as asyncpg
    return str(value)


async def read_times_as_text(connection: Any) -> None:
    """Each pooled connection reads timestamptz in text form: asyncpg's binary decoder costs
    0.7 µs a value, `datetime.fromisoformat` on the text 0.3 µs, and a page of applications
    holds 2,000 of them. The session's time zone is UTC (`server_settings`), so every value
    comes back in UTC, as with the binary form."""
    await connection.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=_time_to_text,
        decoder=_time_from_text,
        format="text",
    )


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """Tortoise's config dict for the configured database, with our SQLite pragmas and pool."""
    connection = expand_db_url(settings.database_url)
    credentials = connection["credentials"]
    if settings.is_sqlite:
        credentials.setdefault("journal_mode", "WAL")
        credentials.setdefault("busy_timeout", settings.sqlite_busy_timeout_ms)
        credentials.setdefault("synchronous", "NORMAL")
        credentials.setdefault("foreign_keys", "ON")
    else:
        credentials.setdefault("minsize", 1)
        credentials.setdefault("maxsize", settings.db_pool_size)
        credentials.setdefault("reset", keep_session)
        credentials.setdefault("init", read_times_as_text)
        credentials.setdefault("server_settings", {"TimeZone": "UTC", "DateStyle": "ISO"})
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_database_dir(settings: Settings) -> None:
    """Create the folder of a SQLite file, so that the default URL runs on a fresh clone."""
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _apps_config(settings: Settings) -> dict[str, dict[str, Any]]:
    apps: dict[str, dict[str, Any]] = tortoise_config(settings)["apps"]
    return apps


async def init_db(settings: Settings) -> None:
    """Open the database for a command-line run (the server uses RegisterTortoise)."""
    ensure_database_dir(settings)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def apply_migrations(settings: Settings) -> None:
    """Apply every migration not yet applied; Tortoise must be initialised."""
    executor = MigrationExecutor(get_connection("default"), _apps_config(settings))
    await executor.migrate()


async def pending_migrations(settings: Settings) -> list[str]:
    """Names of migrations on disk that the database has not applied."""
    executor = MigrationExecutor(get_connection("default"), _apps_config(settings))
    return [f"{step.migration.app_label}.{step.migration.name}" for step in await executor.plan()]


# For the `tortoise` command line (makemigrations, migrate, history): see pyproject.toml.
TORTOISE_ORM = tortoise_config(Settings.from_env())
