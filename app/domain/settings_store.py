"""The portal-wide settings row: auto-approve defaults for connections and developers."""

from __future__ import annotations

from app.domain.clock import utcnow
from app.domain.errors import Forbidden
from app.domain.events import bus
from app.domain.viewer import Viewer
from app.models import PortalSettings


async def portal_settings() -> PortalSettings:
    settings, _ = await PortalSettings.get_or_create(id=1)
    return settings


async def update_portal_settings(
    viewer: Viewer,
    *,
    auto_approve_connections: bool | None = None,
    auto_approve_developers: bool | None = None,
) -> tuple[PortalSettings, bool]:
    if not viewer.is_admin:
        raise Forbidden("Only an admin may change the portal settings.")
    settings = await portal_settings()
    changes: dict[str, bool] = {}
    if auto_approve_connections is not None:
        changes["auto_approve_connections"] = auto_approve_connections
    if auto_approve_developers is not None:
        changes["auto_approve_developers"] = auto_approve_developers
    changed = any(getattr(settings, name) != value for name, value in changes.items())
    if changed:
        # Only the fields given: saving the whole row would undo a concurrent change of the
        # other field, read before it was made.
        await PortalSettings.filter(id=settings.id).update(**changes, updated_at=utcnow())
        settings = await portal_settings()
        await bus.announce("catalog")
    return settings, changed
