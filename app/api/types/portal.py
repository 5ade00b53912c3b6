"""Portal-wide settings and the viewer's own identity."""

from __future__ import annotations

import strawberry

from app.api.context import Context
from app.api.types.developer import Developer
from app.api.types.enums import RoleType
from app.models import PortalSettings as PortalSettingsModel


@strawberry.type(description="Portal-wide defaults.")
class PortalSettings:
    auto_approve_connections: bool = strawberry.field(
        description="Whether new connection requests are approved at once, unless a service "
        "version says otherwise."
    )
    auto_approve_developers: bool = strawberry.field(
        description="Whether newly registered developers are approved at once."
    )

    @classmethod
    def from_model(cls, row: PortalSettingsModel) -> PortalSettings:
        return cls(
            auto_approve_connections=row.auto_approve_connections,
            auto_approve_developers=row.auto_approve_developers,
        )


@strawberry.type(description="The caller, as its bearer token says.")
class ViewerInfo:
    role: RoleType = strawberry.field(description="The token's role.")
    developer: Developer | None = strawberry.field(
        description="For a developer token, the developer it is bound to."
    )

    @classmethod
    async def of(cls, ctx: Context) -> ViewerInfo:
        viewer = ctx.require_viewer()
        developer = None
        if viewer.developer_id is not None:
            row = await ctx.loaders.developer.load(viewer.developer_id)
            developer = Developer.from_model(row) if row is not None else None
        return cls(role=viewer.role, developer=developer)
