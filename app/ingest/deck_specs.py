"""A gateway service as a decK file describes it, before it becomes a service version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class GatewayVersion:
    """One service version: the service and label it is, and the gateway service behind it."""

    where: str
    service_name: str
    label: str
    gateway_id: str | None
    gateway_name: str | None
    acl_groups: frozenset[str] = frozenset()
    service_external_id: str | None = None
    external_id: str | None = None
    description: str | None = None
    decided: tuple[str, ...] = ()  # how a label, a service or an id was read, for the report

    @property
    def title(self) -> str:
        return f"{self.service_name} {self.label}"


def gateway_id(value: object) -> str | None:
    """A gateway service id as logs show it: Kong keeps UUIDs lower-case, whatever decK sent."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text.lower() if _UUID.match(text) else text


def lowered_note(value: object) -> tuple[str, ...]:
    stored = gateway_id(value)
    if stored is None or stored == str(value).strip():
        return ()
    return (f"gateway service id {value} stored as {stored}, as Kong writes it in logs",)


def text(value: object) -> str | None:
    """A non-empty string from a YAML scalar (YAML reads `version: 1` as a number)."""
    if isinstance(value, bool) or value is None:
        return None
    cleaned = str(value).strip() if isinstance(value, str | int | float) else ""
    return cleaned or None


def mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[dict[str, Any]]:
    """The mappings of a YAML list; anything else in it is not decK data."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
