"""Mutations of developers' portal access (admin): register, approve, reject, revoke, delete."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.errors import UserError
from app.api.ids import decode_id
from app.api.mutations.payloads import DeletePayload, attempt
from app.api.types.developer import Developer
from app.api.types.enums import AccessStatusType, ReasonCodeType
from app.domain import developers
from app.domain.lifecycle import Action
from app.models import AccessStatus, ReasonCode


@strawberry.input(description="Register a developer.")
class CreateDeveloperInput:
    name: str = strawberry.field(description="Their name.")
    email: str = strawberry.field(description="Their email (several developers may share one).")


@strawberry.input(description="Change a developer's portal access.")
class ChangeDeveloperInput:
    id: strawberry.ID = strawberry.field(description="The developer.")
    reason_code: ReasonCodeType | None = strawberry.field(default=None, description="Why.")
    note: str | None = strawberry.field(default=None, description="Why, in words.")
    expected_status: AccessStatusType | None = strawberry.field(
        default=None,
        description="Compare-and-set: CONFLICT unless the developer is in this status.",
    )
    revoke_connections: bool = strawberry.field(
        default=False,
        description="With revokeDeveloper: also revoke every APPROVED connection of theirs, in "
        "the same transaction.",
    )


@strawberry.type(description="Result of a change to a developer.")
class DeveloperPayload:
    developer: Developer | None = strawberry.field(description="The developer as they are now.")
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


async def _change(
    info: Info[Context, None], action: Action, data: ChangeDeveloperInput
) -> DeveloperPayload:
    viewer = info.context.require_viewer()
    result = await attempt(
        info.context,
        lambda: developers.change_developer(
            viewer,
            action,
            decode_id(data.id, "Developer", "id"),
            reason_code=ReasonCode(data.reason_code) if data.reason_code else None,
            note=data.note,
            expected_status=AccessStatus(data.expected_status) if data.expected_status else None,
            revoke_connections=data.revoke_connections,
        ),
    )
    if isinstance(result, UserError):
        return DeveloperPayload(developer=None, changed=False, errors=[result])
    row, changed = result
    return DeveloperPayload(
        developer=Developer.from_model(row) if row else None, changed=changed, errors=[]
    )


@strawberry.type
class DeveloperMutations:
    @strawberry.mutation(
        description="Register a developer (admin); PENDING unless developers are auto-approved."
    )
    async def create_developer(
        self, info: Info[Context, None], input: CreateDeveloperInput
    ) -> DeveloperPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: developers.create_developer(viewer, name=input.name, email=input.email),
        )
        if isinstance(result, UserError):
            return DeveloperPayload(developer=None, changed=False, errors=[result])
        return DeveloperPayload(developer=Developer.from_model(result), changed=True, errors=[])

    @strawberry.mutation(description="Approve a PENDING or REVOKED developer (admin).")
    async def approve_developer(
        self, info: Info[Context, None], input: ChangeDeveloperInput
    ) -> DeveloperPayload:
        return await _change(info, Action.APPROVE, input)

    @strawberry.mutation(description="Reject a PENDING developer (admin).")
    async def reject_developer(
        self, info: Info[Context, None], input: ChangeDeveloperInput
    ) -> DeveloperPayload:
        return await _change(info, Action.REJECT, input)

    @strawberry.mutation(
        description="Revoke an APPROVED developer (admin); their connections keep their status "
        "unless `revokeConnections` is true."
    )
    async def revoke_developer(
        self, info: Info[Context, None], input: ChangeDeveloperInput
    ) -> DeveloperPayload:
        return await _change(info, Action.REVOKE, input)

    @strawberry.mutation(
        description="Delete a developer with their applications, connections and credentials "
        "(admin); history stays."
    )
    async def delete_developer(
        self, info: Info[Context, None], input: ChangeDeveloperInput
    ) -> DeletePayload:
        payload = await _change(info, Action.DELETE, input)
        if payload.errors:
            return DeletePayload(deleted_id=None, changed=False, errors=payload.errors)
        return DeletePayload(
            deleted_id=strawberry.ID(
                global_ids.encode("Developer", decode_id(input.id, "Developer", "id"))
            ),
            changed=payload.changed,
            errors=[],
        )
