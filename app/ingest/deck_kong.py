"""Kong `kong.yaml` (decK 1.x to 3.x) gateway services as service versions.

One service version per gateway service, because a gateway log names exactly one gateway
service (`service.id` / `service.name`), and attribution then maps it to exactly one version.
Kong has no notion of a versioned API, so:
- the version label is the service's `service-version:<label>` tag (the sample tags every
  service so); else a `-v2`-like suffix of its name; else `v1`; an inferred label is noted;
- the service is its `service:<name>` tag; else the gateway name without the `-<label>`
  suffix (`orders-v1` and `orders-v2` become versions v1 and v2 of `orders`); else the gateway
  name. The `service:` tag lets gateway services join a service that a Konnect import made
  (`service:Orders API`);
- `gateway_service_name` is the name, `gateway_service_id` the id when the file has one;
- the ACL groups that the service's acl plugins allow (on the service, its routes, or a
  top-level plugin aimed at it) say which consumers it admits (see `deck_access`).
"""

from __future__ import annotations

import re
from typing import Any

from app.ingest.deck_specs import GatewayVersion, gateway_id, items, lowered_note, mapping, text

_SUFFIX = re.compile(r"[-_.](v\d+(?:\.\d+)*)$", re.IGNORECASE)


def kong_versions(document: dict[str, Any]) -> tuple[list[GatewayVersion], list[tuple[str, str]]]:
    specs: list[GatewayVersion] = []
    unusable: list[tuple[str, str]] = []
    services = document.get("services")
    for index, raw in enumerate(services if isinstance(services, list) else []):
        where = f"services[{index}]"
        name = text(raw.get("name")) if isinstance(raw, dict) else None
        if name is None:
            unusable.append((where, "a gateway service without a name; the portal needs one"))
            continue
        tags = [tag for tag in raw.get("tags") or [] if isinstance(tag, str)]
        label, service, decided = label_and_service(name, tags)
        specs.append(
            GatewayVersion(
                where=where,
                service_name=service,
                label=label,
                gateway_id=gateway_id(raw.get("id")),
                gateway_name=name,
                acl_groups=frozenset(_acl_groups(raw, document)),
                decided=(*decided, *lowered_note(raw.get("id"))),
            )
        )
    return specs, unusable


def label_and_service(name: str, tags: list[str]) -> tuple[str, str, tuple[str, ...]]:
    """The version label and service name of a gateway service, and how they were inferred."""
    label = next((t.split(":", 1)[1].strip() for t in tags if t.startswith("service-version:")), "")
    service = next((t.split(":", 1)[1].strip() for t in tags if t.startswith("service:")), "")
    decided: list[str] = []
    if not label:
        suffix = _SUFFIX.search(name)
        label = suffix[1] if suffix else "v1"
        decided.append(f"no service-version tag: labelled {label!r}")
    if not service:
        cut = len(name) - len(label) - 1
        if cut > 0 and name[cut] in "-_." and name[cut + 1 :].lower() == label.lower():
            service = name[:cut]
        else:
            service = name
        decided.append(f"no service tag: service {service!r}")
    return label, service, tuple(f"gateway service {name!r}: {note}" for note in decided)


def _acl_groups(service: dict[str, Any], document: dict[str, Any]) -> set[str]:
    """Groups that an enabled acl plugin of the service, its routes, or one aimed at it allows."""
    plugins = items(service.get("plugins"))
    for route in items(service.get("routes")):
        plugins += items(route.get("plugins"))
    names = {service.get("name"), service.get("id")} - {None}
    for plugin in items(document.get("plugins")):
        target = plugin.get("service")
        if isinstance(target, dict):
            target = target.get("name") or target.get("id")
        if target in names:
            plugins.append(plugin)
    groups: set[str] = set()
    for plugin in plugins:
        if plugin.get("name") == "acl" and plugin.get("enabled", True) is not False:
            config = mapping(plugin.get("config"))
            allowed = config.get("allow") or config.get("whitelist") or []  # 1.x: whitelist
            groups |= {group for group in allowed if isinstance(group, str)}
    return groups
