"""DataLoaders, built per request (never shared: they would serve one viewer's data to another).

Each batches one relation into one statement. Loaders that join related rows prime the
loaders of those rows, so a page of applications with connections, versions and services
costs one statement per level at most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.connection import get_connection
from tortoise.models import Model

from app.domain.application_rows import ApplicationRow, DeveloperRow
from app.domain.clock import utcnow
from app.domain.joined_rows import Join, select_with_chain
from app.domain.settings_store import portal_settings
from app.domain.traffic import GroupBy, TrafficTotals, Window, summarize
from app.domain.traffic_store import placeholders
from app.models import (
    Application,
    ConnectionEvent,
    Credential,
    Developer,
    PortalSettings,
    Service,
    ServiceConnection,
    ServiceVersion,
)

K = TypeVar("K")
M = TypeVar("M", bound=Model)


def _by_id(
    model: type[M], related: Sequence[str] = ()
) -> Callable[[list[int]], Awaitable[list[M | None]]]:
    async def load(ids: list[int]) -> list[M | None]:
        query = model.filter(id__in=ids)
        if related:
            query = query.select_related(*related)
        rows = {row.pk: row for row in await query}
        return [rows.get(i) for i in ids]

    return load


async def _load_portal_settings(keys: list[int]) -> list[PortalSettings]:
    settings = await portal_settings()
    return [settings for _ in keys]


def _grouped(rows: Iterable[M], key: Callable[[M], int], ids: list[int]) -> list[list[M]]:
    groups: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [groups.get(i, []) for i in ids]


class Loaders:
    """The loaders of one request; created lazily, one per relation."""

    def __init__(self) -> None:
        self._made: dict[str, DataLoader[Any, Any]] = {}
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        """One "now" for the loaders' lifetime: every traffic window of a response ends with
        the same hour, so a page crossing an hour boundary still shares one statement."""
        if self._now is None:
            self._now = utcnow()
        return self._now

    def _get(
        self, name: str, load: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        loader = self._made.get(name)
        if loader is None:
            loader = self._made[name] = DataLoader(load_fn=load)
        return loader

    @property
    def developer(self) -> DataLoader[int, Developer | DeveloperRow | None]:
        return self._get("developer", _by_id(Developer))

    @property
    def application(self) -> DataLoader[int, Application | ApplicationRow | None]:
        """Loads models; a page of applications primes it with plain rows."""
        return self._get("application", _by_id(Application))

    @property
    def service(self) -> DataLoader[int, Service | None]:
        return self._get("service", _by_id(Service))

    @property
    def service_version(self) -> DataLoader[int, ServiceVersion | None]:
        return self._get("service_version", self._load_versions)

    @property
    def connection(self) -> DataLoader[int, ServiceConnection | None]:
        return self._get("connection", _by_id(ServiceConnection))

    @property
    def connections_by_application(self) -> DataLoader[int, list[ServiceConnection]]:
        return self._get("connections_by_application", self._load_connections_by_application)

    @property
    def connections_by_version(self) -> DataLoader[int, list[ServiceConnection]]:
        return self._get("connections_by_version", self._load_connections_by_version)

    @property
    def versions_by_service(self) -> DataLoader[int, list[ServiceVersion]]:
        return self._get("versions_by_service", self._load_versions_by_service)

    @property
    def applications_by_developer(self) -> DataLoader[int, list[Application]]:
        return self._get("applications_by_developer", self._load_applications_by_developer)

    @property
    def credentials_by_application(self) -> DataLoader[int, list[Credential]]:
        return self._get("credentials_by_application", self._load_credentials)

    @property
    def events_by_connection(self) -> DataLoader[int, list[ConnectionEvent]]:
        return self._get("events_by_connection", self._load_events_by_connection)

    @property
    def events_by_application(self) -> DataLoader[int, list[ConnectionEvent]]:
        return self._get("events_by_application", self._load_events_by_application)

    def traffic(
        self, group: GroupBy, window: Window, developer_id: int | None = None
    ) -> DataLoader[tuple[int, ...], TrafficTotals]:
        """Summaries of one kind of object over one window, one statement per page; with
        `developer_id`, of that developer's applications only."""

        async def load(keys: list[tuple[int, ...]]) -> list[TrafficTotals]:
            ids = sorted({key[0] for key in keys})
            versions = sorted({key[1] for key in keys}) if group is GroupBy.CONNECTION else []
            found = await summarize(
                group, ids, window, versions=versions, developer_id=developer_id
            )
            return [found.get(key, TrafficTotals()) for key in keys]

        name = f"traffic:{group.value}:{window.start_hour}:{window.end_hour}:{developer_id}"
        return self._get(name, load)

    @property
    def portal_settings(self) -> DataLoader[int, PortalSettings]:
        """The settings row (key 1), read once per request however many versions ask."""
        return self._get("portal_settings", _load_portal_settings)

    def prime_developers(self, developers: Iterable[Developer | DeveloperRow]) -> None:
        self.developer.prime_many({developer.id: developer for developer in developers})

    def prime_applications(self, applications: Iterable[Application | ApplicationRow]) -> None:
        self.application.prime_many({application.id: application for application in applications})

    def prime_version(self, version: ServiceVersion) -> None:
        """A version fetched with its service: prime both."""
        self.service_version.prime(version.id, version)
        service = version._service if hasattr(version, "_service") else None
        if isinstance(service, Service):
            self.service.prime(service.id, service)

    def prime_connections(self, connections: Iterable[ServiceConnection]) -> None:
        for connection in connections:
            self.connection.prime(connection.id, connection)
            version = getattr(connection, "_service_version", None)
            if isinstance(version, ServiceVersion):
                self.prime_version(version)

    async def _load_versions(self, ids: list[int]) -> list[ServiceVersion | None]:
        rows = await _by_id(ServiceVersion, ("service",))(ids)
        for row in rows:
            if row is not None:
                self.prime_version(row)
        return rows

    async def _load_connections_by_application(
        self, ids: list[int]
    ) -> list[list[ServiceConnection]]:
        marks = placeholders(get_connection("default"), len(ids))
        rows = await select_with_chain(
            ServiceConnection,
            [
                Join(ServiceVersion, "service_version_id", "service_version"),
                Join(Service, "service_id", "service"),
            ],
            f"t0.application_id IN ({marks})",
            list(ids),
            "t0.id",
        )
        self.prime_connections(rows)
        return _grouped(rows, lambda c: c.application_id, ids)

    async def _load_connections_by_version(self, ids: list[int]) -> list[list[ServiceConnection]]:
        rows = await ServiceConnection.filter(service_version_id__in=ids).order_by("id")
        self.prime_connections(rows)
        return _grouped(rows, lambda c: c.service_version_id, ids)

    async def _load_versions_by_service(self, ids: list[int]) -> list[list[ServiceVersion]]:
        rows = await ServiceVersion.filter(service_id__in=ids).order_by("version", "id")
        for row in rows:
            self.service_version.prime(row.id, row)
        return _grouped(rows, lambda v: v.service_id, ids)

    async def _load_applications_by_developer(self, ids: list[int]) -> list[list[Application]]:
        rows = await Application.filter(developer_id__in=ids).order_by("name_folded", "id")
        for row in rows:
            self.application.prime(row.id, row)
        return _grouped(rows, lambda a: a.developer_id, ids)

    async def _load_credentials(self, ids: list[int]) -> list[list[Credential]]:
        rows = await Credential.filter(application_id__in=ids).order_by("id")
        return _grouped(rows, lambda c: c.application_id, ids)

    async def _load_events_by_connection(self, ids: list[int]) -> list[list[ConnectionEvent]]:
        rows = await ConnectionEvent.filter(connection_id__in=ids).order_by("-created_at", "-id")
        return _grouped(rows, lambda e: e.connection_id, ids)

    async def _load_events_by_application(self, ids: list[int]) -> list[list[ConnectionEvent]]:
        rows = await ConnectionEvent.filter(application_id__in=ids).order_by("-created_at", "-id")
        return _grouped(rows, lambda e: e.application_id, ids)
