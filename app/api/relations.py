"""How each relation of a page is loaded for many parents at once (see app/api/prefetch.py).

Each prefetcher gives what the field's own resolver would give for each parent, through the
same per-request DataLoaders, so the answer and the statements are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from app.api.context import Context
from app.api.prefetch import prefetcher
from app.api.types.application import Application
from app.api.types.connection import ServiceConnection
from app.api.types.developer import Developer
from app.api.types.service import Service, ServiceVersion
from app.api.types.traffic import TrafficSummary
from app.domain import traffic
from app.domain.traffic import GroupBy

T = TypeVar("T")


def _found(row: T | None) -> T:
    """A row deleted since the page was read: not prefetched (the resolver decides)."""
    if row is None:
        raise LookupError("gone since the page was read")
    return row


@prefetcher("Application", "developer")
async def developers(
    ctx: Context, parents: Sequence[Application], _args: dict[str, Any]
) -> list[Developer]:
    rows = await ctx.loaders.developer.load_many([p.developer_db_id for p in parents])
    return [Developer.from_model(_found(row)) for row in rows]


@prefetcher("Application", "connections")
async def connections(
    ctx: Context, parents: Sequence[Application], args: dict[str, Any]
) -> list[list[ServiceConnection]]:
    groups = await ctx.loaders.connections_by_application.load_many([p.db_id for p in parents])
    wanted = set(args["status"]) if args.get("status") is not None else None
    return [
        [ServiceConnection.from_model(r) for r in rows if wanted is None or r.status in wanted]
        for rows in groups
    ]


@prefetcher("Application", "traffic")
async def application_traffic(
    ctx: Context, parents: Sequence[Application], args: dict[str, Any]
) -> list[TrafficSummary]:
    window = args.get("window")
    bounds = traffic.window_for(
        traffic.TrafficWindow(window) if window is not None else None,
        args.get("from"),
        args.get("to"),
        now=ctx.loaders.now,
    )
    keys = [(p.db_id,) for p in parents]
    totals = await ctx.loaders.traffic(GroupBy.APPLICATION, bounds, None).load_many(keys)
    return [
        TrafficSummary.of(GroupBy.APPLICATION, key, bounds, found)
        for key, found in zip(keys, totals, strict=True)
    ]


@prefetcher("ServiceConnection", "serviceVersion")
async def service_versions(
    ctx: Context, parents: Sequence[ServiceConnection], _args: dict[str, Any]
) -> list[ServiceVersion]:
    rows = await ctx.loaders.service_version.load_many([p.service_version_db_id for p in parents])
    return [ServiceVersion.from_model(_found(row)) for row in rows]


@prefetcher("ServiceVersion", "service")
async def services(
    ctx: Context, parents: Sequence[ServiceVersion], _args: dict[str, Any]
) -> list[Service]:
    rows = await ctx.loaders.service.load_many([p.service_db_id for p in parents])
    return [Service.from_model(_found(row)) for row in rows]
