"""The three things a Konnect portal export holds, read from its JSON and written as rows.

Vocabulary: Konnect's v2 portal API calls our services and service versions `product` and
`product_version`; the reconstructed v1 export calls them `service` and `service_version`.
Both are read alike. Konnect ids become `external_id`s.

- A **developer** (`email`, `full_name`, `status`) becomes a developer with that status.
- An **application** (`name`, `reference_id`, `developer: {id, name, email}`) becomes an
  application; without a `reference_id` its Konnect id is the reference id (Kong consumers'
  `custom_id` holds it, which is how gateway logs find the application).
- A **registration** becomes a connection with its status (approved, pending, rejected,
  revoked). Its `application`, `developer`, `product` and `product_version` are references:
  a row missing from the portal is created from the reference when it carries enough (a
  developer needs an email), otherwise the registration is skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.ingest.imports import ItemLog, Outcome, SkipItem, parse_timestamp, source_id
from app.ingest.upsert.applications import application_from_reference, upsert_application
from app.ingest.upsert.catalog import service_for, version_for
from app.ingest.upsert.connections import upsert_connection
from app.ingest.upsert.developers import DEVELOPERS, developer_from_reference, upsert_developer
from app.ingest.upsert.rows import Stamp
from app.models import AccessStatus, Application, Developer

ORIGIN = "Konnect"
RANKS = {"developer": 0, "application": 1, "registration": 2}
"""Import order inside a file and across files: what is referenced comes first."""


@dataclass(frozen=True, slots=True)
class Ref:
    """An embedded reference such as `"developer": {"id": …, "name": …}`."""

    id: str
    name: str | None
    email: str | None


@dataclass
class ImportContext:
    """What items of one file share: the first registration seen for each connection."""

    pairs: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KonnectItem:
    kind: str
    where: str
    id: str
    raw: dict[str, Any]

    @property
    def label(self) -> str:
        shown = self.id if len(self.id) <= 60 else f"{self.id[:59]}…"  # the report stays legible
        return f"{self.kind} {shown}"

    def stamp(self, log: ItemLog) -> Stamp:
        return Stamp(
            parse_timestamp(self.raw.get("created_at"), f"{self.where}.created_at", log),
            parse_timestamp(self.raw.get("updated_at"), f"{self.where}.updated_at", log),
        )

    def ref(self, *keys: str) -> Ref:
        for key in keys:
            value = self.raw.get(key)
            if isinstance(value, dict) and _text(value.get("id")):
                ref = Ref(str(value["id"]), _text(value.get("name")), _text(value.get("email")))
                source_id(ref.id, f"the id of its {key}")
                return ref
        raise SkipItem(f"it names no {' or '.join(keys)} (an object with an id)")

    def status(self) -> AccessStatus:
        raw = _text(self.raw.get("status"))
        try:
            return AccessStatus((raw or "").lower())
        except ValueError:
            raise SkipItem(
                f"status {self.raw.get('status')!r} is none of "
                f"{', '.join(s.value for s in AccessStatus)}"
            ) from None

    async def apply(self, context: ImportContext, log: ItemLog) -> None:
        source_id(self.id, "its id")  # kept as an external id, or in a registration's note
        if self.kind == "developer":
            await self._developer(log)
        elif self.kind == "application":
            await self._application(log)
        else:
            await self._registration(context, log)

    async def _developer(self, log: ItemLog) -> None:
        email = _text(self.raw.get("email"))
        if email is None:
            raise SkipItem("it has no email")
        await upsert_developer(
            log,
            self.where,
            external_id=self.id,
            name=_text(self.raw.get("full_name")) or _text(self.raw.get("name")) or email,
            email=email,
            status=self.status(),
            stamp=self.stamp(log),
            origin=ORIGIN,
        )

    async def _application(self, log: ItemLog) -> None:
        name = _text(self.raw.get("name"))
        if name is None:
            raise SkipItem("it has no name")
        stamp = self.stamp(log)
        await upsert_application(
            log,
            self.where,
            external_id=self.id,
            developer=await self._owner(log, self.ref("developer"), stamp),
            name=name,
            description=_text(self.raw.get("description")),
            reference_id=_text(self.raw.get("reference_id")),
            stamp=stamp,
        )

    async def _owner(self, log: ItemLog, ref: Ref, stamp: Stamp) -> Developer:
        return await developer_from_reference(
            log,
            f"{self.where}.developer",
            external_id=ref.id,
            name=ref.name,
            email=ref.email,
            stamp=Stamp(stamp.created_at),
            origin=ORIGIN,
        )

    async def _registration(self, context: ImportContext, log: ItemLog) -> None:
        status = self.status()
        stamp = self.stamp(log)
        application = await self._registered_application(log, stamp)
        product = self.ref("product", "service")
        product_version = self.ref("product_version", "service_version")
        if product.name is None or product_version.name is None:
            raise SkipItem("its product or product_version has no name")
        service = await service_for(
            log,
            f"{self.where}.product",
            name=product.name,
            external_id=product.id,
            authoritative=False,
        )
        version = await version_for(
            log,
            f"{self.where}.product_version",
            service=service,
            label=product_version.name,
            external_id=product_version.id,
            authoritative=False,
        )
        first = context.pairs.setdefault((application.id, version.id), self.where)
        if first != self.where:
            raise SkipItem(
                f"{first} already registered application {application.name!r} for "
                f"{service.name} {version.version}; the portal keeps one connection per pair"
            )
        await upsert_connection(
            log,
            self.where,
            application=application,
            version=version,
            service_name=service.name,
            status=status,
            stamp=stamp,
            note=f"imported from {ORIGIN} (registration {self.id})",
            source_wins=True,
        )

    async def _registered_application(self, log: ItemLog, stamp: Stamp) -> Application:
        ref = self.ref("application")
        where = f"{self.where}.application"
        existing = await Application.get_or_none(external_id=ref.id)
        if existing is not None:
            # The owner is known: the registration's developer is only a copy of it.
            developer = await Developer.get(id=existing.developer_id)
            log.count(DEVELOPERS, developer.id, Outcome.UNCHANGED)
            self._compare_owner(log, developer, ref.id)
        else:
            developer = await self._owner(log, self.ref("developer"), stamp)
        return await application_from_reference(
            log,
            where,
            external_id=ref.id,
            name=ref.name,
            developer=developer,
            stamp=Stamp(stamp.created_at),
        )

    def _compare_owner(self, log: ItemLog, owner: Developer, application_id: str) -> None:
        named = self.raw.get("developer")
        if not isinstance(named, dict):
            return
        where = f"{self.where}.developer"
        named_id, named_name = _text(named.get("id")), _text(named.get("name"))
        if named_id is not None and named_id != owner.external_id:
            log.warn(
                where,
                f"names developer {named_id}, but application {application_id} belongs to "
                f"{owner.name!r} ({owner.external_id or owner.id}); kept its owner",
            )
        elif named_name is not None and named_name != owner.name:
            log.warn(where, f"developer {named_id} is {owner.name!r}, named {named_name!r} here")


def classify(raw: object, where: str) -> KonnectItem | str:
    """The item, or why it is none of a developer, an application and a registration."""
    if not isinstance(raw, dict):
        return "not a JSON object"
    item_id = _text(raw.get("id"))
    if item_id is None:
        return "it has no id"
    if "product_version" in raw or "service_version" in raw:
        kind = "registration"
    elif "developer" in raw and "name" in raw:
        kind = "application"
    elif "email" in raw:
        kind = "developer"
    else:
        return "not a developer, an application or a registration"
    return KonnectItem(kind, where, item_id, raw)


def _text(value: object) -> str | None:
    """A non-empty string, or None; numbers are ids too."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        text = str(value).strip()
        return text or None
    return None
