"""Test fixtures: a real database per test (SQLite file, and PostgreSQL when configured),
the app in-process over ASGI, and small factories that go through the domain layer.

Every database test runs on SQLite; it runs on PostgreSQL too when
DEVPORTAL_TEST_POSTGRES_URL is set (`.ci/run` sets it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from app.db import apply_migrations, tortoise_config
from app.settings import Settings
from app.web import create_app
from tests.factories import Factory

POSTGRES_URL = os.environ.get("DEVPORTAL_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])

TABLES = [
    "traffic_hourly",
    "traffic_daily",
    "traffic_unattributed",
    "connection_event",
    "developer_event",
    "service_connection",
    "credential",
    "api_token",
    "application",
    "service_version",
    "service",
    "developer",
    "portal_settings",
]


# DELETE rather than TRUNCATE: on the few rows a test writes it is some 30 times faster
# (TRUNCATE makes new files for every table), which is a minute over the suite. Sequences
# restart, as with RESTART IDENTITY, so that ids start at 1 again.
EMPTY_POSTGRES = "; ".join(
    [f"DELETE FROM {table}" for table in TABLES]
    + [
        "SELECT setval(oid::regclass, 1, false) FROM pg_class "
        "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
    ]
)


def pytest_report_header() -> str:
    return f"devportal databases: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time would be slow)."""
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    settings = Settings(database_url=f"sqlite://{path}")

    async def build() -> None:
        await Tortoise.init(config=tortoise_config(settings))
        await apply_migrations(settings)
        await Tortoise.close_connections()

    asyncio.run(build())
    return path


_postgres_migrated = False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own, made beside the configured one and dropped after,
    so that concurrent test runs on one server never truncate each other's tables."""
    if not POSTGRES_URL:
        yield ""
        return
    import asyncio
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    parts = urlsplit(POSTGRES_URL)
    name = f"{parts.path.lstrip('/')}_{os.getpid()}"
    own = urlunsplit(parts._replace(path=f"/{name}"))

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield own
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, sqlite_template: Path, tmp_path: Path, postgres_url: str) -> Settings:
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        return Settings(database_url=f"sqlite://{path}", rate_limit_per_minute=0)
    # The rate limit is off in tests (they fire requests faster than people); its own tests
    # turn it on.
    return Settings(database_url=postgres_url, rate_limit_per_minute=0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """The database, opened, migrated and empty."""
    global _postgres_migrated
    # Tortoise caches insert statements by connection name, not by dialect: switching between
    # SQLite and PostgreSQL in one process would reuse SQLite's "?" placeholders on asyncpg.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    if not settings.is_sqlite:
        if not _postgres_migrated:
            await apply_migrations(settings)
            _postgres_migrated = True
        await get_connection("default").execute_script(EMPTY_POSTGRES)
    try:
        yield settings
    finally:
        await Tortoise.close_connections()


@pytest.fixture
def factory(db: Settings) -> Factory:
    return Factory()


@pytest.fixture
async def client(db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process; the ORM is already open, so the lifespan is not run."""
    app = create_app(db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


class GraphQLClient:
    """Posts GraphQL documents as one bearer token; returns the decoded JSON body."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    def as_token(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)


@pytest.fixture
async def app_with(db: Settings) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """In-process clients of the app built with other settings on the test's database."""
    clients: list[httpx.AsyncClient] = []

    def make(**changes: Any) -> httpx.AsyncClient:
        settings = Settings(**{**db.__dict__, **changes})
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://test"
        )
        clients.append(http)
        return http

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
async def admin(client: httpx.AsyncClient, factory: Factory) -> GraphQLClient:
    return GraphQLClient(client, await factory.token("admin"))


@pytest.fixture
def anonymous(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, None)


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parents[1]


@pytest.fixture
def samples(repo_root: Path) -> Path:
    return repo_root / "tests" / "samples"
