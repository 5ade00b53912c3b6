"""Which application and service version a log entry belongs to.

An entry's consumer (custom_id, username, id, or authenticated_entity.id) is matched against
applications' reference ids and credentials' client ids; its gateway service (id or name)
against the gateway service of each service version. What matches nothing is unattributed,
with a reason, never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.models import Model

from app.domain.validation import is_storable
from app.ingest.kong import LogEntry
from app.models import Application, Credential, ServiceVersion

ANONYMOUS = "anonymous"
UNKNOWN_CONSUMER = "unknown_consumer"
NO_SERVICE = "no_service"
UNKNOWN_SERVICE = "unknown_service"
REASONS = (ANONYMOUS, UNKNOWN_CONSUMER, NO_SERVICE, UNKNOWN_SERVICE)


@dataclass(frozen=True, slots=True)
class Match:
    application_id: int
    version_id: int
    credential_id: int | None


@dataclass(frozen=True, slots=True)
class Miss:
    reason: str
    consumer: str
    service: str


_CHUNK = 500  # keys per IN (...) list: far below SQLite's and asyncpg's parameter limits


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _matchable(keys: Iterable[str], model: type[Model], column: str) -> set[str]:
    """The keys that `model.column` could hold: only those are worth asking the database for.

    A log is not portal input: a consumer or service key may be longer than the column or
    hold a NUL character. Such a key equals no stored value, yet asking for it fails instead
    of matching nothing (Tortoise checks filter values against max_length, and PostgreSQL
    refuses NUL in text), which would lose the whole batch over one entry.
    """
    length = int(model._meta.fields_map[column].max_length)  # type: ignore[attr-defined]
    return {key for key in keys if len(key) <= length and is_storable(key)}


@dataclass
class AttributionIndex:
    applications: dict[str, int]
    credentials: dict[str, tuple[int, int]]  # client id -> (credential id, application id)
    versions: dict[str, int]

    @classmethod
    async def load(cls, entries: Iterable[LogEntry] | None = None) -> AttributionIndex:
        """The whole mapping, or (with ``entries``) only the part those entries can match:
        a small HTTP batch then reads a few rows instead of every application."""
        if entries is None:
            return cls._build(
                await Application.all().values_list("reference_id", "id"),
                await Credential.all().values_list("client_id", "id", "application_id"),
                await ServiceVersion.all()
                .order_by("id")
                .values_list("id", "gateway_service_id", "gateway_service_name"),
            )
        entries = list(entries)
        consumers = {key for entry in entries for key in entry.consumer_keys}
        services = {key for entry in entries for key in entry.service_keys}
        applications: list[tuple[str, int]] = []
        credentials: list[tuple[str, int, int]] = []
        versions: list[tuple[int, str | None, str | None]] = []
        for chunk in _chunks(_matchable(consumers, Application, "reference_id")):
            applications += await Application.filter(reference_id__in=chunk).values_list(
                "reference_id", "id"
            )
        for chunk in _chunks(_matchable(consumers, Credential, "client_id")):
            credentials += await Credential.filter(client_id__in=chunk).values_list(
                "client_id", "id", "application_id"
            )
        ids = _matchable(services, ServiceVersion, "gateway_service_id")
        names = _matchable(services, ServiceVersion, "gateway_service_name")
        for chunk in _chunks(ids | names):
            by_id = [key for key in chunk if key in ids]
            by_name = [key for key in chunk if key in names]
            conditions = [Q(gateway_service_id__in=by_id)] if by_id else []
            if by_name:
                conditions.append(Q(gateway_service_name__in=by_name))
            versions += await ServiceVersion.filter(Q(*conditions, join_type="OR")).values_list(
                "id", "gateway_service_id", "gateway_service_name"
            )
        unique_versions = sorted(set(versions), key=lambda row: row[0])
        return cls._build(applications, credentials, unique_versions)

    @classmethod
    def _build(
        cls,
        applications: Iterable[tuple[str, int]],
        credentials: Iterable[tuple[str, int, int]],
        versions: Sequence[tuple[int, str | None, str | None]],
    ) -> AttributionIndex:
        # Every credential counts, revoked ones too: a log may be read long after the request,
        # and traffic that a credential made before its revocation is still its application's.
        by_client = {client: (credential, app) for client, credential, app in credentials}
        by_service: dict[str, int] = {}
        # Ids are unique per gateway while names may be reused: an id wins over a name, and
        # of several versions behind one name the oldest (lowest id) wins.
        for version_id, _, gateway_name in versions:
            if gateway_name:
                by_service.setdefault(gateway_name, version_id)
        for version_id, gateway_id, _ in versions:
            if gateway_id:
                by_service[gateway_id] = version_id
        return cls(dict(applications), by_client, by_service)

    def classify(self, entry: LogEntry) -> Match | Miss:
        application_id = None
        credential_id = None
        for key in entry.consumer_keys:
            application_id = self.applications.get(key)
            if application_id is not None:
                break
            credential = self.credentials.get(key)
            if credential is not None:
                credential_id, application_id = credential
                break
        version_id = None
        for key in entry.service_keys:
            version_id = self.versions.get(key)
            if version_id is not None:
                break
        if application_id is not None and version_id is not None:
            return Match(application_id, version_id, credential_id)
        consumer = entry.consumer_keys[0] if entry.consumer_keys else ""
        service = entry.service_keys[-1] if entry.service_keys else ""
        if not entry.consumer_keys:
            reason = ANONYMOUS
        elif application_id is None:
            reason = UNKNOWN_CONSUMER
        elif not entry.service_keys:
            reason = NO_SERVICE
        else:
            reason = UNKNOWN_SERVICE
        return Miss(reason, consumer, service)
