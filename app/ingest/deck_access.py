"""Kong consumers and their ACL groups in a decK file: which application reaches which version.

A consumer is the gateway's copy of an application, and its `custom_id` holds the
application's reference id (the sample's consumers carry the ids of the Konnect applications
`es_test` and `esetest`), so a consumer is matched to the application whose reference id is
its `custom_id`, else its `username`, else its `id`: the keys gateway logs name it by.
A consumer is never turned into a new application: it names no developer, and an application
cannot exist without one. An unmatched consumer is skipped and reported, so importing the
portal's applications first (`devportal import konnect`) and the decK file again links them.

An ACL group is the gateway's record of approval: the `kong.yaml` sample has one group per
service version. A matched consumer in a group that a service's acl plugin allows gets an
approved connection to that version when it has none. Where no acl plugin allows a group, a
group named exactly like a gateway service stands for it (the sample's `orders-v2` has no acl
plugin, yet a consumer is in group `orders-v2`); that reading is noted. A connection that
exists with another status is reported and left alone: the portal decides, the gateway only
mirrors it. Key-auth keys are not imported: the portal issues its own credentials and never
stores a gateway's secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.ingest.deck_specs import GatewayVersion, items, text
from app.ingest.imports import ImportReport, ItemLog, Outcome, SkipItem, fits, import_item
from app.ingest.upsert.applications import APPLICATIONS
from app.ingest.upsert.connections import upsert_connection
from app.ingest.upsert.rows import Stamp
from app.models import AccessStatus, Application, ServiceVersion


@dataclass(frozen=True, slots=True)
class GatewayConsumer:
    where: str
    name: str
    keys: tuple[str, ...]  # custom_id, username, id: what gateway logs name the consumer by
    groups: tuple[str, ...]
    key_count: int


def read_consumers(document: dict[str, Any]) -> list[GatewayConsumer]:
    """Consumers with their ACL groups and key count, nested or in top-level lists."""
    extra_groups: dict[str, list[str]] = {}
    extra_keys: dict[str, int] = {}
    for entry in items(document.get("acls")):
        consumer, group = _reference(entry.get("consumer")), text(entry.get("group"))
        if consumer and group:
            extra_groups.setdefault(consumer, []).append(group)
    for entry in items(document.get("keyauth_credentials")):
        consumer = _reference(entry.get("consumer"))
        if consumer:
            extra_keys[consumer] = extra_keys.get(consumer, 0) + 1
    consumers = []
    for index, raw in enumerate(items(document.get("consumers"))):
        keys = tuple(
            dict.fromkeys(k for f in ("custom_id", "username", "id") if (k := text(raw.get(f))))
        )
        groups = [g for acl in items(raw.get("acls")) if (g := text(acl.get("group")))]
        key_count = len(items(raw.get("keyauth_credentials")))
        for key in keys:
            groups += extra_groups.get(key, [])
            key_count += extra_keys.get(key, 0)
        name = text(raw.get("username")) or (keys[0] if keys else f"#{index}")
        consumers.append(
            GatewayConsumer(
                f"consumers[{index}]", name, keys, tuple(dict.fromkeys(groups)), key_count
            )
        )
    return consumers


def _reference(value: object) -> str | None:
    """A top-level entry's consumer: a username or id, or `{username: …}` / `{id: …}`."""
    if isinstance(value, dict):
        return text(value.get("username")) or text(value.get("id"))
    return text(value)


async def apply_consumers(
    report: ImportReport,
    consumers: Sequence[GatewayConsumer],
    imported: Sequence[tuple[GatewayVersion, ServiceVersion]],
) -> None:
    allowed: dict[str, list[tuple[GatewayVersion, ServiceVersion]]] = {}
    for spec, version in imported:
        for group in spec.acl_groups:
            allowed.setdefault(group, []).append((spec, version))
    by_name = {spec.gateway_name: (spec, version) for spec, version in imported}
    for consumer in consumers:
        await import_item(
            report,
            consumer.where,
            f"consumer {consumer.name!r}",
            partial(_apply_consumer, consumer, allowed, by_name),
        )
    keys = sum(consumer.key_count for consumer in consumers)
    if keys:
        report.note(
            "consumers",
            f"{keys} key-auth key(s) not imported: the portal issues its own credentials "
            "and does not store a gateway's secrets",
        )


async def _apply_consumer(
    consumer: GatewayConsumer,
    allowed: dict[str, list[tuple[GatewayVersion, ServiceVersion]]],
    by_name: dict[str | None, tuple[GatewayVersion, ServiceVersion]],
    log: ItemLog,
) -> None:
    application = None
    for key in consumer.keys:
        if not fits(key):  # no reference id is that long (or holds a NUL): nothing to find
            continue
        application = await Application.get_or_none(reference_id=key)
        if application is not None:
            break
    if application is None:
        raise SkipItem(
            f"no application has the reference id {' or '.join(consumer.keys) or '(none)'}; "
            "a consumer names no developer, so no application is made from it (import the "
            "portal's applications first, then this file again)"
        )
    log.count(APPLICATIONS, application.id, Outcome.UNCHANGED)
    for group in consumer.groups:
        targets = allowed.get(group)
        if targets is None and group in by_name:
            targets = [by_name[group]]
            log.note(
                consumer.where,
                f"ACL group {group!r} is allowed by no acl plugin; read as the group of the "
                f"gateway service of the same name",
            )
        if not targets:
            log.warn(consumer.where, f"ACL group {group!r} matches no gateway service here")
            continue
        for spec, version in targets:
            await upsert_connection(
                log,
                consumer.where,
                application=application,
                version=version,
                service_name=version.service.name,
                status=AccessStatus.APPROVED,
                stamp=Stamp(),
                note=f"imported from decK (ACL group {group!r} of gateway service "
                f"{spec.gateway_name or spec.gateway_id})",
                source_wins=False,
            )
