"""90 days of demo traffic, written as Kong file-log lines and read back through the same
ingest path as real gateway logs (parse, attribute, roll up), never into the rollups directly.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

import orjson

from app.ingest.attribution import AttributionIndex
from app.ingest.kong import parse_lines
from app.ingest.pipeline import IngestReport, ingest_batch
from app.models import AccessStatus, ConnectionEvent, ServiceConnection

SEED = 90
DAYS = 90
BATCH = 50_000
_PATHS = ["/v1/items", "/v1/items/42", "/v1/search", "/v1/orders", "/v1/status"]


def _entry(
    rng: random.Random, started_ms: int, reference: str, gateway_name: str, service_id: str
) -> bytes:
    roll = rng.random()
    if roll < 0.02:
        status, source, upstream = 429, "kong", -1
    elif roll < 0.04:
        status, source, upstream = 403, "kong", -1
    else:
        status = 200 if roll < 0.93 else (201 if roll < 0.95 else (404 if roll < 0.985 else 502))
        source = "upstream"
        upstream = max(1, int(rng.lognormvariate(math.log(40), 0.8)))
    kong = rng.randint(0, 3)
    request = (upstream if upstream > 0 else 0) + kong + rng.randint(0, 2)
    return orjson.dumps(
        {
            "started_at": started_ms,
            "source": source,
            "upstream_status": "" if source == "kong" else str(status),
            "client_ip": "198.51.100.7",
            "request": {"method": "GET", "uri": rng.choice(_PATHS), "size": 120},
            "response": {"status": status, "size": 512},
            "latencies": {"request": request, "proxy": upstream, "kong": kong, "receive": 0},
            "consumer": {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "custom_id": reference,
                "username": reference,
            },
            "service": {"id": service_id, "name": gateway_name, "protocol": "http"},
            "route": {"id": service_id, "paths": ["/"]},
            "workspace": "default",
        }
    )


Period = tuple[datetime, datetime]  # [start, end): a time the connection was approved


def demo_log_lines(
    rng: random.Random, now: datetime, pairs: list[tuple[str, str, list[Period], float]]
) -> Iterator[bytes]:
    """File-log lines, oldest first per period: (reference id, gateway service name, periods
    in which the connection was approved, requests per day). Only the last DAYS days before
    ``now`` get traffic; a period inside them gets at least one request."""
    window_start = now - timedelta(days=DAYS)
    for reference, gateway_name, periods, per_day in pairs:
        service_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, gateway_name))
        for period_start, period_end in periods:
            start = max(period_start, window_start)
            end = min(period_end, now)
            seconds = (end - start).total_seconds()
            if seconds <= 0:
                continue
            count = max(1, int(per_day * seconds / 86_400))
            base_ms = math.ceil(start.timestamp() * 1000)
            span_ms = max(1, int(seconds * 1000) - 1)
            offsets = sorted(int(rng.random() * span_ms) for _ in range(count))
            for offset in offsets:
                yield _entry(rng, base_ms + offset, reference, gateway_name, service_id)


async def approved_periods(
    connections: list[ServiceConnection], now: datetime
) -> dict[int, list[Period]]:
    """When each connection was approved, from its history: an approval opens a period, any
    other change closes it. Without history, its current status says what it can."""
    wanted = {connection.id for connection in connections}
    events = await (
        ConnectionEvent.filter(to_status__isnull=False)
        .order_by("connection_id", "created_at", "id")
        .values_list("connection_id", "to_status", "created_at")
    )
    periods: dict[int, list[Period]] = {}
    opened: dict[int, datetime] = {}
    for connection_id, to_status, at in events:
        if connection_id not in wanted:
            continue
        periods.setdefault(connection_id, [])
        if to_status == AccessStatus.APPROVED:
            opened.setdefault(connection_id, at)
        elif connection_id in opened:
            periods[connection_id].append((opened.pop(connection_id), at))
    for connection_id, at in opened.items():
        periods[connection_id].append((at, now))
    epoch = datetime.fromtimestamp(0, UTC)
    for connection in connections:
        if connection.id not in periods:
            if connection.status is AccessStatus.APPROVED:
                periods[connection.id] = [(epoch, now)]
            else:
                periods[connection.id] = [(epoch, connection.status_changed_at)]
    return periods


async def load_demo_traffic(now: datetime | None = None, *, rate: float = 1.0) -> IngestReport:
    """Traffic for every connection while it was approved: revoked ones stop at revocation.

    ``rate`` scales the requests per day (tests use a fraction of the demo's volume).
    """
    rng = random.Random(SEED)
    now = now or datetime.now(UTC)
    connections = list(
        await ServiceConnection.filter(status__in=[AccessStatus.APPROVED, AccessStatus.REVOKED])
        .select_related("application", "service_version")
        .order_by("id")
    )
    periods = await approved_periods(connections, now)
    pairs: list[tuple[str, str, list[Period], float]] = []
    for connection in connections:
        gateway = connection.service_version.gateway_service_name
        if not gateway:
            continue
        pairs.append(
            (
                connection.application.reference_id,
                gateway,
                periods[connection.id],
                rate * rng.choice([0.5, 1, 2, 5]),
            )
        )
    report = IngestReport()
    index = await AttributionIndex.load()
    numbered = parse_lines(demo_log_lines(rng, now, pairs))
    while batch := list(islice(numbered, BATCH)):
        report.lines += len(batch)
        await ingest_batch(batch, report, index)
    return report
