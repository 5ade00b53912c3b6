"""Konnect decK `0.1` service packages as services and versions.

A package is a service (its `id`, when present, is the external id); each of its `versions` is
a service version labelled by `version` and implemented by `implementation.kong.service`,
whose `id` and `name` are the version's gateway service. The sample's gateway service has an
id and no name: the version is then found in logs by id, which the report notes.
"""

from __future__ import annotations

from typing import Any

from app.ingest.deck_specs import GatewayVersion, gateway_id, lowered_note, mapping, text


def package_versions(
    document: dict[str, Any],
) -> tuple[list[GatewayVersion], list[tuple[str, str]]]:
    specs: list[GatewayVersion] = []
    unusable: list[tuple[str, str]] = []
    packages = document.get("service_packages")
    for index, package in enumerate(packages if isinstance(packages, list) else []):
        where = f"service_packages[{index}]"
        name = text(mapping(package).get("name"))
        if name is None:
            unusable.append((where, "a service package without a name"))
            continue
        versions = package.get("versions")
        for number, raw in enumerate(versions if isinstance(versions, list) else []):
            at = f"{where}.versions[{number}]"
            label = text(mapping(raw).get("version"))
            if label is None:
                unusable.append((at, f"a version of {name!r} without a version label"))
                continue
            kong = mapping(mapping(raw.get("implementation")).get("kong"))
            gateway = mapping(kong.get("service"))
            gateway_name = text(gateway.get("name"))
            unnamed = (
                () if gateway_name else ("its gateway service has no name; logs find it by id",)
            )
            specs.append(
                GatewayVersion(
                    where=at,
                    service_name=name,
                    label=label,
                    gateway_id=gateway_id(gateway.get("id")),
                    gateway_name=gateway_name,
                    service_external_id=text(package.get("id")),
                    external_id=text(raw.get("id")),
                    description=text(package.get("description")),
                    decided=(*unnamed, *lowered_note(gateway.get("id"))),
                )
            )
    return specs, unusable
