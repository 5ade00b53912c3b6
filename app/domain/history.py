"""Events that record each change of a connection or a developer's access."""

from __future__ import annotations

from datetime import datetime

from app.domain.clock import utcnow
from app.domain.lifecycle import Action
from app.domain.viewer import Viewer
from app.models import (
    AccessStatus,
    Application,
    ConnectionEvent,
    Developer,
    DeveloperEvent,
    ReasonCode,
    ServiceConnection,
    ServiceVersion,
)


async def record_connection_event(
    connection: ServiceConnection,
    *,
    application: Application,
    version: ServiceVersion,
    service_name: str,
    action: Action,
    from_status: AccessStatus | None,
    to_status: AccessStatus | None,
    viewer: Viewer,
    reason_code: ReasonCode | None = None,
    note: str | None = None,
    auto_approved: bool = False,
    at: datetime | None = None,
) -> ConnectionEvent:
    """Within the caller's transaction. `at` is the time the connection records for the change,
    so that the event and the connection's `statusChangedAt` agree."""
    return await ConnectionEvent.create(
        connection_id=connection.id,
        application_id=application.id,
        developer_id=application.developer_id,
        service_version_id=version.id,
        application_name=application.name,
        service_name=service_name,
        service_version_name=version.version,
        action=action.value,
        from_status=from_status,
        to_status=to_status,
        actor_kind=viewer.actor_kind,
        actor_id=viewer.actor_id,
        reason_code=reason_code,
        note=note,
        auto_approved=auto_approved,
        created_at=at or utcnow(),
    )


async def record_developer_event(
    developer: Developer,
    *,
    action: Action,
    from_status: AccessStatus | None,
    to_status: AccessStatus | None,
    viewer: Viewer,
    reason_code: ReasonCode | None = None,
    note: str | None = None,
    auto_approved: bool = False,
) -> DeveloperEvent:
    return await DeveloperEvent.create(
        developer_id=developer.id,
        developer_name=developer.name,
        action=action.value,
        from_status=from_status,
        to_status=to_status,
        actor_kind=viewer.actor_kind,
        actor_id=viewer.actor_id,
        reason_code=reason_code,
        note=note,
        auto_approved=auto_approved,
        created_at=utcnow(),
    )
