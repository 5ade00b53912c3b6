"""Small factories for test data; they go through the domain layer like real callers."""

from __future__ import annotations

import itertools

from app import global_ids
from app.domain import applications, catalog, connections, developers
from app.domain.clock import utcnow
from app.domain.lifecycle import Action
from app.domain.tokens import create_token
from app.domain.viewer import SYSTEM
from app.models import (
    AccessStatus,
    Application,
    Developer,
    Role,
    Service,
    ServiceConnection,
    ServiceVersion,
)

_numbers = itertools.count(1)

# How to reach each status from a new (pending) request.
_PATHS = {
    AccessStatus.PENDING: [],
    AccessStatus.APPROVED: [Action.APPROVE],
    AccessStatus.REJECTED: [Action.REJECT],
    AccessStatus.REVOKED: [Action.APPROVE, Action.REVOKE],
}


def gid(row: object) -> str:
    """The global id the API shows for a model row."""
    return global_ids.encode(type(row).__name__, row.pk)  # type: ignore[attr-defined]


class Factory:
    async def developer(self, name: str | None = None, email: str | None = None) -> Developer:
        n = next(_numbers)
        return await developers.create_developer(
            SYSTEM, name=name or f"Developer {n}", email=email or f"dev{n}@example.com"
        )

    async def service(self, name: str | None = None) -> Service:
        return await catalog.create_service(SYSTEM, name=name or f"Service {next(_numbers)}")

    async def version(
        self,
        service: Service | None = None,
        label: str = "v1",
        *,
        gateway_service_name: str | None = None,
        auto_approve: bool | None = None,
    ) -> ServiceVersion:
        return await catalog.create_service_version(
            SYSTEM,
            service_id=(service or await self.service()).id,
            version=label,
            gateway_service_name=gateway_service_name,
            auto_approve=auto_approve,
        )

    async def application(
        self, developer: Developer | None = None, name: str | None = None, **kwargs: str
    ) -> Application:
        return await applications.create_application(
            SYSTEM,
            developer_id=(developer or await self.developer()).id,
            name=name or f"App {next(_numbers)}",
            **kwargs,
        )

    async def connection(
        self,
        application: Application | None = None,
        version: ServiceVersion | None = None,
        status: AccessStatus = AccessStatus.PENDING,
    ) -> ServiceConnection:
        application = application or await self.application()
        version = version or await self.version()
        change = await connections.request_connection(SYSTEM, application.id, version.id)
        assert change.connection is not None
        for action in _PATHS[status]:
            await connections.change_connection(SYSTEM, action, change.connection.id)
        return await ServiceConnection.get(id=change.connection.id)

    async def portal(
        self, applications: int, *, developers: int, versions: int, connections_each: int
    ) -> None:
        """`applications` applications over a few developers, each with connections in mixed
        statuses, inserted in bulk: for tests about reading pages, not about how the
        connections got their status."""
        owners = [await self.developer() for _ in range(developers)]
        targets = [await self.version(await self.service(), "v1") for _ in range(versions)]
        statuses = list(AccessStatus)
        now = utcnow()
        rows = []
        for i in range(applications):
            application = await self.application(owners[i % len(owners)])
            rows += [
                ServiceConnection(
                    application_id=application.id,
                    service_version_id=targets[(i + j) % len(targets)].id,
                    status=statuses[(i + j) % len(statuses)],
                    updated_at=now,
                    status_changed_at=now,
                )
                for j in range(connections_each)
            ]
        await ServiceConnection.bulk_create(rows)

    async def token(self, role: str, developer: Developer | None = None) -> str:
        _, text = await create_token(
            Role(role), developer=developer.id if developer is not None else None
        )
        return text


# --- Traffic: Kong log entries, ingested through the real pipeline -------------------------

import orjson  # noqa: E402  (this section is appended: its imports stay with it)

from app.ingest.kong import parse_lines  # noqa: E402
from app.ingest.pipeline import IngestReport, ingest_batch  # noqa: E402


def kong_entry(
    started_at_ms: int,
    *,
    consumer: str | None = None,
    service: str | None = None,
    status: int = 200,
    latency: float = 10,
    upstream: float | None = 8,
    source: str | None = "upstream",
) -> dict[str, object]:
    """A Kong 3.x log-serializer entry (the 3.8 sample's shape, trimmed): `consumer` is sent
    as the consumer's custom_id, `service` as the gateway service's name."""
    entry: dict[str, object] = {
        "started_at": started_at_ms,
        "request": {"method": "GET", "uri": "/items", "size": 120, "headers": {}},
        "response": {"status": status, "size": 512, "headers": {}},
        "latencies": {
            "request": latency,
            "proxy": -1 if upstream is None else upstream,
            "kong": 1,
            "receive": 0,
        },
        "upstream_status": "" if source == "kong" else str(status),
        "client_ip": "203.0.113.10",
        "workspace_name": "default",
    }
    if source is not None:
        entry["source"] = source
    if consumer is not None:
        entry["consumer"] = {"id": f"id-{consumer}", "custom_id": consumer, "username": consumer}
    if service is not None:
        entry["service"] = {"id": f"id-{service}", "name": service, "protocol": "http"}
    return entry


async def traffic(entries: list[dict[str, object]]) -> IngestReport:
    """Ingest Kong entries as one file-log batch; return the pipeline's IngestReport."""
    report = IngestReport()
    numbered = list(parse_lines(orjson.dumps(entry) for entry in entries))
    report.lines = len(numbered)
    await ingest_batch(numbered, report)
    return report
