"""Traffic windows: which hours a window holds, its edges, and the rollup rows it reads."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.errors import ErrorCode, ValidationFailed
from app.domain.traffic import GroupBy, TrafficWindow, Window, summarize, window_for
from app.ingest.kong import parse_entry
from app.ingest.rollup import Rollup, merge_rows, new_row
from app.models import Application, ServiceVersion
from tests.api.test_statement_count import counting_statements
from tests.factories import Factory, kong_entry, traffic

HOUR_MS = 3_600_000
NOW = datetime(2024, 9, 19, 14, 25, 7, tzinfo=UTC)
NOW_HOUR = int(NOW.timestamp()) // 3600
SPANS = {
    TrafficWindow.LAST_24_HOURS: 24,
    TrafficWindow.LAST_7_DAYS: 7 * 24,
    TrafficWindow.LAST_30_DAYS: 30 * 24,
    TrafficWindow.LAST_90_DAYS: 90 * 24,
}


@pytest.fixture
async def pair(factory: Factory) -> tuple[Application, ServiceVersion]:
    application = await factory.application(reference_id="app-a")
    version = await factory.version(gateway_service_name="orders")
    return application, version


def at(ms: int) -> dict[str, object]:
    return kong_entry(ms, consumer="app-a", service="orders")


async def requests_in(application: Application, window: Window) -> int:
    found = await summarize(GroupBy.APPLICATION, [application.id], window)
    totals = found.get((application.id,))
    return totals.requests if totals else 0


@pytest.mark.parametrize("kind", list(SPANS))
def test_named_window_holds_its_span_of_whole_hours_ending_with_the_current_hour(
    kind: TrafficWindow,
) -> None:
    window = window_for(kind, now=NOW)

    assert window.end_hour == NOW_HOUR + 1
    assert window.end_hour - window.start_hour == SPANS[kind]


def test_no_window_means_the_last_30_days() -> None:
    assert window_for(None, now=NOW) == window_for(TrafficWindow.LAST_30_DAYS, now=NOW)


@pytest.mark.parametrize("kind", list(SPANS))
async def test_named_window_counts_its_first_and_last_millisecond_and_nothing_outside(
    pair: tuple[Application, ServiceVersion], kind: TrafficWindow
) -> None:
    application, _ = pair
    window = window_for(kind, now=NOW)
    first_ms, end_ms = window.start_hour * HOUR_MS, window.end_hour * HOUR_MS

    await traffic([at(first_ms - 1), at(first_ms), at(end_ms - 1), at(end_ms)])

    assert await requests_in(application, window) == 2


async def test_explicit_window_counts_from_inclusive_and_to_exclusive(
    pair: tuple[Application, ServiceVersion],
) -> None:
    application, _ = pair
    start = datetime(2024, 9, 10, 5, tzinfo=UTC)
    end = datetime(2024, 9, 14, 19, tzinfo=UTC)
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    await traffic([at(start_ms - 1), at(start_ms), at(end_ms - 1), at(end_ms)])

    window = window_for(None, start, end)

    assert (window.start, window.end) == (start, end)
    assert await requests_in(application, window) == 2


def test_explicit_window_inside_hours_widens_to_whole_hours() -> None:
    window = window_for(
        None, datetime(2024, 9, 19, 10, 15, tzinfo=UTC), datetime(2024, 9, 19, 12, 1, tzinfo=UTC)
    )

    assert window.start == datetime(2024, 9, 19, 10, tzinfo=UTC)
    assert window.end == datetime(2024, 9, 19, 13, tzinfo=UTC)


def test_explicit_window_in_another_offset_is_the_same_instants() -> None:
    new_york = timezone(timedelta(hours=-4))

    window = window_for(
        None, datetime(2024, 9, 19, 20, tzinfo=new_york), datetime(2024, 9, 20, tzinfo=new_york)
    )

    assert window.start == datetime(2024, 9, 20, 0, tzinfo=UTC)
    assert window.end == datetime(2024, 9, 20, 4, tzinfo=UTC)


def test_window_of_whole_days_and_edge_hours_splits_into_days_and_hours() -> None:
    window = window_for(
        None, datetime(2024, 9, 10, 5, tzinfo=UTC), datetime(2024, 9, 14, 19, tzinfo=UTC)
    )
    day = int(datetime(2024, 9, 11, tzinfo=UTC).timestamp()) // 86_400

    days, hours = window.parts()

    assert days == (day, day + 3)  # 11, 12 and 13 September
    assert hours == [(window.start_hour, day * 24), ((day + 3) * 24, window.end_hour)]


async def test_window_of_days_and_edge_hours_reads_both_rollups_and_equals_the_raw_sum(
    pair: tuple[Application, ServiceVersion],
) -> None:
    application, version = pair
    rng = random.Random(7)
    base = int(datetime(2024, 9, 8, tzinfo=UTC).timestamp() * 1000)
    entries = [
        kong_entry(
            base + rng.randrange(8 * 24 * HOUR_MS),
            consumer="app-a",
            service="orders",
            status=rng.choice([200, 204, 302, 404, 500]),
            latency=rng.choice([0.5, 3, 12, 80, 250, 1200]),
            upstream=rng.choice([None, 1.5, 10, 200]),
        )
        for _ in range(400)
    ]
    await traffic(entries)
    start = datetime(2024, 9, 10, 5, tzinfo=UTC)
    end = datetime(2024, 9, 14, 19, tzinfo=UTC)
    window = window_for(None, start, end)
    # The raw sum: the entries inside [start, end), counted into one row.
    inside = Rollup()
    for data in entries:
        entry = parse_entry(data)
        if start.timestamp() * 1000 <= entry.started_at_ms < end.timestamp() * 1000:
            inside.add(entry, application.id, version.id)
    raw = new_row()
    for row in inside.hourly.values():
        merge_rows(raw, row)

    with counting_statements() as log:
        found = await summarize(GroupBy.APPLICATION, [application.id], window)

    (statement,) = log.statements
    assert "traffic_daily" in statement and "traffic_hourly" in statement
    totals = found[(application.id,)]
    assert totals.requests == raw[0] > 0
    assert [
        totals.status_1xx,
        totals.status_2xx,
        totals.status_3xx,
        totals.status_4xx,
        totals.status_5xx,
    ] == raw[1:6]
    assert totals.latency_sum == pytest.approx(raw[6])
    assert totals.latency_max == raw[7]
    assert totals.upstream_latency_sum == pytest.approx(raw[8])
    assert totals.upstream_latency_count == raw[9]
    assert totals.last_request_ms == raw[10]
    assert totals.histogram == raw[11:]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "start", "end", "field"),
    [
        (None, utc(2024, 9, 20), utc(2024, 9, 19), "to"),
        (None, utc(2024, 9, 19, 10, 45), utc(2024, 9, 19, 10, 15), "to"),
        (None, utc(2024, 9, 19), utc(2024, 9, 19), "to"),
        (None, utc(2024, 9, 19), None, "to"),
        (None, None, utc(2024, 9, 19), "from"),
        (None, utc(2023, 1, 1), utc(2024, 2, 5, 0, 1), "to"),
        (None, datetime(2024, 9, 19), utc(2024, 9, 20), "from"),
        (None, utc(2024, 9, 19), datetime(2024, 9, 20), "to"),
        (TrafficWindow.LAST_7_DAYS, utc(2024, 9, 19), utc(2024, 9, 20), "window"),
    ],
    ids=[
        "to-before-from",
        "to-before-from-within-one-hour",
        "empty",
        "only-from",
        "only-to",
        "over-400-days",
        "naive-from",
        "naive-to",
        "window-and-from-to",
    ],
)
def test_bad_window_is_a_validation_error_naming_its_field(
    kind: TrafficWindow | None, start: datetime | None, end: datetime | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        window_for(kind, start, end, now=NOW)

    assert caught.value.code is ErrorCode.VALIDATION
    assert caught.value.field == field


def test_window_of_exactly_400_days_is_allowed() -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)

    window = window_for(None, start, start + timedelta(days=400))

    assert window.end_hour - window.start_hour == 400 * 24


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (utc(9999, 12, 30), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "to"),
        (utc(1, 1, 1), datetime(1, 1, 2, 23, 59, 59, tzinfo=UTC), "from"),
        (datetime(1, 1, 2, 5, tzinfo=timezone(timedelta(hours=14))), utc(1, 1, 3), "from"),
    ],
    ids=["year-9999", "year-1", "year-1-by-offset"],
)
def test_window_at_the_ends_of_the_calendar_is_a_validation_error(
    start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        window_for(None, start, end)

    assert caught.value.field == field
    assert "between 0001-01-02 and 9999-12-30" in caught.value.message


def test_window_just_inside_the_calendar_is_allowed() -> None:
    window = window_for(None, utc(9999, 12, 29), utc(9999, 12, 30))

    assert (window.start, window.end) == (utc(9999, 12, 29), utc(9999, 12, 30))
