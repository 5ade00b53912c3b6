"""The Starlette application: GraphQL, health checks, a start page; the ORM in the lifespan."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from app.api.response_cache import ResponseCache
from app.api.schema import build_schema
from app.api.view import GraphQLView
from app.db import ensure_database_dir, pending_migrations, tortoise_config
from app.domain.events import bus
from app.ingest.http import ingest_kong
from app.limits import BodySizeLimit
from app.ratelimit import RateLimit
from app.settings import Settings

STATIC = Path(__file__).parent / "static"


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def settle_heap() -> None:
    """Tune the cycle collector for serving, once the process has started.

    A request allocates thousands of objects that live across its awaits; at the default
    threshold (700) the collector runs several times per request and promotes them, so full
    collections walk the whole heap: 10-15 % of a headline page's CPU. Freezing what start-up
    made keeps it out of every later collection, and a higher first threshold lets a
    request's objects die before they are examined."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    cache = (
        ResponseCache(
            max_entries=settings.response_cache_entries,
            max_bytes=settings.response_cache_bytes,
            max_age=settings.response_cache_seconds,
        )
        if settings.response_cache
        else None
    )
    if cache is not None:
        # Registered with the app, not its lifespan: in-process clients (tests) skip that.
        bus.add_listener(cache.forget)
    view = GraphQLView(build_schema(settings), settings, cache)

    async def readyz(_: Request) -> JSONResponse:
        try:
            await get_connection("default").execute_query("SELECT 1")
            pending = await pending_migrations(settings)
        except Exception as exc:  # any failure to reach the database means not ready
            return JSONResponse(
                {"status": "unavailable", "database": type(exc).__name__}, status_code=503
            )
        if pending:
            return JSONResponse(
                {"status": "migrations pending", "pending": pending}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    async def start_page(_: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # RegisterTortoise with the global fallback on: a plain Tortoise.init here would bind
        # the ORM to the lifespan task's context, and every request under uvicorn would fail.
        ensure_database_dir(settings)
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            dsn = None if settings.is_sqlite else settings.database_url
            await bus.start(postgres=not settings.is_sqlite, dsn=dsn)
            settle_heap()
            try:
                yield
            finally:
                await bus.stop()

    return Starlette(
        debug=settings.debug,
        routes=[
            Route("/", start_page),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # Every method reaches the view, so that PUT or DELETE gets its JSON 405.
            Route("/graphql", view),
            WebSocketRoute("/graphql", view),
            Route("/ingest/kong", ingest_kong, methods=["POST"]),
        ],
        middleware=[
            Middleware(
                RateLimit,
                per_minute=settings.rate_limit_per_minute,
                burst=settings.rate_limit_burst,
                address_multiple=settings.rate_limit_address_multiple,
            ),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                overrides={"/ingest/kong": settings.ingest_max_body_bytes},
            ),
        ],
        lifespan=lifespan,
    )
