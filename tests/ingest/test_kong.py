"""The Kong log-serializer parser against the real samples (tests/samples: shared/samples)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.ingest.kong import LogEntry, MalformedEntry, parse_body, parse_entry, parse_lines

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "tests" / "samples"

KONG_38 = SAMPLES / "kong-log-3.8-http-docs.json"
KONG_22 = SAMPLES / "kong-log-2.2-http-consumer-docs.json"
KONG_3X_401 = SAMPLES / "kong-log-3.x-401-keyauth-derived.json"
MIXED = SAMPLES / "kong-file-log-mixed.ndjson"

SERVICE_38_ID = "fb4eecf8-dec2-40ef-b779-16de7e2384c7"
SERVICE_22_ID = "167290ee-c682-4ebf-bdea-e49a3ac5e260"
CONSUMER_22_ID = "ae974d6c-0f8a-4dc5-b701-fa0aa38592bd"
ENTITY_22_ID = "c62c1455-9b1d-4f2d-8797-509ba83b8ae8"

EXPECTED_38 = LogEntry(
    started_at_ms=1726783839538,
    status=200,
    latency_ms=173.0,
    upstream_latency_ms=171.0,
    consumer_keys=(),
    service_keys=(SERVICE_38_ID, "example_service"),
    source="upstream",
)
EXPECTED_22 = LogEntry(
    started_at_ms=1614232668342,
    status=200,
    latency_ms=515.0,
    upstream_latency_ms=457.0,
    consumer_keys=("foo", CONSUMER_22_ID, ENTITY_22_ID),
    service_keys=(SERVICE_22_ID,),
    source=None,
)
EXPECTED_401 = LogEntry(
    started_at_ms=1726790399999,
    status=401,
    latency_ms=2.0,
    upstream_latency_ms=None,
    consumer_keys=(),
    service_keys=(SERVICE_38_ID, "example_service"),
    source="kong",
)


def load(path: Path) -> dict[str, Any]:
    data = orjson.loads(path.read_bytes())
    assert isinstance(data, dict)
    return data


def entries_of(results: list[tuple[int, LogEntry | MalformedEntry]]) -> list[LogEntry]:
    return [result for _, result in results if isinstance(result, LogEntry)]


def test_kong_38_sample_parses_with_its_values() -> None:
    assert parse_entry(load(KONG_38)) == EXPECTED_38


def test_kong_22_sample_parses_with_consumer_and_authenticated_entity_keys() -> None:
    assert parse_entry(load(KONG_22)) == EXPECTED_22


def test_kong_22_started_at_is_the_request_not_the_later_consumer_created_at() -> None:
    entry = parse_entry(load(KONG_22))

    assert entry.started_at_ms == 1614232668342
    assert datetime.fromtimestamp(entry.started_at_ms / 1000, UTC).date() == date(2021, 2, 25)


def test_kong_3x_401_sample_parses_without_consumer_or_upstream_latency() -> None:
    assert parse_entry(load(KONG_3X_401)) == EXPECTED_401


def test_mixed_ndjson_file_yields_three_entries_in_order() -> None:
    with MIXED.open("rb") as lines:
        results = list(parse_lines(lines))

    assert results == [(1, EXPECTED_38), (2, EXPECTED_22), (3, EXPECTED_401)]


def test_malformed_line_is_reported_with_its_number_and_the_rest_still_parse() -> None:
    first, second, third = MIXED.read_bytes().splitlines(keepends=True)
    lines = [first, b'{"started_at": 1726783839538, "response": {"sta\n', second, third]

    results = list(parse_lines(lines))

    assert [number for number, _ in results] == [1, 2, 3, 4]
    error = results[1][1]
    assert isinstance(error, MalformedEntry)
    assert error.reason == "invalid JSON"
    assert entries_of(results) == [EXPECTED_38, EXPECTED_22, EXPECTED_401]


def test_entry_missing_started_at_is_reported_and_the_rest_still_parse() -> None:
    broken = load(KONG_38)
    del broken["started_at"]
    lines = [orjson.dumps(broken), MIXED.read_bytes().splitlines()[1]]

    results = list(parse_lines(lines))

    assert isinstance(results[0][1], MalformedEntry)
    assert results[0][1].reason == "missing started_at"
    assert results[1] == (2, EXPECTED_22)


def test_blank_lines_are_skipped_and_do_not_shift_line_numbers() -> None:
    first, second, third = MIXED.read_bytes().splitlines(keepends=True)
    lines = [b"\n", first, b"   \r\n", second, b"", third]

    results = list(parse_lines(lines))

    assert results == [(2, EXPECTED_38), (4, EXPECTED_22), (6, EXPECTED_401)]


def test_ndjson_line_holding_an_array_yields_each_element_with_that_line_number() -> None:
    batch = b"[" + KONG_38.read_bytes() + b"," + KONG_3X_401.read_bytes() + b"]"
    lines = [orjson.dumps(load(KONG_22)) + b"\n", orjson.dumps(orjson.loads(batch)) + b"\n"]

    results = list(parse_lines(lines))

    assert results == [(1, EXPECTED_22), (2, EXPECTED_38), (2, EXPECTED_401)]


def test_json_line_that_is_not_an_object_is_reported() -> None:
    results = list(parse_lines([b"42\n"]))

    assert len(results) == 1
    number, error = results[0]
    assert number == 1
    assert isinstance(error, MalformedEntry)
    assert error.reason == "not a JSON object"


def test_http_log_body_with_one_object_yields_one_entry() -> None:
    assert parse_body(KONG_38.read_bytes()) == [EXPECTED_38]


def test_http_log_batch_array_body_yields_each_entry() -> None:
    body = b"[" + b",".join(path.read_bytes() for path in (KONG_38, KONG_22, KONG_3X_401)) + b"]"

    assert parse_body(body) == [EXPECTED_38, EXPECTED_22, EXPECTED_401]


def test_http_log_batch_reports_a_bad_element_in_place() -> None:
    body = b"[" + KONG_38.read_bytes() + b', {"response": {"status": 200}}]'

    results = parse_body(body)

    assert results[0] == EXPECTED_38
    assert isinstance(results[1], MalformedEntry)
    assert results[1].reason == "missing started_at"


def test_http_log_body_that_is_not_json_raises() -> None:
    with pytest.raises(MalformedEntry) as caught:
        parse_body(b"started_at=1726783839538")

    assert caught.value.reason == "invalid JSON"


def test_kong_0x_string_fields_and_api_object_are_read() -> None:
    entry_0x = {
        "api": {
            "id": "0a8c7b2e-1d5f-4e3a-9b6c-7d8e9f0a1b2c",
            "name": "mockbin",
            "upstream_url": "http://mockbin.com/",
            "created_at": 1488830759000,
        },
        "request": {"method": "GET", "uri": "/get", "size": "75"},
        "response": {"status": "200", "size": "434"},
        "latencies": {"proxy": "1430", "kong": "9", "request": "1921.5"},
        "started_at": "1433209822425",
        "consumer": {"custom_id": "app-ref-0001", "username": "bob", "id": "9e5c0d4b"},
        "client_ip": "203.0.113.1",
    }

    assert parse_entry(entry_0x) == LogEntry(
        started_at_ms=1433209822425,
        status=200,
        latency_ms=1921.5,
        upstream_latency_ms=1430.0,
        consumer_keys=("app-ref-0001", "bob", "9e5c0d4b"),
        service_keys=("0a8c7b2e-1d5f-4e3a-9b6c-7d8e9f0a1b2c", "mockbin"),
        source=None,
    )


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("started_at",), True, "invalid started_at"),
        (("response", "status"), True, "invalid response.status"),
        (("latencies", "request"), False, "invalid latencies.request"),
    ],
)
def test_booleans_are_not_numbers(path: tuple[str, ...], value: bool, reason: str) -> None:
    entry = load(KONG_38)
    target = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(MalformedEntry) as caught:
        parse_entry(entry)

    assert caught.value.reason == reason


def test_boolean_proxy_latency_is_no_upstream_latency() -> None:
    entry = load(KONG_38)
    entry["latencies"]["proxy"] = True

    assert parse_entry(entry).upstream_latency_ms is None


def test_fractional_request_latency_is_kept() -> None:
    entry = load(KONG_38)
    entry["latencies"]["request"] = 173.625

    assert parse_entry(entry).latency_ms == 173.625


def test_negative_request_latency_is_malformed() -> None:
    entry = load(KONG_38)
    entry["latencies"]["request"] = -3

    with pytest.raises(MalformedEntry) as caught:
        parse_entry(entry)

    assert caught.value.reason == "invalid latencies.request"


@pytest.mark.parametrize("latency", [86_400_001, 1.7e308, "1e300"])
def test_request_latency_over_a_day_is_malformed(latency: object) -> None:
    """Summed, such values overflowed the rollups (PostgreSQL refused the batch, and a
    mean of inf could not be answered as a Float)."""
    entry = load(KONG_38)
    entry["latencies"]["request"] = latency

    with pytest.raises(MalformedEntry) as caught:
        parse_entry(entry)

    assert caught.value.reason == "latencies.request is over a day"


def test_upstream_latency_over_a_day_is_no_upstream_latency() -> None:
    entry = load(KONG_38)
    entry["latencies"]["proxy"] = 1.7e308

    assert parse_entry(entry).upstream_latency_ms is None


def test_missing_status_is_malformed() -> None:
    entry = load(KONG_38)
    del entry["response"]["status"]

    with pytest.raises(MalformedEntry) as caught:
        parse_entry(entry)

    assert caught.value.reason == "missing response.status"


def test_consumer_keys_skip_empty_values_and_repeats_in_order() -> None:
    entry = load(KONG_22)
    entry["consumer"] = {"custom_id": "", "username": "app-ref-0007", "id": "app-ref-0007"}
    entry["authenticated_entity"] = {"id": "cred-1"}

    assert parse_entry(entry).consumer_keys == ("app-ref-0007", "cred-1")


def test_authenticated_entity_alone_gives_a_consumer_key() -> None:
    entry = load(KONG_22)
    del entry["consumer"]

    assert parse_entry(entry).consumer_keys == (ENTITY_22_ID,)


def test_route_service_id_is_used_when_the_service_object_is_missing() -> None:
    entry = load(KONG_38)
    del entry["service"]

    assert parse_entry(entry).service_keys == (SERVICE_38_ID,)


def test_unknown_source_value_is_none() -> None:
    entry = load(KONG_38)
    entry["source"] = "elsewhere"

    assert parse_entry(entry).source is None


def test_c14_started_at_is_read_as_utc_milliseconds() -> None:
    before = parse_entry(load(KONG_3X_401))
    after_entry = load(KONG_3X_401)
    after_entry["started_at"] = 1726790400000
    after = parse_entry(after_entry)

    assert before.started_at_ms == 1726790399999
    assert datetime.fromtimestamp(before.started_at_ms / 1000, UTC).date() == date(2024, 9, 19)
    assert datetime.fromtimestamp(after.started_at_ms / 1000, UTC).date() == date(2024, 9, 20)


def test_c15_kong_answer_with_proxy_minus_one_has_no_upstream_latency() -> None:
    values = [(171, 200, "upstream"), (-1, 403, "kong"), (29, 200, "upstream")]
    lines = []
    for proxy, status, source in values:
        entry = load(KONG_38)
        entry["latencies"]["proxy"] = proxy
        entry["response"]["status"] = status
        entry["source"] = source
        lines.append(orjson.dumps(entry))

    entries = entries_of(list(parse_lines(lines)))

    assert [entry.upstream_latency_ms for entry in entries] == [171.0, None, 29.0]
    upstream = [e.upstream_latency_ms for e in entries if e.upstream_latency_ms is not None]
    assert len(entries) == 3
    assert sum(1 for entry in entries if entry.status >= 400) == 1
    assert sum(upstream) / len(upstream) == 100.0
