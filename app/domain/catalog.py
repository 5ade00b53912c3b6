"""Use-cases of the catalogue: services and their versions (admin only)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.domain.cascade import lock_rows, record_cascaded_deletes
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.events import bus
from app.domain.scope import existing_version, missing
from app.domain.validation import clean_description, clean_name, shown, storable
from app.domain.viewer import Viewer
from app.models import ReasonCode, Service, ServiceVersion

_UNSET: object = object()


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("Only an admin may change services and versions.")


async def _service(service_id: int, *, field: str = "serviceId") -> Service:
    service = await Service.get_or_none(id=service_id)
    if service is None:
        raise missing("Service", service_id, field=field)
    return service


async def create_service(viewer: Viewer, *, name: str, description: str | None = None) -> Service:
    _require_admin(viewer)
    name = clean_name(name)
    if await Service.filter(name=name).exists():
        raise ValidationFailed(f"A service named {shown(name)} exists.", field="name")
    try:
        service = await Service.create(name=name, description=clean_description(description))
    except IntegrityError as exc:
        raise ValidationFailed(f"A service named {shown(name)} exists.", field="name") from exc
    await bus.announce("catalog")
    return service


async def update_service(
    viewer: Viewer, service_id: int, *, name: str | None = None, description: str | None = None
) -> tuple[Service, bool]:
    _require_admin(viewer)
    service = await _service(service_id, field="id")
    changes: dict[str, str] = {}
    if name is not None and clean_name(name) != service.name:
        changes["name"] = clean_name(name)
        if await Service.filter(name=changes["name"]).exists():
            raise ValidationFailed(
                f"A service named {shown(changes['name'])} exists.", field="name"
            )
    if description is not None and clean_description(description) != service.description:
        changes["description"] = clean_description(description)
    if not changes:
        return service, False
    service.update_from_dict(changes)
    try:
        await service.save()
    except IntegrityError as exc:  # a concurrent rename took the name first
        raise ValidationFailed(
            f"A service named {shown(service.name)} exists.", field="name"
        ) from exc
    await bus.announce("catalog")
    return service, True


async def delete_service(viewer: Viewer, service_id: int) -> int:
    """Delete a service, its versions and their connections; history stays."""
    _require_admin(viewer)
    service = await _service(service_id, field="id")
    async with in_transaction():
        if not await lock_rows(Service.filter(id=service.id)):
            raise missing("Service", service_id, field="id")
        await lock_rows(ServiceVersion.filter(service_id=service.id))
        events = await record_cascaded_deletes(
            viewer,
            f"The service {service.name!r} was deleted.",
            ReasonCode.SERVICE_RETIRED,
            service_version__service_id=service.id,
        )
        await Service.filter(id=service.id).delete()
    await bus.announce("connection", tuple(event.id for event in events))
    await bus.announce("catalog")
    return service.id


# The columns' lengths: a longer value would reach the ORM and fail there, as a server error.
_GATEWAY_LENGTHS = {"gatewayServiceId": 100, "gatewayServiceName": 200}
_VERSION_LENGTH = 100


def _clean_gateway(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    cleaned = storable(value, field).strip()
    limit = _GATEWAY_LENGTHS[field]
    if len(cleaned) > limit:
        raise ValidationFailed(
            f"`{field}` is {len(cleaned)} characters long; at most {limit} are allowed.",
            field=field,
        )
    return cleaned or None


def _clean_label(version: str) -> str:
    return clean_name(version, field="version", max_length=_VERSION_LENGTH, label="version label")


async def create_service_version(
    viewer: Viewer,
    *,
    service_id: int,
    version: str,
    gateway_service_id: str | None = None,
    gateway_service_name: str | None = None,
    auto_approve: bool | None = None,
) -> ServiceVersion:
    _require_admin(viewer)
    service = await _service(service_id)
    label = _clean_label(version)
    if await ServiceVersion.filter(service_id=service.id, version=label).exists():
        raise ValidationFailed(
            f"{service.name} already has version {shown(label)}.", field="version"
        )
    try:
        created = await ServiceVersion.create(
            service_id=service.id,
            version=label,
            gateway_service_id=_clean_gateway(gateway_service_id, "gatewayServiceId"),
            gateway_service_name=_clean_gateway(gateway_service_name, "gatewayServiceName"),
            auto_approve=auto_approve,
        )
    except IntegrityError as exc:
        raise ValidationFailed(
            f"{service.name} already has version {shown(label)}.", field="version"
        ) from exc
    created.service = service
    await bus.announce("catalog")
    return created


async def update_service_version(
    viewer: Viewer,
    version_id: int,
    *,
    version: str | None = None,
    gateway_service_id: str | object | None = _UNSET,
    gateway_service_name: str | object | None = _UNSET,
    auto_approve: bool | object | None = _UNSET,
) -> tuple[ServiceVersion, bool]:
    """Fields left out stay as they are; an explicit null clears the optional ones."""
    _require_admin(viewer)
    row = await existing_version(version_id, field="id")
    changes: dict[str, object] = {}
    if version is not None:
        label = _clean_label(version)
        if label != row.version:
            clash = ServiceVersion.filter(service_id=row.service_id, version=label)
            if await clash.exists():
                raise ValidationFailed(f"Version {shown(label)} exists.", field="version")
            changes["version"] = label
    if gateway_service_id is not _UNSET:
        changes["gateway_service_id"] = _clean_gateway(gateway_service_id, "gatewayServiceId")  # type: ignore[arg-type]
    if gateway_service_name is not _UNSET:
        changes["gateway_service_name"] = _clean_gateway(gateway_service_name, "gatewayServiceName")  # type: ignore[arg-type]
    if auto_approve is not _UNSET:
        changes["auto_approve"] = auto_approve
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changes:
        return row, False
    row.update_from_dict(changes)
    try:
        await row.save()
    except IntegrityError as exc:  # a concurrent edit took the label first
        raise ValidationFailed(f"Version {shown(row.version)} exists.", field="version") from exc
    await bus.announce("catalog")
    return row, True


async def delete_service_version(viewer: Viewer, version_id: int) -> int:
    """Delete a version and its connections; their history stays (C-03)."""
    _require_admin(viewer)
    row = await existing_version(version_id, field="id")
    async with in_transaction():
        if not await lock_rows(ServiceVersion.filter(id=row.id)):
            raise missing("ServiceVersion", version_id, field="id")
        events = await record_cascaded_deletes(
            viewer,
            f"Version {row.version} of {row.service.name!r} was deleted.",
            ReasonCode.SERVICE_RETIRED,
            service_version_id=row.id,
        )
        await ServiceVersion.filter(id=row.id).delete()
    await bus.announce("connection", tuple(event.id for event in events))
    await bus.announce("catalog")
    return row.id
