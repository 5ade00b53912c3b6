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
from app.models import AccessStatus, ServiceConnection

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


def demo_log_lines(
    rng: random.Random, now: datetime, pairs: list[tuple[str, str, datetime | None, float]]
) -> Iterator[bytes]:
    """File-log lines, oldest first per connection: (reference id, gateway service name,
    traffic stop time or None, requests per day)."""
    start = now - timedelta(days=DAYS)
    for reference, gateway_name, stop, per_day in pairs:
        service_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, gateway_name))
        end = min(now, stop) if stop else now
        seconds = (end - start).total_seconds()
        if seconds <= 0:
            continue
        count = int(per_day * seconds / 86_400)
        base_ms = int(start.timestamp() * 1000)
        for _ in range(count):
            offset = int(rng.random() * seconds * 1000)
            yield _entry(rng, base_ms + offset, reference, gateway_name, service_id)


async def load_demo_traffic(now: datetime | None = None) -> IngestReport:
    rng = random.Random(SEED)
    now = now or datetime.now(UTC)
    connections = (
        await ServiceConnection.filter(status__in=[AccessStatus.APPROVED, AccessStatus.REVOKED])
        .select_related("application", "service_version")
        .order_by("id")
    )
    pairs: list[tuple[str, str, datetime | None, float]] = []
    for connection in connections:
        gateway = connection.service_version.gateway_service_name
        if not gateway:
            continue
        stop = connection.status_changed_at if connection.status is AccessStatus.REVOKED else None
        pairs.append(
            (connection.application.reference_id, gateway, stop, rng.choice([0.5, 1, 2, 5]))
        )
    report = IngestReport()
    index = await AttributionIndex.load()
    numbered = parse_lines(demo_log_lines(rng, now, pairs))
    while batch := list(islice(numbered, BATCH)):
        report.lines += len(batch)
        await ingest_batch(batch, report, index)
    return report
