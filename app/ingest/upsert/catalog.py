"""Find-or-create of services and versions for imports, keyed so that a second run changes nothing.

A row is found by the source's id (`external_id`) first, then by its natural key (a service's
name; a version's gateway service, then service and label). A row found by natural key that
has no external id yet is adopted: the id is recorded, so a row made by hand or by another
format (a decK file, then a Konnect export) becomes one row, not two.

`authoritative` says whether the source describes the row itself (a decK file describes its
gateway services: their fields are updated) or only names it (a Konnect registration names a
product version: a missing one is created, an existing one is never changed, and a different
name is reported).
"""

from __future__ import annotations

from app.domain.validation import clean_description, clean_name
from app.ingest.imports import ItemLog, Outcome, SkipItem, source_id
from app.models import Service, ServiceVersion

SERVICES = "services"
VERSIONS = "service versions"


async def service_for(
    log: ItemLog,
    where: str,
    *,
    name: str,
    external_id: str | None = None,
    description: str | None = None,
    authoritative: bool,
) -> Service:
    name = clean_name(name)
    source_id(external_id, "the service's id")
    service = None
    if external_id:
        service = await Service.get_or_none(external_id=external_id)
    if service is None:
        service = await Service.get_or_none(name=name)
        if service is not None and external_id and service.external_id not in (None, external_id):
            raise SkipItem(
                f"a service named {name!r} exists with another external id "
                f"({service.external_id}); service names are unique"
            )
    if service is None:
        service = await Service.create(
            name=name, description=clean_description(description), external_id=external_id
        )
        log.count(SERVICES, service.id, Outcome.CREATED)
        return service
    changes: dict[str, object] = {}
    if external_id and service.external_id is None:
        changes["external_id"] = external_id
        log.note(where, f"service {name!r} existed; its external id {external_id} was recorded")
    if service.name != name:
        if authoritative and not await Service.filter(name=name).exists():
            changes["name"] = name
        else:
            log.warn(where, f"service {service.name!r} is called {name!r} here; kept the name")
    if authoritative and description is not None:
        cleaned = clean_description(description)
        if cleaned != service.description:
            changes["description"] = cleaned
    await _save(log, SERVICES, service, changes)
    return service


async def version_for(
    log: ItemLog,
    where: str,
    *,
    service: Service,
    label: str,
    external_id: str | None = None,
    gateway_service_id: str | None = None,
    gateway_service_name: str | None = None,
    authoritative: bool,
) -> ServiceVersion:
    label = clean_name(label, field="version", max_length=100)
    version = await find_version(
        external_id=external_id,
        gateway_service_id=gateway_service_id,
        gateway_service_name=gateway_service_name,
        service_id=service.id,
        label=label,
    )
    if version is None:
        version = await ServiceVersion.create(
            service_id=service.id,
            version=label,
            external_id=external_id,
            gateway_service_id=gateway_service_id,
            gateway_service_name=gateway_service_name,
        )
        log.count(VERSIONS, version.id, Outcome.CREATED)
        return version
    if external_id and version.external_id not in (None, external_id):
        raise SkipItem(
            f"version {label!r} of {service.name!r} exists with another external id "
            f"({version.external_id})"
        )
    changes: dict[str, object] = {}
    if external_id and version.external_id is None:
        changes["external_id"] = external_id
        log.note(where, f"version {label!r} existed; its external id {external_id} was recorded")
    if version.version != label or version.service_id != service.id:
        log.warn(
            where,
            f"this is version {version.version!r} of {version.service.name!r} in the database, "
            f"named {label!r} of {service.name!r} here; kept as it is",
        )
    if authoritative:
        for column, value in (
            ("gateway_service_id", gateway_service_id),
            ("gateway_service_name", gateway_service_name),
        ):
            # A source that does not name a gateway field leaves it as it is.
            if value is not None and getattr(version, column) != value:
                changes[column] = value
    await _save(log, VERSIONS, version, changes)
    return version


async def find_version(
    *,
    external_id: str | None,
    gateway_service_id: str | None,
    gateway_service_name: str | None,
    service_id: int | None = None,
    label: str | None = None,
) -> ServiceVersion | None:
    """The version with this source id, else this gateway service, else this label.

    Every id is checked first (`SkipItem`): the version is created with them if not found."""
    source_id(external_id, "the version's id")
    source_id(gateway_service_id, "the gateway service id")
    source_id(gateway_service_name, "the gateway service name", 200)
    # Kong ids are unique per gateway and names per workspace: either finds the one version
    # that a gateway service implements, wherever an admin has since moved or relabelled it.
    keys: list[dict[str, object]] = [
        {"external_id": external_id},
        {"gateway_service_id": gateway_service_id},
        {"gateway_service_name": gateway_service_name},
        {"service_id": service_id, "version": label},
    ]
    for key in keys:
        if all(value for value in key.values()):
            found = await ServiceVersion.filter(**key).select_related("service").first()
            if found is not None:
                return found
    return None


async def _save(
    log: ItemLog, kind: str, row: Service | ServiceVersion, changes: dict[str, object]
) -> None:
    if not changes:
        log.count(kind, row.id, Outcome.UNCHANGED)
        return
    row.update_from_dict(changes)
    await row.save(update_fields=[*changes, "updated_at"])
    log.count(kind, row.id, Outcome.UPDATED)
