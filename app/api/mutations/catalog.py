"""Mutations of the catalogue (admin): services, service versions, portal settings."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from app import global_ids
from app.api.context import Context
from app.api.errors import UserError
from app.api.ids import decode_id
from app.api.mutations.applications import IdInput
from app.api.mutations.payloads import DeletePayload, attempt
from app.api.types.portal import PortalSettings
from app.api.types.service import Service, ServiceVersion
from app.domain import catalog, settings_store


@strawberry.input(description="A new service.")
class CreateServiceInput:
    name: str = strawberry.field(description="Unique name.")
    description: str | None = strawberry.field(default=None, description="What it does.")


@strawberry.input(description="Edit a service; fields left out stay as they are.")
class UpdateServiceInput:
    id: strawberry.ID = strawberry.field(description="The service.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new description.")


@strawberry.input(description="A new version of a service.")
class CreateServiceVersionInput:
    service_id: strawberry.ID = strawberry.field(description="The service.")
    version: str = strawberry.field(description="Label, unique within the service.")
    gateway_service_id: str | None = strawberry.field(
        default=None, description="Id of the Kong gateway service implementing it."
    )
    gateway_service_name: str | None = strawberry.field(
        default=None, description="Name of the Kong gateway service implementing it."
    )
    auto_approve: bool | None = strawberry.field(
        default=None, description="Override of the portal's auto-approve default."
    )


@strawberry.input(
    description="Edit a version; fields left out stay, an explicit null clears an optional one."
)
class UpdateServiceVersionInput:
    id: strawberry.ID = strawberry.field(description="The version.")
    version: str | None = strawberry.field(default=None, description="A new label.")
    gateway_service_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="Gateway service id."
    )
    gateway_service_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Gateway service name."
    )
    auto_approve: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Auto-approve override; null = portal default."
    )


@strawberry.input(description="Change portal settings; fields left out stay as they are.")
class UpdatePortalSettingsInput:
    auto_approve_connections: bool | None = strawberry.field(
        default=None, description="Default for requests."
    )
    auto_approve_developers: bool | None = strawberry.field(
        default=None, description="Default for new developers."
    )


@strawberry.type(description="Result of creating or editing a service.")
class ServicePayload:
    service: Service | None = strawberry.field(description="The service as it is.")
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


@strawberry.type(description="Result of creating or editing a service version.")
class ServiceVersionPayload:
    service_version: ServiceVersion | None = strawberry.field(description="The version as it is.")
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


@strawberry.type(description="Result of changing portal settings.")
class PortalSettingsPayload:
    portal_settings: PortalSettings | None = strawberry.field(
        description="The settings as they are."
    )
    changed: bool = strawberry.field(description="Whether anything changed.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if so.")


def _unset_to(value: object, default: object) -> object:
    return default if value is strawberry.UNSET else value


_KEEP = catalog._UNSET


def _deleted(type_name: str, result: int | UserError) -> DeletePayload:
    if isinstance(result, UserError):
        return DeletePayload(deleted_id=None, changed=False, errors=[result])
    return DeletePayload(
        deleted_id=strawberry.ID(global_ids.encode(type_name, result)), changed=True, errors=[]
    )


@strawberry.type
class CatalogMutations:
    @strawberry.mutation(description="Publish a service (admin).")
    async def create_service(
        self, info: Info[Context, None], input: CreateServiceInput
    ) -> ServicePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.create_service(viewer, name=input.name, description=input.description),
        )
        if isinstance(result, UserError):
            return ServicePayload(service=None, changed=False, errors=[result])
        return ServicePayload(service=Service.from_model(result), changed=True, errors=[])

    @strawberry.mutation(description="Edit a service (admin).")
    async def update_service(
        self, info: Info[Context, None], input: UpdateServiceInput
    ) -> ServicePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.update_service(
                viewer,
                decode_id(input.id, "Service", "id"),
                name=input.name,
                description=input.description,
            ),
        )
        if isinstance(result, UserError):
            return ServicePayload(service=None, changed=False, errors=[result])
        return ServicePayload(service=Service.from_model(result[0]), changed=result[1], errors=[])

    @strawberry.mutation(
        description="Delete a service with its versions and their connections (admin); "
        "history stays."
    )
    async def delete_service(self, info: Info[Context, None], input: IdInput) -> DeletePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.delete_service(viewer, decode_id(input.id, "Service", "id")),
        )
        return _deleted("Service", result)

    @strawberry.mutation(description="Publish a version of a service (admin).")
    async def create_service_version(
        self, info: Info[Context, None], input: CreateServiceVersionInput
    ) -> ServiceVersionPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.create_service_version(
                viewer,
                service_id=decode_id(input.service_id, "Service", "serviceId"),
                version=input.version,
                gateway_service_id=input.gateway_service_id,
                gateway_service_name=input.gateway_service_name,
                auto_approve=input.auto_approve,
            ),
        )
        if isinstance(result, UserError):
            return ServiceVersionPayload(service_version=None, changed=False, errors=[result])
        return ServiceVersionPayload(
            service_version=ServiceVersion.from_model(result), changed=True, errors=[]
        )

    @strawberry.mutation(
        description="Edit a service version (admin); connections keep their status."
    )
    async def update_service_version(
        self, info: Info[Context, None], input: UpdateServiceVersionInput
    ) -> ServiceVersionPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.update_service_version(
                viewer,
                decode_id(input.id, "ServiceVersion", "id"),
                version=input.version,
                gateway_service_id=_unset_to(input.gateway_service_id, _KEEP),
                gateway_service_name=_unset_to(input.gateway_service_name, _KEEP),
                auto_approve=_unset_to(input.auto_approve, _KEEP),
            ),
        )
        if isinstance(result, UserError):
            return ServiceVersionPayload(service_version=None, changed=False, errors=[result])
        return ServiceVersionPayload(
            service_version=ServiceVersion.from_model(result[0]), changed=result[1], errors=[]
        )

    @strawberry.mutation(
        description="Delete a service version and its connections (admin); history stays."
    )
    async def delete_service_version(
        self, info: Info[Context, None], input: IdInput
    ) -> DeletePayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: catalog.delete_service_version(
                viewer, decode_id(input.id, "ServiceVersion", "id")
            ),
        )
        return _deleted("ServiceVersion", result)

    @strawberry.mutation(description="Change the portal's auto-approve defaults (admin).")
    async def update_portal_settings(
        self, info: Info[Context, None], input: UpdatePortalSettingsInput
    ) -> PortalSettingsPayload:
        viewer = info.context.require_viewer()
        result = await attempt(
            info.context,
            lambda: settings_store.update_portal_settings(
                viewer,
                auto_approve_connections=input.auto_approve_connections,
                auto_approve_developers=input.auto_approve_developers,
            ),
        )
        if isinstance(result, UserError):
            return PortalSettingsPayload(portal_settings=None, changed=False, errors=[result])
        return PortalSettingsPayload(
            portal_settings=PortalSettings.from_model(result[0]), changed=result[1], errors=[]
        )
