"""How each relation of a page is loaded for many parents at once (see app/api/prefetch.py).

Each prefetcher gives what the field's own resolver would give for each parent. Where the
related rows came with the parents' statement (an application's developer, a connection's
version and service) they are used as they are; otherwise they are read in one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.api.context import Context
from app.api.prefetch import prefetcher
from app.api.types.application import Application
from app.api.types.connection import ServiceConnection
from app.api.types.developer import Developer
from app.api.types.service import Service, ServiceVersion
from app.api.types.traffic import TrafficSummary
from app.domain import traffic
from app.domain.connection_rows import ConnectionRow, connections_of_applications
from app.domain.traffic import GroupBy, TrafficTotals


class NotLoaded(LookupError):
    """A related row is missing (deleted since the page was read): the resolver decides."""


@prefetcher("Application", "developer")
async def developers(
    ctx: Context, parents: Sequence[Application], _args: dict[str, Any]
) -> list[Developer]:
    rows = [p.developer_ahead for p in parents]
    if any(row is None for row in rows):
        rows = await ctx.loaders.developer.load_many([p.developer_db_id for p in parents])
    built: dict[int, Developer] = {}
    result = []
    for row in rows:
        if row is None:
            raise NotLoaded("developer")
        if row.id not in built:
            built[row.id] = Developer.from_model(row)
        result.append(built[row.id])
    return result


@prefetcher("Application", "connections")
async def connections(
    ctx: Context, parents: Sequence[Application], args: dict[str, Any]
) -> list[list[ServiceConnection]]:
    found = await connections_of_applications([p.db_id for p in parents])
    wanted = set(args["status"]) if args.get("status") is not None else None
    versions: dict[int, ServiceVersion] = {}
    services: dict[int, Service] = {}

    def connection(row: ConnectionRow) -> ServiceConnection:
        version = versions.get(row.service_version_id)
        if version is None:
            service = services.get(row.service_version.service_id)
            if service is None:
                service = services[row.service_version.service_id] = Service.from_model(
                    row.service_version.service
                )
            version = versions[row.service_version_id] = ServiceVersion.from_model(
                row.service_version
            )
            version.service_ahead = service
        made = ServiceConnection.from_model(row)
        made.version_ahead = version
        return made

    return [
        [connection(r) for r in found.get(p.db_id, ()) if wanted is None or r.status in wanted]
        for p in parents
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
    ids = [p.db_id for p in parents]
    found = await traffic.summarize(GroupBy.APPLICATION, sorted(set(ids)), bounds)
    empty = TrafficTotals()
    return [
        TrafficSummary.of(GroupBy.APPLICATION, (i,), bounds, found.get((i,), empty)) for i in ids
    ]


@prefetcher("ServiceConnection", "serviceVersion")
async def service_versions(
    ctx: Context, parents: Sequence[ServiceConnection], _args: dict[str, Any]
) -> list[ServiceVersion]:
    ahead = [p.version_ahead for p in parents]
    if all(version is not None for version in ahead):
        return ahead  # type: ignore[return-value]
    rows = await ctx.loaders.service_version.load_many([p.service_version_db_id for p in parents])
    return [ServiceVersion.from_model(_found(row)) for row in rows]


@prefetcher("ServiceVersion", "service")
async def services(
    ctx: Context, parents: Sequence[ServiceVersion], _args: dict[str, Any]
) -> list[Service]:
    ahead = [p.service_ahead for p in parents]
    if all(service is not None for service in ahead):
        return ahead  # type: ignore[return-value]
    rows = await ctx.loaders.service.load_many([p.service_db_id for p in parents])
    return [Service.from_model(_found(row)) for row in rows]


def _found(row: Any) -> Any:
    if row is None:
        raise NotLoaded("gone since the page was read")
    return row
