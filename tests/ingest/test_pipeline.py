"""From Kong log entries to stored rollups: every sample file, attribution, and additive upserts
that give the same rows whatever the batching, order or concurrency."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.domain import traffic_store
from app.domain.traffic_math import bucket_index
from app.domain.traffic_store import COUNTER_COLUMNS
from app.ingest import files
from app.ingest.attribution import AttributionIndex
from app.ingest.files import ingest_files
from app.ingest.kong import LogEntry, parse_entry, parse_lines
from app.ingest.pipeline import IngestReport, ingest_batch
from app.models import (
    Application,
    Credential,
    CredentialStatus,
    ServiceVersion,
    TrafficDaily,
    TrafficHourly,
    UnattributedTraffic,
)
from app.settings import Settings
from tests.factories import Factory, kong_entry, traffic

SERVICE_38_ID = "fb4eecf8-dec2-40ef-b779-16de7e2384c7"
SERVICE_22_ID = "167290ee-c682-4ebf-bdea-e49a3ac5e260"
CONSUMER_22_USERNAME = "foo"
ENTITY_22_ID = "c62c1455-9b1d-4f2d-8797-509ba83b8ae8"
HOUR_MS = 3_600_000
BASE_MS = 1_726_704_000_000  # 2024-09-19T00:00:00Z


def assert_accounts_for_every_line(report: IngestReport) -> None:
    assert report.lines == report.entries + report.malformed + report.blank
    assert report.entries == report.attributed + sum(report.unattributed.values())


async def hourly_rows() -> list[dict[str, Any]]:
    return (
        await TrafficHourly.all()
        .order_by("application_id", "service_version_id", "hour")
        .values("application_id", "service_version_id", "hour", *COUNTER_COLUMNS)
    )


async def daily_rows() -> list[dict[str, Any]]:
    return (
        await TrafficDaily.all()
        .order_by("application_id", "service_version_id", "day")
        .values("application_id", "service_version_id", "day", *COUNTER_COLUMNS)
    )


# --- Every sample file ---------------------------------------------------------------------

# file -> (lines, entries); the pretty-printed http-log bodies are one document of one entry
SAMPLES = {
    "kong-log-3.8-http-docs.json": (1, 1),
    "kong-log-2.2-http-consumer-docs.json": (1, 1),
    "kong-log-3.x-401-keyauth-derived.json": (1, 1),
    "kong-file-log-mixed.ndjson": (3, 3),
}
# What the portal knows: nothing; the 2.2 entry's consumer only; its consumer and service.
# (file, portal) -> (attributed, unattributed by reason)
EXPECTED: dict[tuple[str, str], tuple[int, dict[str, int]]] = {
    ("kong-log-3.8-http-docs.json", "nothing"): (0, {"anonymous": 1}),
    ("kong-log-3.8-http-docs.json", "consumer"): (0, {"anonymous": 1}),
    ("kong-log-3.8-http-docs.json", "both"): (0, {"anonymous": 1}),
    ("kong-log-2.2-http-consumer-docs.json", "nothing"): (0, {"unknown_consumer": 1}),
    ("kong-log-2.2-http-consumer-docs.json", "consumer"): (0, {"unknown_service": 1}),
    ("kong-log-2.2-http-consumer-docs.json", "both"): (1, {}),
    ("kong-log-3.x-401-keyauth-derived.json", "nothing"): (0, {"anonymous": 1}),
    ("kong-log-3.x-401-keyauth-derived.json", "consumer"): (0, {"anonymous": 1}),
    ("kong-log-3.x-401-keyauth-derived.json", "both"): (0, {"anonymous": 1}),
    ("kong-file-log-mixed.ndjson", "nothing"): (0, {"anonymous": 2, "unknown_consumer": 1}),
    ("kong-file-log-mixed.ndjson", "consumer"): (0, {"anonymous": 2, "unknown_service": 1}),
    ("kong-file-log-mixed.ndjson", "both"): (1, {"anonymous": 2}),
}


async def portal_knowing(factory: Factory, portal: str) -> tuple[Application, ServiceVersion]:
    """An application whose reference id is the 2.2 sample's consumer (or not), and versions
    implemented by the samples' gateway services (or not)."""
    reference = CONSUMER_22_USERNAME if portal in ("consumer", "both") else "someone-else"
    application = await factory.application(reference_id=reference)
    service = await factory.service()
    gateway_id = SERVICE_22_ID if portal == "both" else "another-gateway-service"
    version = await factory.version(service, "v1", gateway_service_name="elsewhere")
    await ServiceVersion.filter(id=version.id).update(gateway_service_id=gateway_id)
    return application, version


@pytest.mark.parametrize("portal", ["nothing", "consumer", "both"])
@pytest.mark.parametrize("name", list(SAMPLES))
async def test_sample_file_ingests_with_a_report_that_accounts_for_every_line(
    factory: Factory, samples: Path, name: str, portal: str
) -> None:
    application, version = await portal_knowing(factory, portal)

    report = await ingest_files([str(samples / name)], progress=False)

    lines, entries = SAMPLES[name]
    attributed, unattributed = EXPECTED[(name, portal)]
    assert (report.lines, report.entries, report.malformed, report.blank) == (lines, entries, 0, 0)
    assert report.attributed == attributed
    assert dict(report.unattributed) == unattributed
    assert_accounts_for_every_line(report)
    rows = await hourly_rows()
    assert sum(row["requests"] for row in rows) == attributed
    if attributed:
        assert {(r["application_id"], r["service_version_id"]) for r in rows} == {
            (application.id, version.id)
        }
    stored = await UnattributedTraffic.all().values("reason", "requests")
    by_reason: Counter[str] = Counter()
    for row in stored:
        by_reason[row["reason"]] += row["requests"]
    assert dict(by_reason) == unattributed


async def test_file_with_a_malformed_and_a_blank_line_reports_its_line_and_counts_the_rest(
    factory: Factory, samples: Path, tmp_path: Path
) -> None:
    first, second, third = (samples / "kong-file-log-mixed.ndjson").read_bytes().splitlines()
    path = tmp_path / "broken.ndjson"
    path.write_bytes(b"\n".join([first, b'{"started_at": 17267', b"   ", second, third]) + b"\n")

    report = await ingest_files([str(path)], progress=False)

    assert (report.lines, report.entries, report.malformed, report.blank) == (5, 3, 1, 1)
    assert report.malformed_examples == [(2, "invalid JSON")]
    assert_accounts_for_every_line(report)


# --- Attribution ---------------------------------------------------------------------------


@pytest.fixture
async def portal(factory: Factory) -> tuple[Application, ServiceVersion]:
    application = await factory.application(reference_id="app-a")
    version = await factory.version(gateway_service_name="orders")
    await ServiceVersion.filter(id=version.id).update(gateway_service_id="gw-orders-id")
    return application, version


def entry_with(
    consumer: dict[str, dict[str, str]] | None, service: dict[str, str] | None
) -> dict[str, Any]:
    entry: dict[str, Any] = kong_entry(BASE_MS)
    if consumer is not None:
        entry.update(consumer)
    if service is not None:
        entry["service"] = service
    return entry


ORDERS = {"id": "unknown-id", "name": "orders"}


@pytest.mark.parametrize(
    "consumer",
    [
        {"consumer": {"custom_id": "app-a"}},
        {"consumer": {"username": "app-a"}},
        {"consumer": {"id": "app-a"}},
        {"consumer": {"custom_id": "nobody", "username": "app-a", "id": "c-1"}},
        {"authenticated_entity": {"id": "app-a"}},
    ],
    ids=["custom_id", "username", "id", "username-after-unknown-custom_id", "entity-id"],
)
async def test_consumer_key_matching_the_reference_id_attributes_the_entry(
    portal: tuple[Application, ServiceVersion], consumer: dict[str, Any]
) -> None:
    application, version = portal

    report = await traffic([entry_with(consumer, ORDERS)])

    assert report.attributed == 1
    rows = await hourly_rows()
    assert [(r["application_id"], r["service_version_id"]) for r in rows] == [
        (application.id, version.id)
    ]


@pytest.mark.parametrize(
    "service",
    [{"id": "gw-orders-id"}, {"name": "orders"}, {"id": "gw-orders-id", "name": "renamed"}],
    ids=["service-id", "service-name", "id-wins-over-an-unknown-name"],
)
async def test_gateway_service_id_or_name_attributes_the_entry_to_the_version(
    portal: tuple[Application, ServiceVersion], service: dict[str, str]
) -> None:
    _, version = portal

    report = await traffic([entry_with({"consumer": {"custom_id": "app-a"}}, service)])

    assert report.attributed == 1
    assert [r["service_version_id"] for r in await hourly_rows()] == [version.id]


async def test_credential_client_id_attributes_the_entry_and_marks_the_credential_used(
    portal: tuple[Application, ServiceVersion],
) -> None:
    application, _ = portal
    credential = await Credential.create(
        application_id=application.id, name="key", client_id="client-123", secret_hash="x"
    )
    entries = [
        entry_with({"authenticated_entity": {"id": "client-123"}}, ORDERS),
        entry_with({"consumer": {"custom_id": "client-123"}}, ORDERS),
    ]
    entries[1]["started_at"] = BASE_MS + 5_000

    report = await traffic(entries)

    assert report.attributed == 2
    await credential.refresh_from_db()
    assert credential.last_used_at == datetime.fromtimestamp((BASE_MS + 5_000) / 1000, UTC)


async def test_older_entries_do_not_move_a_credential_last_use_back(
    portal: tuple[Application, ServiceVersion],
) -> None:
    application, _ = portal
    credential = await Credential.create(
        application_id=application.id, name="key", client_id="client-123", secret_hash="x"
    )
    newer = entry_with({"consumer": {"custom_id": "client-123"}}, ORDERS)
    older = entry_with({"consumer": {"custom_id": "client-123"}}, ORDERS)
    older["started_at"] = BASE_MS - HOUR_MS

    await traffic([newer])
    await traffic([older])

    await credential.refresh_from_db()
    assert credential.last_used_at == datetime.fromtimestamp(BASE_MS / 1000, UTC)


async def test_revoked_credential_still_attributes_traffic_it_made(
    portal: tuple[Application, ServiceVersion],
) -> None:
    application, _ = portal
    await Credential.create(
        application_id=application.id,
        name="old key",
        client_id="client-old",
        secret_hash="x",
        status=CredentialStatus.REVOKED,
    )

    report = await traffic([entry_with({"consumer": {"custom_id": "client-old"}}, ORDERS)])

    assert report.attributed == 1


NOBODY = {"consumer": {"custom_id": "nobody"}}
APP_A = {"consumer": {"custom_id": "app-a"}}


@pytest.mark.parametrize(
    ("consumer", "service", "reason", "stored_consumer", "stored_service"),
    [
        (None, {"name": "orders"}, "anonymous", "", "orders"),
        (NOBODY, {"name": "orders"}, "unknown_consumer", "nobody", "orders"),
        (APP_A, {"name": "billing"}, "unknown_service", "app-a", "billing"),
        (APP_A, None, "no_service", "app-a", ""),
    ],
)
async def test_unmatched_entry_is_kept_as_unattributed_with_its_reason(
    portal: tuple[Application, ServiceVersion],
    consumer: dict[str, Any] | None,
    service: dict[str, str] | None,
    reason: str,
    stored_consumer: str,
    stored_service: str,
) -> None:
    entry = entry_with(consumer, service)

    report = await traffic([entry, entry])

    assert report.attributed == 0
    assert dict(report.unattributed) == {reason: 2}
    assert await TrafficHourly.all().count() == 0
    rows = await UnattributedTraffic.all().values(
        "reason", "consumer", "service", "hour", "requests", "last_request_ms"
    )
    assert rows == [
        {
            "reason": reason,
            "consumer": stored_consumer,
            "service": stored_service,
            "hour": BASE_MS // HOUR_MS,
            "requests": 2,
            "last_request_ms": BASE_MS,
        }
    ]


async def test_index_of_a_batch_keys_classifies_like_the_whole_index(factory: Factory) -> None:
    applications = [await factory.application(reference_id=f"ref-{i}") for i in range(4)]
    await Credential.create(
        application_id=applications[0].id, name="k", client_id="client-0", secret_hash="x"
    )
    service = await factory.service()
    for i in range(3):
        version = await factory.version(service, f"v{i}", gateway_service_name="shared-name")
        await ServiceVersion.filter(id=version.id).update(gateway_service_id=f"gw-{i}")
    entries = [
        parse_entry(entry_with(consumer, svc))
        for consumer in (
            {"consumer": {"custom_id": "ref-1"}},
            {"consumer": {"username": "client-0"}},
            {"consumer": {"custom_id": "nobody"}},
            None,
        )
        for svc in ({"name": "shared-name"}, {"id": "gw-2", "name": "shared-name"}, {"id": "x"})
    ]

    whole = await AttributionIndex.load()
    targeted = await AttributionIndex.load(entries)

    assert [targeted.classify(e) for e in entries] == [whole.classify(e) for e in entries]


# --- Keys that no column can hold: they match nothing, the batch goes on --------------------


@pytest.mark.parametrize(
    ("consumer", "service", "reason"),
    [
        ({"consumer": {"custom_id": "c" * 101}}, ORDERS, "unknown_consumer"),
        ({"authenticated_entity": {"id": "app\x00a"}}, ORDERS, "unknown_consumer"),
        (APP_A, {"name": "s" * 201}, "unknown_service"),
        (APP_A, {"id": "i" * 101}, "unknown_service"),
        (APP_A, {"id": "gw\x00orders-id"}, "unknown_service"),
    ],
    ids=[
        "consumer-over-100",
        "consumer-nul",
        "service-name-over-200",
        "service-id-over-100",
        "service-id-nul",
    ],
)
async def test_key_no_column_can_hold_matches_nothing_and_the_rest_of_the_batch_counts(
    portal: tuple[Application, ServiceVersion],
    consumer: dict[str, Any],
    service: dict[str, str],
    reason: str,
) -> None:
    report = await traffic([entry_with(APP_A, ORDERS), entry_with(consumer, service)])

    assert report.attributed == 1
    assert dict(report.unattributed) == {reason: 1}
    assert sum(row["requests"] for row in await hourly_rows()) == 1


async def test_service_id_too_long_for_its_column_still_matches_by_name(
    portal: tuple[Application, ServiceVersion],
) -> None:
    _, version = portal

    report = await traffic([entry_with(APP_A, {"id": "i" * 150, "name": "orders"})])

    assert report.attributed == 1
    assert [r["service_version_id"] for r in await hourly_rows()] == [version.id]


async def test_unattributed_keys_are_stored_without_nul_and_cut_to_their_column(
    portal: tuple[Application, ServiceVersion],
) -> None:
    consumer = "a\x00" + "b" * 300

    await traffic([entry_with({"consumer": {"custom_id": consumer}}, {"name": "billing\x00"})])

    rows = await UnattributedTraffic.all().values("reason", "consumer", "service")
    assert rows == [
        {
            "reason": "unknown_consumer",
            "consumer": ("a\ufffd" + "b" * 300)[:200],
            "service": "billing\ufffd",
        }
    ]


async def test_file_with_a_nul_consumer_after_the_first_batch_is_counted_to_the_end(
    portal: tuple[Application, ServiceVersion],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(files, "BATCH_ENTRIES", 2)  # the NUL entry opens the second batch
    good = orjson.dumps(entry_with(APP_A, ORDERS))
    nul = orjson.dumps(entry_with({"consumer": {"custom_id": "app\x00a"}}, ORDERS))
    path = tmp_path / "kong.log"
    path.write_bytes(b"\n".join([good, good, nul, good, good]) + b"\n")

    report = await ingest_files([str(path)], progress=False)

    assert (report.entries, report.attributed) == (5, 4)
    assert dict(report.unattributed) == {"unknown_consumer": 1}
    assert sum(row["requests"] for row in await hourly_rows()) == 4


# --- Rollups: batching, order and concurrency do not matter --------------------------------


def reference_rollup(
    entries: list[LogEntry], keys: list[tuple[int, int]], period_ms: int
) -> dict[tuple[int, int, int], dict[str, Any]]:
    """The rows that the entries must give, computed straight from the entries."""
    rows: dict[tuple[int, int, int], dict[str, Any]] = {}
    for entry, (application_id, version_id) in zip(entries, keys, strict=True):
        key = (application_id, version_id, entry.started_at_ms // period_ms)
        row = rows.setdefault(key, dict.fromkeys(COUNTER_COLUMNS, 0))
        row["requests"] += 1
        row[f"status_{entry.status // 100}xx"] += 1
        row["latency_sum"] += entry.latency_ms
        row["latency_max"] = max(row["latency_max"], entry.latency_ms)
        if entry.upstream_latency_ms is not None:
            row["upstream_latency_sum"] += entry.upstream_latency_ms
            row["upstream_latency_count"] += 1
        row["last_request_ms"] = max(row["last_request_ms"], entry.started_at_ms)
        row[f"b{bucket_index(entry.latency_ms):02d}"] += 1
    return rows


def as_keyed(rows: list[dict[str, Any]], period: str) -> dict[tuple[int, int, int], dict[str, Any]]:
    keyed = {}
    for row in rows:
        key = (row.pop("application_id"), row.pop("service_version_id"), row.pop(period))
        keyed[key] = {column: row[column] for column in COUNTER_COLUMNS}
    return keyed


@pytest.fixture
async def mixed_traffic(
    factory: Factory,
) -> tuple[list[bytes], list[LogEntry], list[tuple[int, int]]]:
    """600 entries over three days for 3 applications x 2 versions: every status class,
    fractional latencies, Kong's own answers, and rows shared by many batches."""
    applications = [await factory.application(reference_id=f"app-{i}") for i in range(3)]
    service = await factory.service()
    versions = [
        await factory.version(service, f"v{i}", gateway_service_name=f"gw-{i}") for i in range(2)
    ]
    rng = random.Random(14)
    lines, entries, keys = [], [], []
    for _ in range(600):
        application = rng.choice(applications)
        version = rng.choice(versions)
        status = rng.choice([101, 200, 200, 201, 204, 301, 304, 400, 401, 404, 429, 500, 503])
        kong_answer = status in (401, 429)
        data = kong_entry(
            BASE_MS + rng.randrange(3 * 24 * HOUR_MS),
            consumer=application.reference_id,
            service=version.gateway_service_name,
            status=status,
            latency=rng.choice([0, 0.5, 1, 2.25, 7, 40, 171, 900, 65_000]) + rng.randrange(5),
            upstream=None if kong_answer else rng.randrange(0, 800) / 4,
            source="kong" if kong_answer else "upstream",
        )
        line = orjson.dumps(data)
        lines.append(line)
        entries.append(parse_entry(orjson.loads(line)))
        keys.append((application.id, version.id))
    return lines, entries, keys


def batches_of(lines: list[bytes], k: int, seed: int) -> list[list[tuple[int, Any]]]:
    numbered = list(parse_lines(lines))
    random.Random(seed).shuffle(numbered)
    return [numbered[i::k] for i in range(k)]


async def assert_rows_match(entries: list[LogEntry], keys: list[tuple[int, int]]) -> None:
    for rows, period, period_ms in (
        (await hourly_rows(), "hour", HOUR_MS),
        (await daily_rows(), "day", 24 * HOUR_MS),
    ):
        expected = reference_rollup(entries, keys, period_ms)
        stored = as_keyed(rows, period)
        assert stored.keys() == expected.keys()
        for key, columns in expected.items():
            assert stored[key] == pytest.approx(columns), (period, key)


@pytest.mark.parametrize(("k", "seed"), [(1, 1), (3, 2), (7, 3), (600, 4)])
async def test_rollup_of_shuffled_batches_equals_the_rollup_of_the_raw_entries(
    mixed_traffic: tuple[list[bytes], list[LogEntry], list[tuple[int, int]]], k: int, seed: int
) -> None:
    lines, entries, keys = mixed_traffic
    report = IngestReport()
    index = await AttributionIndex.load()

    for batch in batches_of(lines, k, seed):
        await ingest_batch(batch, report, index)

    assert report.attributed == len(entries)
    await assert_rows_match(entries, keys)


async def test_concurrent_batches_give_the_same_rows_as_the_raw_entries(
    mixed_traffic: tuple[list[bytes], list[LogEntry], list[tuple[int, int]]], db: Settings
) -> None:
    lines, entries, keys = mixed_traffic
    report = IngestReport()

    await asyncio.gather(*(ingest_batch(b, report) for b in batches_of(lines, 6, seed=5)))

    assert report.entries == report.attributed == len(entries)
    await assert_rows_match(entries, keys)


@pytest.mark.parametrize(("k", "seed"), [(1, 6), (3, 7)])
async def test_large_batches_merged_through_a_staging_table_equal_the_raw_rollup(
    mixed_traffic: tuple[list[bytes], list[LogEntry], list[tuple[int, int]]],
    k: int,
    seed: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL, big batches go through COPY and one merge per table (the threshold is
    lowered so that this batch takes that path); SQLite keeps its upserts."""
    monkeypatch.setattr(traffic_store, "COPY_THRESHOLD", 1)
    lines, entries, keys = mixed_traffic
    report = IngestReport()

    for batch in batches_of(lines, k, seed):
        await ingest_batch(batch, report)

    assert report.attributed == len(entries)
    await assert_rows_match(entries, keys)
