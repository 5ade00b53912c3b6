"""Connections for imports, keyed by (application, service version), the pair the database
keeps unique: connections have no external id, so the source's registration id goes into the
event's note, where an operator can trace it.

A new connection records one `request` event from nothing to its status; a changed status
records the action that leads to it. Whether the source may change a status is the caller's
choice: a Konnect export is the portal's own record and wins, unless the portal changed the
status after the export's `updated_at`; a gateway's ACL list is derived from the portal and
only reports a difference.
"""

from __future__ import annotations

from app.domain.clock import utcnow
from app.domain.history import record_connection_event
from app.domain.lifecycle import Action
from app.ingest.imports import ItemLog, Outcome
from app.ingest.upsert.rows import ACTION_TO, IMPORTER, Stamp, create_row, update_row
from app.models import AccessStatus, Application, ServiceConnection, ServiceVersion

CONNECTIONS = "connections"


async def upsert_connection(
    log: ItemLog,
    where: str,
    *,
    application: Application,
    version: ServiceVersion,
    service_name: str,
    status: AccessStatus,
    stamp: Stamp,
    note: str,
    source_wins: bool,
) -> ServiceConnection:
    connection = await ServiceConnection.get_or_none(
        application_id=application.id, service_version_id=version.id
    )
    label = f"{application.name!r} to {service_name} {version.version}"
    if connection is None:
        # The source's last change is the best-known time of the status.
        changed_at = stamp.updated_at or stamp.created_at or utcnow()
        connection = await create_row(
            ServiceConnection,
            stamp,
            application_id=application.id,
            service_version_id=version.id,
            status=status,
            updated_at=changed_at,
            status_changed_at=changed_at,
        )
        before: AccessStatus | None = None
        log.count(CONNECTIONS, connection.id, Outcome.CREATED)
    elif connection.status is status:
        log.count(CONNECTIONS, connection.id, Outcome.UNCHANGED)
        return connection
    elif not source_wins or (
        stamp.updated_at is not None and connection.status_changed_at > stamp.updated_at
    ):
        # The portal decided after the source was written (or the source only mirrors it).
        log.warn(
            where,
            f"the connection of {label} is {connection.status.value} in the portal but "
            f"{status.value} here; left as it is",
        )
        log.count(CONNECTIONS, connection.id, Outcome.UNCHANGED)
        return connection
    else:
        before = connection.status
        await update_row(
            connection,
            stamp,
            {"status": status, "status_changed_at": stamp.updated_at or utcnow()},
        )
        log.count(CONNECTIONS, connection.id, Outcome.UPDATED)
        log.note(where, f"connection of {label}: {before.value} -> {status.value}")
    event = await record_connection_event(
        connection,
        application=application,
        version=version,
        service_name=service_name,
        action=Action.REQUEST if before is None else ACTION_TO[status],
        from_status=before,
        to_status=status,
        viewer=IMPORTER,
        note=note,
    )
    log.connection_events.append(event.id)
    return connection
