"""The ServiceConnection type (a registration for a service version) and its events."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.prefetch import prefetched_value
from app.api.types.enums import AccessStatusType, ActionType, ActorKindType, ReasonCodeType
from app.api.types.node import Node
from app.api.types.traffic import TrafficSummary, load_summary
from app.domain import lifecycle
from app.domain.connection_rows import ConnectionRow
from app.domain.traffic import GroupBy, TrafficWindow
from app.models import ConnectionEvent as ConnectionEventModel
from app.models import ServiceConnection as ServiceConnectionModel

if TYPE_CHECKING:
    from app.api.types.application import Application
    from app.api.types.service import ServiceVersion


@strawberry.type(description="One change of a connection: kept after the connection is deleted.")
class ConnectionEvent(Node):
    action: ActionType = strawberry.field(description="What was done.")
    from_status: AccessStatusType | None = strawberry.field(
        description="Status before; null for a new request."
    )
    to_status: AccessStatusType | None = strawberry.field(
        description="Status after; null when the connection was deleted."
    )
    actor_kind: ActorKindType = strawberry.field(description="Who did it.")
    actor_id: str | None = strawberry.field(description="Which developer or token did it.")
    reason_code: ReasonCodeType | None = strawberry.field(description="Why, as a code.")
    note: str | None = strawberry.field(description="Why, in words.")
    auto_approved: bool = strawberry.field(
        description="Whether the portal approved a request by itself (auto-approve)."
    )
    created_at: datetime = strawberry.field(description="When it happened (UTC).")
    connection_id: strawberry.ID = strawberry.field(
        description="Global id of the connection; it may since have been deleted."
    )
    application_id: strawberry.ID = strawberry.field(description="Global id of the application.")
    application_name: str = strawberry.field(description="The application's name at the time.")
    service_version_id: strawberry.ID = strawberry.field(
        description="Global id of the service version; it may since have been deleted."
    )
    service_name: str = strawberry.field(description="The service's name at the time.")
    service_version_name: str = strawberry.field(description="The version's label at the time.")

    @classmethod
    def from_model(cls, event: ConnectionEventModel) -> ConnectionEvent:
        return cls(
            id=strawberry.ID(global_ids.encode("ConnectionEvent", event.id)),
            action=lifecycle.Action(event.action),
            from_status=event.from_status,
            to_status=event.to_status,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            reason_code=event.reason_code,
            note=event.note,
            auto_approved=event.auto_approved,
            created_at=event.created_at,
            connection_id=strawberry.ID(
                global_ids.encode("ServiceConnection", event.connection_id)
            ),
            application_id=strawberry.ID(global_ids.encode("Application", event.application_id)),
            application_name=event.application_name,
            service_version_id=strawberry.ID(
                global_ids.encode("ServiceVersion", event.service_version_id)
            ),
            service_name=event.service_name,
            service_version_name=event.service_version_name,
        )


@strawberry.type(
    description="An application's connection to a service version (a registration in Konnect)."
)
class ServiceConnection(Node):
    status: AccessStatusType = strawberry.field(description="Where the connection stands.")
    reason_code: ReasonCodeType | None = strawberry.field(
        description="Why the last status change was made, as a code."
    )
    note: str | None = strawberry.field(description="Why the last status change was made.")
    created_at: datetime = strawberry.field(description="When it was requested (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    status_changed_at: datetime = strawberry.field(description="When its status last changed.")
    db_id: strawberry.Private[int]
    application_db_id: strawberry.Private[int]
    service_version_db_id: strawberry.Private[int]

    # Relations loaded ahead for a whole page, by response key (app/api/prefetch.py), and
    # the version when it was read in the same statement.
    prefetched: strawberry.Private[dict[str | int, Any]] = dataclasses.field(default_factory=dict)
    version_ahead: strawberry.Private[ServiceVersion | None] = None

    @classmethod
    def from_model(cls, row: ServiceConnectionModel | ConnectionRow) -> ServiceConnection:
        return cls(
            id=strawberry.ID(global_ids.encode("ServiceConnection", row.id)),
            status=row.status,
            reason_code=row.reason_code,
            note=row.note,
            created_at=row.created_at,
            updated_at=row.updated_at,
            status_changed_at=row.status_changed_at,
            db_id=row.id,
            application_db_id=row.application_id,
            service_version_db_id=row.service_version_id,
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
        return await load_summary(
            info,
            GroupBy.CONNECTION,
            (self.application_db_id, self.service_version_db_id),
            window,
            from_,
            to,
        )

    @strawberry.field(description="The application that asked for the connection.")
    async def application(
        self, info: Info[Context, None]
    ) -> Annotated[Application, strawberry.lazy("app.api.types.application")]:
        from app.api.types.application import Application

        row = await info.context.loaders.application.load(self.application_db_id)
        assert row is not None  # a connection never outlives its application
        return Application.from_model(row)

    @strawberry.field(description="The service version it connects to.")
    async def service_version(
        self, info: Info[Context, None]
    ) -> Annotated[ServiceVersion, strawberry.lazy("app.api.types.service")]:
        from app.api.types.service import ServiceVersion

        if (ahead := prefetched_value(self, info)) is not None:
            return ahead  # type: ignore[no-any-return]
        row = await info.context.loaders.service_version.load(self.service_version_db_id)
        assert row is not None  # a connection never outlives its version
        return ServiceVersion.from_model(row)

    @strawberry.field(
        description="The actions the viewer may take now, for the frontend's context menu."
    )
    async def available_actions(self, info: Info[Context, None]) -> list[ActionType]:
        viewer = info.context.require_viewer()
        application = await info.context.loaders.application.load(self.application_db_id)
        assert application is not None
        # APPROVE needs an approved developer: the menu must not offer what would be refused.
        owner = await info.context.loaders.developer.load(application.developer_id)
        assert owner is not None  # an application never outlives its developer
        return lifecycle.available_actions(
            self.status, viewer, application.developer_id, owner.status
        )

    @strawberry.field(description="Every change of this connection, newest first.")
    async def history(self, info: Info[Context, None]) -> list[ConnectionEvent]:
        rows = await info.context.loaders.events_by_connection.load(self.db_id)
        return [ConnectionEvent.from_model(row) for row in rows]
