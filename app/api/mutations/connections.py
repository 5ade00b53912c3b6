"""Mutations of service connections: request, approve, reject, revoke, delete, and bulk forms."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.errors import UserError
from app.api.ids import decode_id
from app.api.mutations.payloads import DeletePayload, attempt
from app.api.types.connection import ServiceConnection
from app.api.types.enums import AccessStatusType, ReasonCodeType
from app.domain import connections
from app.domain.errors import AlreadyConnected, DomainError, ErrorCode
from app.domain.lifecycle import Action
from app.domain.scope import visible_connection
from app.domain.viewer import Viewer
from app.models import AccessStatus, ReasonCode


@strawberry.input(description="Ask for an application to be connected to a service version.")
class RequestConnectionInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    service_version_id: strawberry.ID = strawberry.field(description="The service version.")


@strawberry.input(description="Change one connection's status.")
class ChangeConnectionInput:
    id: strawberry.ID = strawberry.field(description="The connection.")
    reason_code: ReasonCodeType | None = strawberry.field(
        default=None, description="Why, as a code; stored and shown to the developer."
    )
    note: str | None = strawberry.field(
        default=None, description="Why, in words (at most 1,000 characters)."
    )
    expected_status: AccessStatusType | None = strawberry.field(
        default=None,
        description="Compare-and-set: fail with CONFLICT, changing nothing, unless the "
        "connection is in this status.",
    )


@strawberry.input(description="Change several connections' status, each on its own.")
class BulkChangeConnectionsInput:
    ids: list[strawberry.ID] = strawberry.field(description="The connections (at most 100).")
    reason_code: ReasonCodeType | None = strawberry.field(default=None, description="Why.")
    note: str | None = strawberry.field(default=None, description="Why, in words.")


@strawberry.type(description="Result of a change to one connection.")
class ServiceConnectionPayload:
    service_connection: ServiceConnection | None = strawberry.field(
        description="The connection as it now is: also for ALREADY_CONNECTED (the existing "
        "one), CONFLICT and INVALID_TRANSITION, when the viewer may see it."
    )
    changed: bool = strawberry.field(
        description="Whether anything changed; false for a no-op such as approving an "
        "approved connection."
    )
    errors: list[UserError] = strawberry.field(description="Why the change was refused, if so.")


@strawberry.type(description="Result for one id of a bulk change.")
class BulkConnectionResult:
    id: strawberry.ID = strawberry.field(description="The id as given.")
    service_connection: ServiceConnection | None = strawberry.field(
        description="The connection as it now is; null once deleted or when not found."
    )
    changed: bool = strawberry.field(description="Whether this connection changed.")
    errors: list[UserError] = strawberry.field(description="Why this one was refused, if so.")


@strawberry.type(description="Result of a bulk change: one result per id, in order.")
class BulkConnectionPayload:
    results: list[BulkConnectionResult] = strawberry.field(description="One per id, in order.")
    changed_count: int = strawberry.field(description="How many connections changed.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing was attempted (e.g. too many ids), if so."
    )


def _payload(result: connections.ConnectionChange | UserError) -> ServiceConnectionPayload:
    if isinstance(result, UserError):
        return ServiceConnectionPayload(service_connection=None, changed=False, errors=[result])
    connection = result.connection
    return ServiceConnectionPayload(
        service_connection=ServiceConnection.from_model(connection) if connection else None,
        changed=result.changed,
        errors=[],
    )


async def _change(
    info: Info[Context, None], action: Action, data: ChangeConnectionInput
) -> connections.ConnectionChange | UserError:
    viewer = info.context.require_viewer()

    async def call() -> connections.ConnectionChange:
        return await connections.change_connection(
            viewer,
            action,
            decode_id(data.id, "ServiceConnection", "id"),
            reason_code=ReasonCode(data.reason_code) if data.reason_code else None,
            note=data.note,
            expected_status=AccessStatus(data.expected_status) if data.expected_status else None,
        )

    return await attempt(info.context, call)


# Refusals that leave the connection in place: the payload shows it as it now is (when the
# viewer may see it), as ALREADY_CONNECTED does, so that a client need not query again.
_SHOWS_CONNECTION = frozenset({ErrorCode.CONFLICT, ErrorCode.INVALID_TRANSITION})


async def _connection_as_is(
    viewer: Viewer, code: ErrorCode, raw_id: str
) -> ServiceConnection | None:
    if code not in _SHOWS_CONNECTION:
        return None
    return await _existing_connection(viewer, decode_id(raw_id, "ServiceConnection", "id"))


async def _single(
    info: Info[Context, None], action: Action, data: ChangeConnectionInput
) -> ServiceConnectionPayload:
    result = await _change(info, action, data)
    if isinstance(result, UserError):
        viewer = info.context.require_viewer()
        return ServiceConnectionPayload(
            service_connection=await _connection_as_is(viewer, result.code, data.id),
            changed=False,
            errors=[result],
        )
    return _payload(result)


async def _bulk(
    info: Info[Context, None], action: Action, data: BulkChangeConnectionsInput
) -> BulkConnectionPayload:
    ctx = info.context
    viewer = ctx.require_viewer()
    numbers: list[int | DomainError] = []
    for raw in data.ids:
        try:
            numbers.append(decode_id(raw, "ServiceConnection", "ids"))
        except DomainError as error:
            numbers.append(error)
    valid = [n for n in numbers if isinstance(n, int)]

    async def call() -> list[connections.ConnectionChange | DomainError]:
        connections.check_bulk(data.ids, ctx.settings.max_bulk_ids, data.note)
        changes = iter(
            await connections.change_connections(
                viewer,
                action,
                valid,
                limit=ctx.settings.max_bulk_ids,
                reason_code=ReasonCode(data.reason_code) if data.reason_code else None,
                note=data.note,
            )
            if valid
            else []
        )
        return [n if isinstance(n, DomainError) else next(changes) for n in numbers]

    outcome = await attempt(ctx, call)
    if isinstance(outcome, UserError):
        return BulkConnectionPayload(results=[], changed_count=0, errors=[outcome])
    results = []
    for raw, item in zip(data.ids, outcome, strict=True):
        if isinstance(item, DomainError):
            results.append(
                BulkConnectionResult(
                    id=raw,
                    service_connection=None,
                    changed=False,
                    errors=[UserError.from_domain(item)],
                )
            )
        else:
            row = item.connection
            results.append(
                BulkConnectionResult(
                    id=raw,
                    service_connection=ServiceConnection.from_model(row) if row else None,
                    changed=item.changed,
                    errors=[],
                )
            )
    return BulkConnectionPayload(
        results=results, changed_count=sum(r.changed for r in results), errors=[]
    )


def _already_connected(error: AlreadyConnected) -> UserError:
    """The domain knows row numbers; clients know global ids, so the message names that."""
    existing = global_ids.encode("ServiceConnection", error.connection_id)
    return UserError(
        code=error.code,
        message=f"{error.message} Its id is {existing}.",
        field=error.field,
    )


async def _existing_connection(viewer: Viewer, connection_id: int) -> ServiceConnection | None:
    try:
        return ServiceConnection.from_model(await visible_connection(viewer, connection_id))
    except DomainError:
        return None


@strawberry.type
class ConnectionMutations:
    @strawberry.mutation(
        description="Ask for a connection; it starts PENDING, or APPROVED under auto-approve. "
        "ALREADY_CONNECTED (with the existing connection) when one exists."
    )
    async def request_connection(
        self, info: Info[Context, None], input: RequestConnectionInput
    ) -> ServiceConnectionPayload:
        viewer = info.context.require_viewer()
        try:
            change = await connections.request_connection(
                viewer,
                decode_id(input.application_id, "Application", "applicationId"),
                decode_id(input.service_version_id, "ServiceVersion", "serviceVersionId"),
            )
        except AlreadyConnected as error:
            existing = await _existing_connection(viewer, error.connection_id)
            return ServiceConnectionPayload(
                service_connection=existing, changed=False, errors=[_already_connected(error)]
            )
        except DomainError as error:
            return _payload(UserError.from_domain(error))
        finally:
            info.context.forget_loaded()
        return _payload(change)

    @strawberry.mutation(description="Approve a PENDING or REVOKED connection (admin).")
    async def approve_connection(
        self, info: Info[Context, None], input: ChangeConnectionInput
    ) -> ServiceConnectionPayload:
        return await _single(info, Action.APPROVE, input)

    @strawberry.mutation(description="Reject a PENDING connection (admin).")
    async def reject_connection(
        self, info: Info[Context, None], input: ChangeConnectionInput
    ) -> ServiceConnectionPayload:
        return await _single(info, Action.REJECT, input)

    @strawberry.mutation(description="Revoke an APPROVED connection (admin).")
    async def revoke_connection(
        self, info: Info[Context, None], input: ChangeConnectionInput
    ) -> ServiceConnectionPayload:
        return await _single(info, Action.REVOKE, input)

    @strawberry.mutation(
        description="Delete a connection in any status (admin, or the application's "
        "developer); its history stays. The developer must request again afterwards."
    )
    async def delete_connection(
        self, info: Info[Context, None], input: ChangeConnectionInput
    ) -> DeletePayload:
        result = await _change(info, Action.DELETE, input)
        if isinstance(result, UserError):
            return DeletePayload(deleted_id=None, changed=False, errors=[result])
        deleted = result.deleted_id
        return DeletePayload(
            deleted_id=(
                strawberry.ID(global_ids.encode("ServiceConnection", deleted)) if deleted else None
            ),
            changed=result.changed,
            errors=[],
        )

    @strawberry.mutation(description="Approve up to 100 connections, each in its own transaction.")
    async def approve_connections(
        self, info: Info[Context, None], input: BulkChangeConnectionsInput
    ) -> BulkConnectionPayload:
        return await _bulk(info, Action.APPROVE, input)

    @strawberry.mutation(description="Reject up to 100 connections, each in its own transaction.")
    async def reject_connections(
        self, info: Info[Context, None], input: BulkChangeConnectionsInput
    ) -> BulkConnectionPayload:
        return await _bulk(info, Action.REJECT, input)

    @strawberry.mutation(description="Revoke up to 100 connections, each in its own transaction.")
    async def revoke_connections(
        self, info: Info[Context, None], input: BulkChangeConnectionsInput
    ) -> BulkConnectionPayload:
        return await _bulk(info, Action.REVOKE, input)

    @strawberry.mutation(description="Delete up to 100 connections, each in its own transaction.")
    async def delete_connections(
        self, info: Info[Context, None], input: BulkChangeConnectionsInput
    ) -> BulkConnectionPayload:
        return await _bulk(info, Action.DELETE, input)
