"""Services and their versions: the portal's catalogue."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.prefetch import prefetched_value
from app.api.types.node import Node
from app.api.types.traffic import TrafficSummary, load_summary
from app.domain.connection_rows import ServiceRow, VersionRow
from app.domain.traffic import GroupBy, TrafficWindow
from app.models import Service as ServiceModel
from app.models import ServiceVersion as ServiceVersionModel


@strawberry.type(description="An API published in the portal.")
class Service(Node):
    name: str = strawberry.field(description="The service's unique name.")
    description: str = strawberry.field(description="What the service does.")
    created_at: datetime = strawberry.field(description="When it was published (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    db_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: ServiceModel | ServiceRow) -> Service:
        return cls(
            id=strawberry.ID(global_ids.encode("Service", row.id)),
            name=row.name,
            description=row.description,
            created_at=row.created_at,
            updated_at=row.updated_at,
            db_id=row.id,
        )

    @strawberry.field(description="Its versions, by label.")
    async def versions(self, info: Info[Context, None]) -> list[ServiceVersion]:
        rows = await info.context.loaders.versions_by_service.load(self.db_id)
        return [ServiceVersion.from_model(row) for row in rows]


@strawberry.type(description="A version of a service; applications connect to versions.")
class ServiceVersion(Node):
    version: str = strawberry.field(description="The version's label, unique within its service.")
    gateway_service_id: str | None = strawberry.field(
        description="Id of the Kong gateway service that implements it (matches log entries)."
    )
    gateway_service_name: str | None = strawberry.field(
        description="Name of the Kong gateway service that implements it."
    )
    auto_approve: bool | None = strawberry.field(
        description="Overrides the portal's auto-approve default for requests; null = default."
    )
    created_at: datetime = strawberry.field(description="When it was published (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    db_id: strawberry.Private[int]
    service_db_id: strawberry.Private[int]

    # Relations loaded ahead for a whole page, by response key (app/api/prefetch.py), and
    # the service when it was read in the same statement.
    prefetched: strawberry.Private[dict[str | int, Any]] = dataclasses.field(default_factory=dict)
    service_ahead: strawberry.Private[Service | None] = None

    @classmethod
    def from_model(cls, row: ServiceVersionModel | VersionRow) -> ServiceVersion:
        return cls(
            id=strawberry.ID(global_ids.encode("ServiceVersion", row.id)),
            version=row.version,
            gateway_service_id=row.gateway_service_id,
            gateway_service_name=row.gateway_service_name,
            auto_approve=row.auto_approve,
            created_at=row.created_at,
            updated_at=row.updated_at,
            db_id=row.id,
            service_db_id=row.service_id,
        )

    @strawberry.field(
        description="Traffic from gateway logs over a window (default LAST_30_DAYS), or from/to."
    )
    async def traffic(
        self,
        info: Info[Context, None],
        window: TrafficWindow | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> TrafficSummary:
        return await load_summary(info, GroupBy.SERVICE_VERSION, (self.db_id,), window, from_, to)

    @strawberry.field(description="The service this is a version of.")
    async def service(self, info: Info[Context, None]) -> Service:
        if (ahead := prefetched_value(self, info)) is not None:
            return ahead  # type: ignore[no-any-return]
        row = await info.context.loaders.service.load(self.service_db_id)
        assert row is not None  # a version never outlives its service
        return Service.from_model(row)

    @strawberry.field(description="Whether a new request is approved at once.")
    async def effective_auto_approve(self, info: Info[Context, None]) -> bool:
        if self.auto_approve is not None:
            return self.auto_approve
        settings = await info.context.loaders.portal_settings.load(1)
        return settings.auto_approve_connections
