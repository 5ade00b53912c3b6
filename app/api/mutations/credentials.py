"""Mutations of application credentials: create (secret shown once), revoke, delete."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.errors import UserError
from app.api.ids import decode_id
from app.api.mutations.applications import IdInput
from app.api.mutations.payloads import DeletePayload, attempt
from app.api.types.credential import Credential
from app.domain import credentials


@strawberry.input(description="Generate a credential for an application.")
class CreateCredentialInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    name: str = strawberry.field(description="A label for the credential.")


@strawberry.type(description="Result of creating or revoking a credential.")
class CredentialPayload:
    credential: Credential | None = strawberry.field(description="The credential.")
    secret: str | None = strawberry.field(
        description="The secret, shown only in the answer to createCredential: store it now."
    )
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


@strawberry.type
class CredentialMutations:
    @strawberry.mutation(description="Generate a client id and a secret for an application.")
    async def create_credential(
        self, info: Info[Context, None], input: CreateCredentialInput
    ) -> CredentialPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: credentials.create_credential(
                viewer, decode_id(input.application_id, "Application", "applicationId"), input.name
            ),
        )
        if isinstance(result, UserError):
            return CredentialPayload(credential=None, secret=None, changed=False, errors=[result])
        row, secret = result
        return CredentialPayload(
            credential=Credential.from_model(row), secret=secret, changed=True, errors=[]
        )

    @strawberry.mutation(
        description="Revoke a credential; the gateway should refuse it from now on."
    )
    async def revoke_credential(
        self, info: Info[Context, None], input: IdInput
    ) -> CredentialPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: credentials.revoke_credential(viewer, decode_id(input.id, "Credential", "id")),
        )
        if isinstance(result, UserError):
            return CredentialPayload(credential=None, secret=None, changed=False, errors=[result])
        row, changed = result
        return CredentialPayload(
            credential=Credential.from_model(row), secret=None, changed=changed, errors=[]
        )

    @strawberry.mutation(description="Delete a credential.")
    async def delete_credential(self, info: Info[Context, None], input: IdInput) -> DeletePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: credentials.delete_credential(viewer, decode_id(input.id, "Credential", "id")),
        )
        if isinstance(result, UserError):
            return DeletePayload(deleted_id=None, changed=False, errors=[result])
        return DeletePayload(
            deleted_id=strawberry.ID(global_ids.encode("Credential", result)),
            changed=True,
            errors=[],
        )
