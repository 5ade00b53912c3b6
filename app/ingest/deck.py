"""`devportal import deck FILE`: decK files into services and versions with their gateway service.

Two formats, told apart by their keys and `_format_version`: Kong's `kong.yaml` (1.x to 3.x,
`services` and `consumers`; mapped as `deck_kong` explains) and Konnect's decK `0.1`
(`service_packages` with versions; see `deck_packages`). Consumers of either become
connections of existing applications through their ACL groups (see `deck_access`).

A gateway service that repeats an earlier one's name, id, or service and version within the
file is skipped, naming both positions. Gateway ids are stored lower-case, as Kong logs them.
Routes, hosts and plugins other than acl are gateway configuration, not portal data, and are
not imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.ingest.deck_access import GatewayConsumer, apply_consumers, read_consumers
from app.ingest.deck_kong import kong_versions
from app.ingest.deck_packages import package_versions
from app.ingest.deck_specs import GatewayVersion
from app.ingest.imports import (
    ImportFileError,
    ImportJob,
    ImportReport,
    ItemLog,
    Outcome,
    import_item,
)
from app.ingest.imports import read_document as _read
from app.ingest.upsert.catalog import SERVICES, find_version, service_for, version_for
from app.models import ServiceVersion


@dataclass(frozen=True, slots=True)
class DeckFile:
    path: Path
    format: str
    versions: list[GatewayVersion]
    consumers: list[GatewayConsumer]
    unusable: list[tuple[str, str]]

    def job(self) -> ImportJob:
        description = (
            f"decK {self.format}: {_count(len(self.versions), 'gateway service')}, "
            f"{_count(len(self.consumers), 'consumer')}"
        )
        return ImportJob(self.path.name, description, self.apply)

    async def apply(self, report: ImportReport) -> None:
        for where, why in self.unusable:
            report.skip(where, why)
        imported: list[tuple[GatewayVersion, ServiceVersion]] = []
        for spec in self.versions:
            found: list[ServiceVersion] = []
            if await import_item(
                report,
                spec.where,
                f"gateway service for {spec.title}",
                partial(_apply_version, spec, found),
            ):
                imported.append((spec, found[0]))
        await apply_consumers(report, self.consumers, imported)


async def _apply_version(spec: GatewayVersion, found: list[ServiceVersion], log: ItemLog) -> None:
    for decision in spec.decided:
        log.note(spec.where, decision)
    existing = await find_version(
        external_id=spec.external_id,
        gateway_service_id=spec.gateway_id,
        gateway_service_name=spec.gateway_name,
    )
    if existing is not None and spec.service_external_id is None:
        # The version this gateway service implements stays where an admin has put it;
        # a service inferred from the gateway's name does not move it (or leave one empty).
        service = existing.service
        log.count(SERVICES, service.id, Outcome.UNCHANGED)
        if service.name != spec.service_name:
            log.warn(
                spec.where,
                f"this gateway service implements {service.name} {existing.version} in the "
                f"portal, not {spec.title}; kept as it is",
            )
    else:
        service = await service_for(
            log,
            spec.where,
            name=spec.service_name,
            external_id=spec.service_external_id,
            description=spec.description,
            authoritative=True,
        )
    version = await version_for(
        log,
        spec.where,
        service=service,
        label=spec.label,
        external_id=spec.external_id,
        gateway_service_id=spec.gateway_id,
        gateway_service_name=spec.gateway_name,
        authoritative=True,
    )
    version.service = service
    found.append(version)


def load_deck(path: Path) -> ImportJob:
    return read_deck(path).job()


def read_deck(path: Path) -> DeckFile:
    document = _read(path)
    if not isinstance(document, dict):
        raise ImportFileError(f"{path}: not a decK file (a mapping at the top)")
    version = str(document.get("_format_version", ""))
    if "service_packages" in document or version == "0.1":
        specs, unusable = package_versions(document)
        fmt = f"Konnect {version or '0.1'}"
    elif "services" in document or "consumers" in document:
        specs, unusable = kong_versions(document)
        fmt = f"Kong {version or '(no _format_version)'}"
    else:
        raise ImportFileError(f"{path}: not a decK file (no services or service_packages)")
    specs, repeats = _first_of_each(specs)
    return DeckFile(path, fmt, specs, read_consumers(document), unusable + repeats)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _first_of_each(
    specs: list[GatewayVersion],
) -> tuple[list[GatewayVersion], list[tuple[str, str]]]:
    """Drop a later gateway service that repeats an earlier one's name, id or version."""
    kept: list[GatewayVersion] = []
    repeats: list[tuple[str, str]] = []
    first: dict[tuple[str, str], GatewayVersion] = {}
    for spec in specs:
        keys = [("name", spec.gateway_name), ("id", spec.gateway_id), ("version", spec.title)]
        clash = next((first[(k, v)] for k, v in keys if v and (k, v) in first), None)
        if clash is not None:
            repeats.append(
                (
                    spec.where,
                    f"repeats the gateway service or version of {clash.where} "
                    f"({spec.title}); kept {clash.where}",
                )
            )
            continue
        first.update({(k, v): spec for k, v in keys if v})
        kept.append(spec)
    return kept, repeats
