"""The peer benchmark loader's mapping of a peer hourly row, and its daily rollup in SQL
(bench/load_peer.py; the copy itself needs the peer's database and is run by hand)."""

from __future__ import annotations

from typing import Any

from tortoise.connection import get_connection

from app.domain.traffic_store import placeholders
from app.models import HISTOGRAM_COLUMNS, TrafficDaily
from app.settings import Settings
from bench.load_peer import HOURLY_COLUMNS, asyncpg_dsn, daily_rollup_sql, hourly_row
from tests.factories import Factory

HOUR = 498_259  # 2026-11-03 19:00 UTC


def rollup(
    requests: int, errors: int = 0, latency_sum: int = 0, hour: int = HOUR
) -> dict[str, Any]:
    return dict(
        zip(HOURLY_COLUMNS, hourly_row((1, 2, hour, requests, errors, latency_sum, 9)), strict=True)
    )


def histogram(row: dict[str, Any]) -> list[int]:
    return [row[column] for column in HISTOGRAM_COLUMNS]


def test_all_requests_of_the_hour_go_into_the_bucket_of_its_mean_latency() -> None:
    row = rollup(requests=240, latency_sum=240 * 46)  # mean 46 ms: bucket (30, 50]
    assert histogram(row) == [0] * 9 + [240] + [0] * 18


def test_a_mean_on_a_bucket_bound_belongs_to_the_bucket_below() -> None:
    assert histogram(rollup(requests=4, latency_sum=200))[9] == 4  # exactly 50 ms
    assert histogram(rollup(requests=4, latency_sum=201))[10] == 4  # 50.25 ms


def test_errors_count_as_5xx_and_the_rest_as_2xx() -> None:
    row = rollup(requests=100, errors=3, latency_sum=1_000)
    assert (row["status_2xx"], row["status_5xx"], row["requests"]) == (97, 3, 100)
    assert row["status_1xx"] == row["status_3xx"] == row["status_4xx"] == 0


def test_latency_is_kept_and_upstream_latency_left_empty() -> None:
    row = rollup(requests=10, latency_sum=1_234)
    assert (row["latency_sum"], row["latency_max"]) == (1_234.0, 9.0)
    assert (row["upstream_latency_sum"], row["upstream_latency_count"]) == (0.0, 0)


def test_last_request_is_the_start_of_the_hour() -> None:
    assert rollup(requests=1, latency_sum=1)["last_request_ms"] == HOUR * 3_600_000


def test_an_hour_without_requests_has_an_empty_histogram() -> None:
    assert histogram(rollup(requests=0)) == [0] * len(HISTOGRAM_COLUMNS)


def test_asyncpg_dsn_drops_tortoise_scheme_and_options() -> None:
    url = "asyncpg://u:p@host:5432/db?minsize=1"
    assert asyncpg_dsn(url) == "postgresql://u:p@host:5432/db"


async def test_daily_rollup_sums_the_hours_of_each_utc_day(db: Settings, factory: Factory) -> None:
    application = await factory.application()
    version = await factory.version()
    day = HOUR // 24
    hours = [
        (day * 24, 10, 1, 50),  # 5 ms: bucket 3
        (day * 24 + 23, 20, 2, 2_000),  # 100 ms: bucket 11
        (day * 24 + 24, 7, 0, 7),  # next day, 1 ms: bucket 0
    ]
    rows = [
        (application.id, version.id, *hourly_row((0, 0, hour, req, err, lat, lat))[2:])
        for hour, req, err, lat in hours
    ]
    connection = get_connection("default")
    await connection.execute_many(
        f"INSERT INTO traffic_hourly ({', '.join(HOURLY_COLUMNS)}) "
        f"VALUES ({placeholders(connection, len(HOURLY_COLUMNS))})",
        [list(row) for row in rows],
    )
    await connection.execute_script(daily_rollup_sql())

    first, second = await TrafficDaily.filter(application_id=application.id).order_by("day")
    assert (first.day, second.day) == (day, day + 1)
    assert (first.requests, first.status_2xx, first.status_5xx) == (30, 27, 3)
    assert (first.latency_sum, first.latency_max) == (2_050.0, 2_000.0)
    assert first.last_request_ms == (day * 24 + 23) * 3_600_000
    expected = [0] * len(HISTOGRAM_COLUMNS)
    expected[3], expected[11] = 10, 20
    assert [getattr(first, c) for c in HISTOGRAM_COLUMNS] == expected
    assert (second.requests, second.latency_sum, second.b00) == (7, 7.0, 7)
