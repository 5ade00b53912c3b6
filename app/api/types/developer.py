"""The Developer type: an owner of applications, with their portal access status."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.types.application import Application
from app.api.types.enums import AccessStatusType
from app.api.types.node import Connection, Node, Offset, make_connection
from app.domain.application_rows import DeveloperRow
from app.domain.listing import APPLICATIONS_BY_NAME
from app.domain.pagination import PageRequest, paginate_loaded
from app.models import Developer as DeveloperModel


@strawberry.type(description="A person who owns applications in the portal.")
class Developer(Node):
    name: str = strawberry.field(description="The developer's name.")
    email: str = strawberry.field(description="Contact email; several developers may share one.")
    status: AccessStatusType = strawberry.field(description="Their access to the portal.")
    created_at: datetime = strawberry.field(description="When they registered (UTC).")
    updated_at: datetime = strawberry.field(description="When they last changed (UTC).")
    db_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: DeveloperModel | DeveloperRow) -> Developer:
        return cls(
            id=strawberry.ID(global_ids.encode("Developer", row.id)),
            name=row.name,
            email=row.email,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            db_id=row.id,
        )

    @strawberry.field(
        description="Their applications by name, in pages like `applications` (at most 100)."
    )
    async def applications(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        offset: Offset = None,
    ) -> Connection[Application]:
        rows = await info.context.loaders.applications_by_developer.load(self.db_id)
        page = paginate_loaded(
            rows,
            APPLICATIONS_BY_NAME,
            PageRequest(first=first, after=after, last=last, before=before, offset=offset),
            max_size=info.context.settings.max_page_size,
        )
        return make_connection(
            [Application.from_model(row) for row in page.items],
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            count=page.count,
        )
