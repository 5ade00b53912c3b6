"""The root Query: the Applications section, details, the connection queue, the catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.types import Info

from app.api.context import Context
from app.api.inputs import (
    ApplicationFilterInput,
    ApplicationOrderField,
    ApplicationOrderInput,
    DeveloperFilterInput,
    ServiceConnectionFilterInput,
    ServiceConnectionOrderInput,
)
from app.api.nodes import resolve_node
from app.api.prefetch import prefetch_page
from app.api.types.application import Application
from app.api.types.connection import ServiceConnection
from app.api.types.developer import Developer
from app.api.types.enums import SortDirection
from app.api.types.node import Connection, Node, Offset, make_connection
from app.api.types.portal import PortalSettings, ViewerInfo
from app.api.types.service import Service, ServiceVersion
from app.api.types.traffic import UnattributedTraffic
from app.domain import listing, traffic
from app.domain.pagination import PageRequest
from app.domain.settings_store import portal_settings


def _page(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    offset: int | None = None,
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before, offset=offset)


@strawberry.type(description="Reads. Every field needs a bearer token; see README.")
class Query:
    @strawberry.field(description="Any object by its global id.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node:
        return await resolve_node(info.context, id)

    @strawberry.field(description="Who the bearer token stands for.")
    async def viewer(self, info: Info[Context, None]) -> ViewerInfo:
        return await ViewerInfo.of(info.context)

    @strawberry.field(description="One application, for its details page.")
    async def application(self, info: Info[Context, None], id: strawberry.ID) -> Application:
        return cast(Application, await resolve_node(info.context, id, "Application"))

    @strawberry.field(
        description="The Applications section: search, filter, sort, and page through "
        "applications. `search` is a literal, case-insensitive substring of the name "
        "(`_`, `%`, `\\` and quotes are plain characters, spaces too; an empty search lists "
        "everything; at most 200 characters); with `searchDevelopers` it also matches the "
        "developer's name or email. Cursors belong to one `orderBy` field."
    )
    async def applications(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: Offset = None,
        search: str | None = None,
        search_developers: bool = False,
        filter: ApplicationFilterInput | None = None,
        order_by: ApplicationOrderInput | None = None,
    ) -> Connection[Application]:
        ctx = info.context
        order = order_by or ApplicationOrderInput(field=ApplicationOrderField.NAME)
        page = await listing.list_applications(
            ctx.require_viewer(),
            _page(first, after, last, before, offset),
            max_page_size=ctx.settings.max_page_size,
            search=search,
            search_developers=search_developers,
            flt=filter.to_domain() if filter is not None else None,
            order=listing.ApplicationOrder(order.field.value),
            descending=order.direction is SortDirection.DESC,
        )
        ctx.loaders.prime_developers(row.developer for row in page.items)
        ctx.loaders.prime_applications(page.items)
        nodes = [Application.from_model(row) for row in page.items]
        for node, row in zip(nodes, page.items, strict=True):
            node.developer_ahead = row.developer  # joined by list_applications
        await prefetch_page(info, nodes, "Application")
        return make_connection(
            nodes,
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            count=page.count,
        )

    @strawberry.field(description="One service connection.")
    async def service_connection(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> ServiceConnection:
        return cast(ServiceConnection, await resolve_node(info.context, id, "ServiceConnection"))

    @strawberry.field(
        description="Connections across applications: with `status: [PENDING]`, the admin's "
        "queue of requests."
    )
    async def service_connections(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: Offset = None,
        filter: ServiceConnectionFilterInput | None = None,
        order_by: ServiceConnectionOrderInput | None = None,
    ) -> Connection[ServiceConnection]:
        ctx = info.context
        field = order_by.field.value if order_by is not None else "created"
        page = await listing.list_connections(
            ctx.require_viewer(),
            _page(first, after, last, before, offset),
            max_page_size=ctx.settings.max_page_size,
            flt=filter.to_domain() if filter is not None else None,
            order=listing.ConnectionOrder(field),
            descending=order_by is not None and order_by.direction is SortDirection.DESC,
        )
        ctx.loaders.prime_connections(page.items)
        nodes = [ServiceConnection.from_model(row) for row in page.items]
        await prefetch_page(info, nodes, "ServiceConnection")
        return make_connection(
            nodes,
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            count=page.count,
        )

    @strawberry.field(description="One developer.")
    async def developer(self, info: Info[Context, None], id: strawberry.ID) -> Developer:
        return cast(Developer, await resolve_node(info.context, id, "Developer"))

    @strawberry.field(
        description="Developers by name; `search` matches name or email (literal, "
        "case-insensitive). A developer token sees only itself."
    )
    async def developers(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: Offset = None,
        search: str | None = None,
        filter: DeveloperFilterInput | None = None,
    ) -> Connection[Developer]:
        ctx = info.context
        page = await listing.list_developers(
            ctx.require_viewer(),
            _page(first, after, last, before, offset),
            max_page_size=ctx.settings.max_page_size,
            search=search,
            flt=filter.to_domain() if filter is not None else None,
        )
        ctx.loaders.prime_developers(page.items)
        return make_connection(
            [Developer.from_model(row) for row in page.items],
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            count=page.count,
        )

    @strawberry.field(description="One service.")
    async def service(self, info: Info[Context, None], id: strawberry.ID) -> Service:
        return cast(Service, await resolve_node(info.context, id, "Service"))

    @strawberry.field(description="One service version.")
    async def service_version(self, info: Info[Context, None], id: strawberry.ID) -> ServiceVersion:
        return cast(ServiceVersion, await resolve_node(info.context, id, "ServiceVersion"))

    @strawberry.field(description="The catalogue: services by name, each with its versions.")
    async def services(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: Offset = None,
        search: str | None = None,
    ) -> Connection[Service]:
        ctx = info.context
        ctx.require_viewer()
        page = await listing.list_services(
            _page(first, after, last, before, offset),
            max_page_size=ctx.settings.max_page_size,
            search=search,
        )
        for row in page.items:
            ctx.loaders.service.prime(row.id, row)
        return make_connection(
            [Service.from_model(row) for row in page.items],
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            count=page.count,
        )

    @strawberry.field(description="The portal-wide settings.")
    async def portal_settings(self, info: Info[Context, None]) -> PortalSettings:
        info.context.require_viewer()
        return PortalSettings.from_model(await portal_settings())

    @strawberry.field(
        description="Gateway requests in the window (default: the last 30 days) that matched "
        "no application or no service version, most requests first: what the mapping of "
        "consumers and gateway services misses. Admin and viewer tokens only; `first` (null: "
        "100) is at most 1,000."
    )
    async def unattributed_traffic(
        self,
        info: Info[Context, None],
        window: traffic.TrafficWindow | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = 100,
    ) -> list[UnattributedTraffic]:
        ctx = info.context
        limit = 100 if first is None else first
        rows = await traffic.unattributed_for(
            ctx.require_viewer(), window, from_, to, limit, now=ctx.loaders.now
        )
        return [UnattributedTraffic.of(row) for row in rows]
