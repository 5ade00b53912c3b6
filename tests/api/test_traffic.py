"""Traffic summaries through GraphQL: cases C-14 and C-15, connection and version fields,
batching, bad arguments, and the demo portal's traffic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.requests import Request

from app.api.context import Context
from app.api.schema import build_schema
from app.demo import load_demo
from app.demo_traffic import load_demo_traffic
from app.domain.traffic import GroupBy, TrafficWindow, summarize, window_for
from app.domain.viewer import Viewer
from app.models import AccessStatus, Role, ServiceConnection, TrafficHourly
from app.settings import Settings
from tests.api.test_statement_count import counting_statements
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid, kong_entry, traffic

HOUR_MS = 3_600_000


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


# --- C-14: day boundaries are UTC milliseconds ---------------------------------------------

C14_SERIES = """
query($id: ID!, $zone: String!) {
  application(id: $id) {
    traffic(from: "2024-09-19T00:00:00Z", to: "2024-09-21T00:00:00Z") {
      requests
      series(granularity: DAY, timeZone: $zone) { start requests }
    }
  }
}
"""


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", {date(2024, 9, 19): 1, date(2024, 9, 20): 1}),
        ("America/New_York", {date(2024, 9, 19): 2}),
    ],
)
async def test_c14_daily_series_puts_entries_on_the_days_of_the_time_zone(
    admin: GraphQLClient, factory: Factory, zone: str, expected: dict[date, int]
) -> None:
    application = await factory.application(reference_id="app-a")
    await factory.version(gateway_service_name="orders")
    await traffic(
        [
            kong_entry(1726790399999, consumer="app-a", service="orders"),
            kong_entry(1726790400000, consumer="app-a", service="orders"),
        ]
    )

    body = await admin(C14_SERIES, id=gid(application), zone=zone)

    summary = data(body)["application"]["traffic"]
    assert summary["requests"] == 2
    points = [(datetime.fromisoformat(p["start"]), p["requests"]) for p in summary["series"]]
    assert {start.date(): n for start, n in points if n} == expected
    # Every point starts at midnight in the zone asked for.
    assert all(start == start.astimezone(ZoneInfo(zone)) for start, _ in points)
    assert all((start.hour, start.minute) == (0, 0) for start, _ in points)


# --- C-15: Kong's own answers have no upstream latency ------------------------------------

C15_SUMMARY = """
query($id: ID!) {
  application(id: $id) {
    traffic(window: LAST_30_DAYS) {
      requests successes clientErrors serverErrors errorRate
      latencyMs { avg p50 p95 p99 max }
      upstreamLatencyMs { avg }
      lastRequestAt
    }
  }
}
"""


async def test_c15_kong_answer_counts_as_a_request_but_not_as_upstream_latency(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application(reference_id="app-a")
    await factory.version(gateway_service_name="orders")
    start = now_ms() - 2 * 24 * HOUR_MS
    await traffic(
        [
            kong_entry(start, consumer="app-a", service="orders", latency=173, upstream=171),
            kong_entry(
                start + 1000,
                consumer="app-a",
                service="orders",
                status=403,
                latency=2,
                upstream=None,
                source="kong",
            ),
            kong_entry(start + 2000, consumer="app-a", service="orders", latency=31, upstream=29),
        ]
    )

    body = await admin(C15_SUMMARY, id=gid(application))

    summary = data(body)["application"]["traffic"]
    assert summary["requests"] == 3
    assert summary["clientErrors"] == 1
    assert summary["serverErrors"] == 0
    assert summary["errorRate"] == 1 / 3
    assert summary["upstreamLatencyMs"]["avg"] == 100
    latency = summary["latencyMs"]
    assert all(latency[p] is not None and latency[p] >= 0 for p in ("p50", "p95", "p99"))
    assert latency["max"] == 173
    assert datetime.fromisoformat(summary["lastRequestAt"]) == datetime.fromtimestamp(
        (start + 2000) / 1000, UTC
    )


async def test_application_without_traffic_has_zero_counts_and_no_latency(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()

    body = await admin(C15_SUMMARY, id=gid(application))

    summary = data(body)["application"]["traffic"]
    assert (summary["requests"], summary["errorRate"], summary["lastRequestAt"]) == (0, 0, None)
    assert set(summary["latencyMs"].values()) == {None}
    assert summary["upstreamLatencyMs"]["avg"] is None


# --- Connection and service version -------------------------------------------------------

LEVELS = """
query($app: ID!, $version: ID!) {
  application(id: $app) {
    traffic { requests }
    connections {
      serviceVersion { version }
      traffic { requests serverErrors series(granularity: HOUR) { requests } }
    }
  }
  serviceVersion(id: $version) { traffic { requests serverErrors } }
}
"""


async def test_connection_and_service_version_traffic_count_their_own_entries(
    admin: GraphQLClient, factory: Factory
) -> None:
    service = await factory.service()
    v1 = await factory.version(service, "v1", gateway_service_name="orders-v1")
    v2 = await factory.version(service, "v2", gateway_service_name="orders-v2")
    a = await factory.application(reference_id="app-a")
    b = await factory.application(reference_id="app-b")
    for version in (v1, v2):
        await factory.connection(a, version, AccessStatus.APPROVED)
    await factory.connection(b, v1, AccessStatus.APPROVED)
    start = now_ms() - 5 * HOUR_MS
    plan = [("app-a", "orders-v1", 2), ("app-a", "orders-v2", 3), ("app-b", "orders-v1", 4)]
    await traffic(
        [
            kong_entry(start + i, consumer=consumer, service=gateway, status=500 if i == 0 else 200)
            for consumer, gateway, count in plan
            for i in range(count)
        ]
    )

    body = await admin(LEVELS, app=gid(a), version=gid(v1))

    result = data(body)
    assert result["application"]["traffic"]["requests"] == 5
    by_version = {
        c["serviceVersion"]["version"]: c["traffic"] for c in result["application"]["connections"]
    }
    assert {v: t["requests"] for v, t in by_version.items()} == {"v1": 2, "v2": 3}
    assert {v: t["serverErrors"] for v, t in by_version.items()} == {"v1": 1, "v2": 1}
    assert sum(p["requests"] for p in by_version["v1"]["series"]) == 2
    assert len(by_version["v1"]["series"]) == 30 * 24
    assert result["serviceVersion"]["traffic"] == {"requests": 6, "serverErrors": 2}


# --- Batching: a page of applications costs a fixed number of statements ------------------

PAGE = """
query($first: Int!) {
  applications(first: $first) { edges { node { name traffic(window: LAST_30_DAYS) { requests } } } }
}
"""


async def _run_page(settings: Settings, first: int) -> tuple[dict[str, Any], list[str]]:
    schema = build_schema(settings)
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/graphql"})
    context = Context(request=request, response=None, settings=settings, viewer=Viewer(Role.ADMIN))
    with counting_statements() as log:
        result = await schema.execute(PAGE, variable_values={"first": first}, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, log.statements


async def test_page_of_applications_with_traffic_costs_the_same_statements_for_5_and_50(
    factory: Factory, db: Settings
) -> None:
    developer = await factory.developer()
    await factory.version(gateway_service_name="orders")
    start = now_ms() - 3 * 24 * HOUR_MS
    entries = []
    for i in range(50):
        await factory.application(developer, name=f"App {i:02d}", reference_id=f"app-{i:02d}")
        entries += [
            kong_entry(start + j, consumer=f"app-{i:02d}", service="orders") for j in range(i % 4)
        ]
    await traffic(entries)

    small, small_statements = await _run_page(db, 5)
    large, large_statements = await _run_page(db, 50)

    assert len(small_statements) == len(large_statements)
    assert sum("traffic_" in s for s in large_statements) == 1
    edges = large["applications"]["edges"]
    assert len(edges) == 50
    requests = {e["node"]["name"]: e["node"]["traffic"]["requests"] for e in edges}
    assert requests == {f"App {i:02d}": i % 4 for i in range(50)}
    assert len(small["applications"]["edges"]) == 5


# --- Bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        'from: "2024-09-20T00:00:00Z", to: "2024-09-19T00:00:00Z"',
        'from: "2024-09-19T00:00:00Z"',
        'to: "2024-09-19T00:00:00Z"',
        'from: "2023-01-01T00:00:00Z", to: "2024-09-19T00:00:00Z"',
        'from: "2024-09-19T00:00:00", to: "2024-09-20T00:00:00Z"',
        'window: LAST_7_DAYS, from: "2024-09-19T00:00:00Z", to: "2024-09-20T00:00:00Z"',
    ],
    ids=["to-before-from", "only-from", "only-to", "over-400-days", "naive", "window-and-range"],
)
async def test_bad_traffic_window_is_a_validation_error(
    admin: GraphQLClient, factory: Factory, arguments: str
) -> None:
    application = await factory.application()

    body = await admin(
        f"query($id: ID!) {{ application(id: $id) {{ traffic({arguments}) {{ requests }} }} }}",
        id=gid(application),
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "America", "../../etc/passwd", "x" * 300])
async def test_unknown_series_time_zone_is_a_validation_error(
    admin: GraphQLClient, factory: Factory, zone: str
) -> None:
    application = await factory.application()

    body = await admin(
        """query($id: ID!, $zone: String!) { application(id: $id) {
             traffic { series(timeZone: $zone) { requests } } } }""",
        id=gid(application),
        zone=zone,
    )

    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "timeZone"}


SERIES = """
query($id: ID!, $from: DateTime!, $to: DateTime!, $step: TrafficGranularity!, $zone: String!) {
  application(id: $id) {
    traffic(from: $from, to: $to) { series(granularity: $step, timeZone: $zone) { start } }
  }
}
"""


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", "0001-01-02T23:59:59Z"),
    ],
    ids=["year-9999", "year-1"],
)
async def test_traffic_window_at_the_ends_of_the_calendar_is_a_validation_error(
    admin: GraphQLClient, factory: Factory, start: str, end: str
) -> None:
    application = await factory.application()

    body = await admin(
        SERIES, id=gid(application), to=end, step="HOUR", zone="UTC", **{"from": start}
    )

    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "between 0001-01-02 and 9999-12-30" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("start", "end", "zone"),
    [
        ("9999-12-29T00:00:00Z", "9999-12-30T00:00:00Z", "Pacific/Kiritimati"),
        ("0001-01-02T00:00:00Z", "0001-01-03T00:00:00Z", "Etc/GMT+12"),
    ],
    ids=["last-day-east", "first-day-west"],
)
async def test_series_of_a_window_just_inside_the_calendar_has_its_points_in_any_zone(
    admin: GraphQLClient, factory: Factory, start: str, end: str, zone: str
) -> None:
    application = await factory.application()

    body = await admin(
        SERIES, id=gid(application), to=end, step="HOUR", zone=zone, **{"from": start}
    )

    assert len(data(body)["application"]["traffic"]["series"]) == 24


@pytest.mark.parametrize("zone", ["", "localtime", "Factory", "posixrules", "posix/Europe/Berlin"])
async def test_series_time_zone_that_is_no_iana_zone_name_is_a_validation_error(
    admin: GraphQLClient, factory: Factory, zone: str
) -> None:
    application = await factory.application()

    body = await admin(
        """query($id: ID!, $zone: String!) { application(id: $id) {
             traffic { series(timeZone: $zone) { requests } } } }""",
        id=gid(application),
        zone=zone,
    )

    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "timeZone"}


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "Europe/Berlin", "US/Eastern"])
async def test_series_accepts_iana_zone_names_and_their_links(
    admin: GraphQLClient, factory: Factory, zone: str
) -> None:
    application = await factory.application()

    body = await admin(
        """query($id: ID!, $zone: String!) { application(id: $id) {
             traffic(window: LAST_7_DAYS) { series(timeZone: $zone) { requests } } } }""",
        id=gid(application),
        zone=zone,
    )

    assert len(data(body)["application"]["traffic"]["series"]) in (7, 8)


# --- The size of a series ------------------------------------------------------------------


async def test_hourly_series_over_2200_points_is_a_validation_error_suggesting_days(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()

    body = await admin(
        SERIES,
        id=gid(application),
        to="2025-02-01T00:00:00Z",
        step="HOUR",
        zone="UTC",
        **{"from": "2024-01-01T00:00:00Z"},
    )

    error = body["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION", "field": "granularity"}
    assert "DAY granularity or a shorter window" in error["message"]


async def test_hourly_series_of_90_days_is_allowed(admin: GraphQLClient, factory: Factory) -> None:
    application = await factory.application()

    body = await admin(
        """query($id: ID!) { application(id: $id) {
             traffic(window: LAST_90_DAYS) { series(granularity: HOUR) { requests } } } }""",
        id=gid(application),
    )

    assert len(data(body)["application"]["traffic"]["series"]) == 90 * 24


async def test_daily_series_of_400_days_is_allowed(admin: GraphQLClient, factory: Factory) -> None:
    application = await factory.application()

    body = await admin(
        SERIES,
        id=gid(application),
        to="2024-02-05T00:00:00Z",
        step="DAY",
        zone="UTC",
        **{"from": "2023-01-01T00:00:00Z"},
    )

    assert len(data(body)["application"]["traffic"]["series"]) == 400


# --- Unattributed traffic ------------------------------------------------------------------

UNATTRIBUTED = """
query($window: TrafficWindow, $first: Int) {
  unattributedTraffic(window: $window, first: $first) {
    reason consumer service requests lastRequestAt
  }
}
"""


async def test_unattributed_traffic_lists_unmatched_requests_most_first(
    admin: GraphQLClient, factory: Factory
) -> None:
    await factory.application(reference_id="app-a")
    await factory.version(gateway_service_name="orders")
    start = now_ms() - 2 * HOUR_MS
    await traffic(
        [
            kong_entry(start, consumer="app-a", service="orders"),
            *(kong_entry(start + i, consumer="nobody", service="orders") for i in range(3)),
            kong_entry(start, service="orders"),
            kong_entry(start, consumer="app-a", service="billing"),
        ]
    )

    body = await admin(UNATTRIBUTED, window="LAST_7_DAYS")

    rows = data(body)["unattributedTraffic"]
    assert [(r["reason"], r["consumer"], r["service"], r["requests"]) for r in rows] == [
        ("unknown_consumer", "nobody", "orders", 3),
        ("anonymous", "", "orders", 1),
        ("unknown_service", "app-a", "billing", 1),
    ]
    assert datetime.fromisoformat(rows[0]["lastRequestAt"]) == datetime.fromtimestamp(
        (start + 2) / 1000, UTC
    )


async def test_unattributed_traffic_counts_only_requests_inside_the_window(
    admin: GraphQLClient,
) -> None:
    recent = now_ms() - 2 * HOUR_MS
    await traffic([kong_entry(recent, consumer="nobody"), kong_entry(recent - 3 * 24 * HOUR_MS)])

    body = await admin(UNATTRIBUTED, window="LAST_24_HOURS")

    assert [r["consumer"] for r in data(body)["unattributedTraffic"]] == ["nobody"]


async def test_unattributed_traffic_first_limits_the_rows(admin: GraphQLClient) -> None:
    start = now_ms() - 2 * HOUR_MS
    await traffic([kong_entry(start, consumer=f"nobody-{i}") for i in range(5)])

    body = await admin(UNATTRIBUTED, first=2)

    assert len(data(body)["unattributedTraffic"]) == 2


@pytest.mark.parametrize("first", [-1, 1_001])
async def test_unattributed_traffic_first_out_of_bounds_is_a_validation_error(
    admin: GraphQLClient, first: int
) -> None:
    body = await admin(UNATTRIBUTED, first=first)

    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "first"}


async def test_unattributed_traffic_is_forbidden_to_a_developer(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    await traffic([kong_entry(now_ms() - HOUR_MS, consumer="nobody")])
    as_developer = admin.as_token(await factory.token("developer", developer))

    body = await as_developer(UNATTRIBUTED)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- Demo traffic --------------------------------------------------------------------------


async def test_demo_traffic_reaches_every_approved_application_and_stops_at_revocation(
    db: Settings,
) -> None:
    await load_demo()
    now = datetime.now(UTC)

    report = await load_demo_traffic(now, rate=0.1)

    assert report.entries == report.attributed > 0
    connections = await ServiceConnection.all()
    approved_apps = sorted({c.application_id for c in connections if c.status == "approved"})
    found = await summarize(
        GroupBy.APPLICATION, approved_apps, window_for(TrafficWindow.LAST_90_DAYS, now=now)
    )
    assert sorted(key[0] for key, totals in found.items() if totals.requests) == approved_apps
    last_ms: dict[tuple[int, int], int] = {}
    for row in await TrafficHourly.all().values(
        "application_id", "service_version_id", "last_request_ms"
    ):
        pair = (row["application_id"], row["service_version_id"])
        last_ms[pair] = max(last_ms.get(pair, 0), row["last_request_ms"])
    revoked = [c for c in connections if c.status == "revoked"]
    assert min(connection.status_changed_at for connection in revoked) < now - timedelta(days=1)
    late = [
        c.id
        for c in revoked
        if last_ms.get((c.application_id, c.service_version_id), 0)
        >= c.status_changed_at.timestamp() * 1000
    ]
    assert late == []
