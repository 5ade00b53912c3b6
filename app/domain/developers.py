"""Use-cases of developers: registration and their portal access (approve ... delete)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from app.domain import lifecycle
from app.domain.cascade import lock_rows, record_cascaded_deletes
from app.domain.clock import after
from app.domain.errors import Conflict, Forbidden
from app.domain.events import bus
from app.domain.history import record_connection_event, record_developer_event
from app.domain.lifecycle import Action
from app.domain.scope import missing
from app.domain.settings_store import portal_settings
from app.domain.validation import clean_email, clean_name, clean_note
from app.domain.viewer import Viewer
from app.models import (
    AccessStatus,
    Application,
    Developer,
    DeveloperEvent,
    ReasonCode,
    ServiceConnection,
)


async def create_developer(viewer: Viewer, *, name: str, email: str) -> Developer:
    """Register a developer; pending unless the portal auto-approves developers."""
    if not viewer.is_admin:
        raise Forbidden("Only an admin may register developers.")
    name = clean_name(name)
    email = clean_email(email)
    auto = (await portal_settings()).auto_approve_developers
    status = AccessStatus.APPROVED if auto else AccessStatus.PENDING
    async with in_transaction():
        developer = await Developer.create(
            name=name,
            email=email,
            name_folded=name.casefold(),
            email_folded=email.casefold(),
            status=status,
        )
        event = await record_developer_event(
            developer,
            action=Action.REQUEST,
            from_status=None,
            to_status=status,
            viewer=viewer,
            auto_approved=auto,
        )
    await bus.announce("developer", (event.id,))
    return developer


async def change_developer(
    viewer: Viewer,
    action: Action,
    developer_id: int,
    *,
    reason_code: ReasonCode | None = None,
    note: str | None = None,
    expected_status: AccessStatus | None = None,
    revoke_connections: bool = False,
) -> tuple[Developer | None, bool]:
    """Change a developer's access; with `revoke_connections`, revoking also revokes their
    approved connections in the same transaction (one event each).

    The decision is taken inside the transaction on the locked row, so that concurrent changes
    of one developer queue up instead of racing: each sees what the one before it did.
    """
    note = clean_note(note)
    if not lifecycle.may_manage_developers(viewer):
        developer = await Developer.get_or_none(id=developer_id)
        if developer is None or not viewer.can_see(developer.id):
            raise missing("Developer", developer_id, field="id")
        raise Forbidden("Only an admin may change a developer's access.", field="id")
    cascade = revoke_connections and action is Action.REVOKE
    event: DeveloperEvent | None = None
    connection_event_ids: list[int] = []
    async with in_transaction():
        locked = await lock_rows(Developer.filter(id=developer_id))
        if not locked:
            raise missing("Developer", developer_id, field="id")
        developer = locked[0]
        if expected_status is not None and developer.status != expected_status:
            raise Conflict(
                f"The developer is {developer.status.value.upper()}, not "
                f"{expected_status.value.upper()}; nothing was changed.",
                field="expectedStatus",
            )
        transition = lifecycle.plan(action, developer.status, subject="developer")
        if transition.to_status is None:
            connection_event_ids += await _delete(viewer, developer, reason_code)
        elif transition.changed:
            developer.updated_at = after(developer.updated_at)
            await Developer.filter(id=developer.id).update(
                status=transition.to_status, updated_at=developer.updated_at
            )
        if transition.changed:
            event = await record_developer_event(
                developer,
                action=action,
                from_status=transition.from_status,
                to_status=transition.to_status,
                viewer=viewer,
                reason_code=reason_code,
                note=note,
            )
        if cascade:
            connection_event_ids += await _revoke_all_connections(
                viewer, developer.id, reason_code, note
            )
    if event is not None:
        await bus.announce("developer", (event.id,))
    if connection_event_ids:
        await bus.announce("connection", tuple(connection_event_ids))
    if transition.to_status is None:
        return None, True
    developer.status = transition.to_status
    return developer, transition.changed or bool(connection_event_ids)


async def _delete(
    viewer: Viewer, developer: Developer, reason_code: ReasonCode | None
) -> list[int]:
    """Within the transaction, the developer locked: delete them and everything under them.

    Their applications are locked too, so that no connection is requested for one of them
    between writing the delete events and the cascade.
    """
    await lock_rows(Application.filter(developer_id=developer.id))
    events = await record_cascaded_deletes(
        viewer,
        "The developer was deleted.",
        reason_code,
        application__developer_id=developer.id,
    )
    await Developer.filter(id=developer.id).delete()
    return [event.id for event in events]


async def _revoke_all_connections(
    viewer: Viewer, developer_id: int, reason_code: ReasonCode | None, note: str | None
) -> list[int]:
    """Within the transaction: revoke each approved connection, locked first so that a
    concurrent change of one is waited for and the revoke is stamped after it."""
    connections = (
        await ServiceConnection.filter(
            application__developer_id=developer_id, status=AccessStatus.APPROVED
        )
        .select_for_update(of=(ServiceConnection._meta.db_table,))
        .select_related("application", "service_version__service")
    )
    event_ids = []
    for connection in connections:
        now = after(connection.updated_at)
        rows = await ServiceConnection.filter(
            id=connection.id, status=AccessStatus.APPROVED, updated_at=connection.updated_at
        ).update(
            status=AccessStatus.REVOKED,
            reason_code=reason_code,
            note=note,
            updated_at=now,
            status_changed_at=now,
        )
        if rows == 1:
            event = await record_connection_event(
                connection,
                application=connection.application,
                version=connection.service_version,
                service_name=connection.service_version.service.name,
                action=Action.REVOKE,
                from_status=AccessStatus.APPROVED,
                to_status=AccessStatus.REVOKED,
                viewer=viewer,
                reason_code=reason_code,
                note=note,
                at=now,
            )
            event_ids.append(event.id)
    return event_ids
