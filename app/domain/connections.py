"""Use-cases of service connections: request, approve, reject, revoke, delete, one or in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.domain import lifecycle
from app.domain.cascade import lock_rows
from app.domain.clock import after, utcnow
from app.domain.errors import (
    AlreadyConnected,
    Conflict,
    DomainError,
    Forbidden,
    ValidationFailed,
)
from app.domain.events import bus
from app.domain.history import record_connection_event
from app.domain.lifecycle import Action
from app.domain.scope import existing_version, missing, visible_application, visible_connection
from app.domain.settings_store import portal_settings
from app.domain.validation import clean_note, shown
from app.domain.viewer import Viewer
from app.models import AccessStatus, Developer, ReasonCode, ServiceConnection

# A lost race re-reads the row and decides again; this bounds how often.
_MAX_ATTEMPTS = 5


@dataclass(slots=True)
class ConnectionChange:
    """What a status change did: the connection as it now is (None once deleted)."""

    connection: ServiceConnection | None
    changed: bool
    deleted_id: int | None = None


async def request_connection(
    viewer: Viewer, application_id: int, service_version_id: int
) -> ConnectionChange:
    """Ask for a connection; it starts pending, or approved where auto-approve applies."""
    application = await visible_application(viewer, application_id)
    lifecycle.require_active(viewer)
    if not lifecycle.may_act(viewer, Action.REQUEST, application.developer_id):
        raise Forbidden("Only the application's developer or an admin may request connections.")
    _require_approved(await Developer.get(id=application.developer_id))
    version = await existing_version(service_version_id)
    await _refuse_duplicate(application_id, service_version_id)
    auto = version.auto_approve
    if auto is None:
        auto = (await portal_settings()).auto_approve_connections
    status = AccessStatus.APPROVED if auto else AccessStatus.PENDING
    try:
        async with in_transaction():
            # Again, on the locked row: a developer revoked meanwhile (perhaps with all their
            # connections) must not end up with a new approved connection.
            owner = await lock_rows(Developer.filter(id=application.developer_id))
            if not owner:
                raise missing("Application", application_id, field="applicationId")
            _require_approved(owner[0])
            now = utcnow()
            connection = await ServiceConnection.create(
                application_id=application.id,
                service_version_id=version.id,
                status=status,
                created_at=now,
                updated_at=now,
                status_changed_at=now,
            )
            event = await record_connection_event(
                connection,
                application=application,
                version=version,
                service_name=version.service.name,
                action=Action.REQUEST,
                from_status=None,
                to_status=status,
                viewer=viewer,
                auto_approved=auto,
                at=now,
            )
    except IntegrityError:
        # Another request for the same pair won the race, or a row vanished meanwhile.
        await _refuse_duplicate(application_id, service_version_id)
        await visible_application(viewer, application_id)
        await existing_version(service_version_id)
        raise
    await bus.announce("connection", (event.id,))
    return ConnectionChange(connection, changed=True)


def _require_approved(developer: Developer, action: Action = Action.REQUEST) -> None:
    """Connections become live (requested, approved) only for an approved developer: a
    revoked developer's connections stay as they are until an admin approves the developer."""
    if developer.status != AccessStatus.APPROVED:
        what = (
            "applications may request connections"
            if action is Action.REQUEST
            else "connections may be approved"
        )
        raise Forbidden(
            f"Developer {shown(developer.name)} is {developer.status.value}; only an approved "
            f"developer's {what}.",
            field="applicationId" if action is Action.REQUEST else "id",
        )


async def _approved_owner(connection: ServiceConnection, *, lock: bool) -> None:
    """Before approving: the connection's developer must be approved (read again on the
    locked row within the transaction, so a concurrent revokeDeveloper is waited for)."""
    query = Developer.filter(id=connection.application.developer_id)
    owner = await (lock_rows(query) if lock else query)
    if not owner:  # deleted meanwhile, with the connection
        raise missing("ServiceConnection", connection.id, field="id")
    _require_approved(owner[0], Action.APPROVE)


async def _refuse_duplicate(application_id: int, service_version_id: int) -> None:
    existing = await ServiceConnection.get_or_none(
        application_id=application_id, service_version_id=service_version_id
    )
    if existing is not None:
        raise AlreadyConnected(
            f"The application is already connected to this service version; that "
            f"connection is {existing.status.value.upper()}.",
            connection_id=existing.id,
            field="serviceVersionId",
        )


async def change_connection(
    viewer: Viewer,
    action: Action,
    connection_id: int,
    *,
    reason_code: ReasonCode | None = None,
    note: str | None = None,
    expected_status: AccessStatus | None = None,
) -> ConnectionChange:
    """Approve, reject, revoke or delete one connection, as one compare-and-set transaction."""
    if action is Action.REQUEST:
        raise ValueError("use request_connection")
    note = clean_note(note)
    for _ in range(_MAX_ATTEMPTS):
        connection = await visible_connection(viewer, connection_id)
        application = connection.application
        lifecycle.require_active(viewer)
        if not lifecycle.may_act(viewer, action, application.developer_id):
            raise Forbidden(f"Your role may not {action.value} this connection.", field="id")
        if action is Action.APPROVE:
            await _approved_owner(connection, lock=False)
        if expected_status is not None and connection.status is not expected_status:
            raise Conflict(
                f"The connection is {connection.status.value.upper()}, not "
                f"{expected_status.value.upper()}; nothing was changed.",
                field="expectedStatus",
            )
        transition = lifecycle.plan(action, connection.status)
        if not transition.changed:
            return ConnectionChange(connection, changed=False)
        version = connection.service_version
        now = after(connection.updated_at)
        # Compare-and-set on the row as read, its time included: a row that went elsewhere
        # and back (approved -> revoked -> approved) since must be read again, or this change
        # would be stamped, and its event sorted, before the ones that happened first.
        as_read = ServiceConnection.filter(
            id=connection.id, status=connection.status, updated_at=connection.updated_at
        )
        async with in_transaction():
            if action is Action.APPROVE:
                await _approved_owner(connection, lock=True)
            if transition.to_status is None:
                rows = await as_read.delete()
            else:
                rows = await as_read.update(
                    status=transition.to_status,
                    reason_code=reason_code,
                    note=note,
                    updated_at=now,
                    status_changed_at=now,
                )
            if rows == 1:
                event = await record_connection_event(
                    connection,
                    application=application,
                    version=version,
                    service_name=version.service.name,
                    action=action,
                    from_status=transition.from_status,
                    to_status=transition.to_status,
                    viewer=viewer,
                    reason_code=reason_code,
                    note=note,
                    at=now,
                )
        if rows != 1:
            continue  # another writer changed it first: decide again on what is there now
        await bus.announce("connection", (event.id,))
        if transition.to_status is None:
            return ConnectionChange(None, changed=True, deleted_id=connection.id)
        connection.status = transition.to_status
        connection.reason_code = reason_code  # type: ignore[assignment]
        connection.note = note  # type: ignore[assignment]
        connection.updated_at = connection.status_changed_at = now
        return ConnectionChange(connection, changed=True)
    raise Conflict("The connection kept changing while we tried; try again.", field="id")


def check_bulk(ids: Sequence[object], limit: int, note: str | None) -> None:
    """Checks of a bulk request as a whole: done before any id is touched, so that a refused
    request writes nothing, also when none of its ids is well-formed."""
    if not ids:
        raise ValidationFailed("Give at least one id.", field="ids")
    if len(ids) > limit:
        raise ValidationFailed(
            f"{len(ids)} ids given; at most {limit} may be changed at once.", field="ids"
        )
    clean_note(note)


async def change_connections(
    viewer: Viewer,
    action: Action,
    connection_ids: Sequence[int],
    *,
    limit: int,
    reason_code: ReasonCode | None = None,
    note: str | None = None,
) -> list[ConnectionChange | DomainError]:
    """The bulk form: one result per id, in order, each in its own transaction."""
    check_bulk(connection_ids, limit, note)
    results: list[ConnectionChange | DomainError] = []
    for connection_id in connection_ids:
        try:
            results.append(
                await change_connection(
                    viewer, action, connection_id, reason_code=reason_code, note=note
                )
            )
        except DomainError as error:
            results.append(error)
    return results
