"""The Application type: what the admin's Applications section and details page show."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.prefetch import prefetched_value
from app.api.types.connection import ConnectionEvent, ServiceConnection
from app.api.types.credential import Credential
from app.api.types.enums import AccessStatusType
from app.api.types.node import Node
from app.api.types.traffic import TrafficSummary, load_summary
from app.domain.application_rows import ApplicationRow, DeveloperRow
from app.domain.errors import ValidationFailed
from app.domain.traffic import GroupBy, TrafficWindow
from app.models import AccessStatus
from app.models import Application as ApplicationModel
from app.models import Developer as DeveloperModel

if TYPE_CHECKING:
    from app.api.types.developer import Developer


MAX_EVENTS = 500


@strawberry.type(description="How many connections an application has in each status.")
class ConnectionCounts:
    pending: int = strawberry.field(description="Waiting for an admin.")
    approved: int = strawberry.field(description="In use.")
    rejected: int = strawberry.field(description="Refused.")
    revoked: int = strawberry.field(description="Withdrawn after approval.")
    total: int = strawberry.field(description="All of them.")


@strawberry.type(description="A developer's application; it reaches services through connections.")
class Application(Node):
    name: str = strawberry.field(description="Unique among its developer's applications.")
    description: str = strawberry.field(description="What the application is for.")
    reference_id: str = strawberry.field(
        description="Unique reference; gateway consumers carry it as custom_id or username."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it was last edited (UTC).")
    db_id: strawberry.Private[int]
    developer_db_id: strawberry.Private[int]

    # Relations loaded ahead for a whole page, by response key (app/api/prefetch.py), and
    # the developer when it was read in the same statement.
    prefetched: strawberry.Private[dict[str | int, Any]] = dataclasses.field(default_factory=dict)
    developer_ahead: strawberry.Private[DeveloperModel | DeveloperRow | None] = None

    @classmethod
    def from_model(cls, row: ApplicationModel | ApplicationRow) -> Application:
        return cls(
            id=strawberry.ID(global_ids.encode("Application", row.id)),
            name=row.name,
            description=row.description,
            reference_id=row.reference_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            db_id=row.id,
            developer_db_id=row.developer_id,
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
        if (ahead := prefetched_value(self, info)) is not None:
            return ahead  # type: ignore[no-any-return]
        return await load_summary(info, GroupBy.APPLICATION, (self.db_id,), window, from_, to)

    @strawberry.field(description="The developer who owns it.")
    async def developer(
        self, info: Info[Context, None]
    ) -> Annotated[Developer, strawberry.lazy("app.api.types.developer")]:
        from app.api.types.developer import Developer

        if (ahead := prefetched_value(self, info)) is not None:
            return ahead  # type: ignore[no-any-return]
        row = await info.context.loaders.developer.load(self.developer_db_id)
        assert row is not None  # an application never outlives its developer
        return Developer.from_model(row)

    @strawberry.field(description="Its service connections, oldest first; optionally by status.")
    async def connections(
        self, info: Info[Context, None], status: list[AccessStatusType] | None = None
    ) -> list[ServiceConnection]:
        if (ahead := prefetched_value(self, info)) is not None:
            return ahead  # type: ignore[no-any-return]
        rows = await info.context.loaders.connections_by_application.load(self.db_id)
        wanted = set(status) if status is not None else None
        return [
            ServiceConnection.from_model(row)
            for row in rows
            if wanted is None or row.status in wanted
        ]

    @strawberry.field(description="How many connections it has in each status.")
    async def connection_counts(self, info: Info[Context, None]) -> ConnectionCounts:
        rows = await info.context.loaders.connections_by_application.load(self.db_id)
        counts = Counter(row.status for row in rows)
        return ConnectionCounts(
            pending=counts[AccessStatus.PENDING],
            approved=counts[AccessStatus.APPROVED],
            rejected=counts[AccessStatus.REJECTED],
            revoked=counts[AccessStatus.REVOKED],
            total=len(rows),
        )

    @strawberry.field(description="Its credentials; secrets are never shown after creation.")
    async def credentials(self, info: Info[Context, None]) -> list[Credential]:
        rows = await info.context.loaders.credentials_by_application.load(self.db_id)
        return [Credential.from_model(row) for row in rows]

    @strawberry.field(
        description="History of all its connections, deleted ones included, newest first: "
        f"the first `first` events (at most {MAX_EVENTS})."
    )
    async def events(self, info: Info[Context, None], first: int = 50) -> list[ConnectionEvent]:
        if not 0 <= first <= MAX_EVENTS:
            # Refused like a page size, never clamped in silence.
            raise ValidationFailed(
                f"`first` must be 0 to {MAX_EVENTS} (got {first}).", field="first"
            )
        rows = await info.context.loaders.events_by_application.load(self.db_id)
        return [ConnectionEvent.from_model(row) for row in rows[:first]]
