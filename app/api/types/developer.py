"""The Developer type: an owner of applications, with their portal access status."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.types.application import Application
from app.api.types.enums import AccessStatusType
from app.api.types.node import Connection, Node, make_connection
from app.domain.pagination import encode_cursor
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
    def from_model(cls, row: DeveloperModel) -> Developer:
        return cls(
            id=strawberry.ID(global_ids.encode("Developer", row.id)),
            name=row.name,
            email=row.email,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            db_id=row.id,
        )

    @strawberry.field(description="Their applications by name (first 100 at most per page).")
    async def applications(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> Connection[Application]:
        from app.domain.pagination import decode_cursor

        rows = await info.context.loaders.applications_by_developer.load(self.db_id)
        size = max(0, min(first, info.context.settings.max_page_size))
        start = 0
        if after is not None:
            name, row_id = decode_cursor(after, "after")
            start = next(
                (i for i, r in enumerate(rows) if (r.name_folded, r.id) > (name, row_id)),
                len(rows),
            )
        chunk = rows[start : start + size]

        async def count() -> int:
            return len(rows)

        return make_connection(
            [Application.from_model(row) for row in chunk],
            [encode_cursor(row.name_folded, row.id) for row in chunk],
            has_next_page=start + size < len(rows),
            has_previous_page=start > 0,
            count=count,
        )
