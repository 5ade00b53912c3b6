"""Mutations of applications: create, update, delete (developers for their own, admins for all)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.errors import UserError
from app.api.ids import decode_id
from app.api.mutations.payloads import DeletePayload, attempt
from app.api.types.application import Application
from app.domain import applications


@strawberry.input(description="A new application.")
class CreateApplicationInput:
    name: str = strawberry.field(description="Unique among the developer's applications.")
    developer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The owner; required for admins, implied for developers."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")
    reference_id: str | None = strawberry.field(
        default=None,
        description="Its reference (the gateway consumer's custom_id), by which traffic is "
        "attributed: admins only (FORBIDDEN for developers), made up (a UUID) if left out. "
        "It must not start with `dpc_` or equal a credential's client id.",
    )


@strawberry.input(description="Edit an application; fields left out stay as they are.")
class UpdateApplicationInput:
    id: strawberry.ID = strawberry.field(description="The application.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new description.")


@strawberry.input(description="Names one object by its global id.")
class IdInput:
    id: strawberry.ID = strawberry.field(description="The object's global id.")


@strawberry.type(description="Result of creating or editing an application.")
class ApplicationPayload:
    application: Application | None = strawberry.field(description="The application as it is.")
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


@strawberry.type
class ApplicationMutations:
    @strawberry.mutation(description="Create an application.")
    async def create_application(
        self, info: Info[Context, None], input: CreateApplicationInput
    ) -> ApplicationPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: applications.create_application(
                viewer,
                name=input.name,
                developer_id=(
                    decode_id(input.developer_id, "Developer", "developerId")
                    if input.developer_id is not None
                    else None
                ),
                description=input.description,
                reference_id=input.reference_id,
            ),
        )
        if isinstance(result, UserError):
            return ApplicationPayload(application=None, changed=False, errors=[result])
        return ApplicationPayload(
            application=Application.from_model(result), changed=True, errors=[]
        )

    @strawberry.mutation(
        description="Edit an application's name or description; its connections keep their status."
    )
    async def update_application(
        self, info: Info[Context, None], input: UpdateApplicationInput
    ) -> ApplicationPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: applications.update_application(
                viewer,
                decode_id(input.id, "Application", "id"),
                name=input.name,
                description=input.description,
            ),
        )
        if isinstance(result, UserError):
            return ApplicationPayload(application=None, changed=False, errors=[result])
        row, changed = result
        return ApplicationPayload(
            application=Application.from_model(row), changed=changed, errors=[]
        )

    @strawberry.mutation(
        description="Delete an application with its connections and credentials; history stays."
    )
    async def delete_application(self, info: Info[Context, None], input: IdInput) -> DeletePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: applications.delete_application(
                viewer, decode_id(input.id, "Application", "id")
            ),
        )
        if isinstance(result, UserError):
            return DeletePayload(deleted_id=None, changed=False, errors=[result])
        return DeletePayload(
            deleted_id=strawberry.ID(global_ids.encode("Application", result)),
            changed=True,
            errors=[],
        )
