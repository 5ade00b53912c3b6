"""Deleting a parent deletes its connections; each deleted connection leaves a delete event."""

from __future__ import annotations

from typing import Any

from app.domain.history import record_connection_event
from app.domain.lifecycle import Action
from app.domain.viewer import Viewer
from app.models import ConnectionEvent, ReasonCode, ServiceConnection


async def record_cascaded_deletes(
    viewer: Viewer, note: str, reason_code: ReasonCode | None = None, **filters: Any
) -> list[ConnectionEvent]:
    """Within the caller's transaction: one delete event per connection matching `filters`."""
    connections = await ServiceConnection.filter(**filters).select_related(
        "application", "service_version__service"
    )
    events = []
    for connection in connections:
        events.append(
            await record_connection_event(
                connection,
                application=connection.application,
                version=connection.service_version,
                service_name=connection.service_version.service.name,
                action=Action.DELETE,
                from_status=connection.status,
                to_status=None,
                viewer=viewer,
                reason_code=reason_code,
                note=note,
            )
        )
    return events
