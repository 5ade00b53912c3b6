"""Traffic summaries over a window, from rollup rows only (never from raw entries).

A window is cut into whole UTC days, read from the daily rollup, and the hours at its two
edges, read from the hourly one; so 90 days cost at most 90 + 46 rows per object, and a
page of objects is summarised in one statement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tortoise.connection import get_connection

from app.domain.errors import Forbidden, ValidationFailed
from app.domain.traffic_math import NUM_BUCKETS, percentile
from app.domain.traffic_store import COUNTER_COLUMNS, FLOAT_COLUMNS, MAXIMA_COLUMNS, placeholders
from app.domain.viewer import Viewer
from app.models import HISTOGRAM_COLUMNS

MS_PER_HOUR = 3_600_000


class TrafficWindow(StrEnum):
    LAST_24_HOURS = "last_24_hours"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    LAST_90_DAYS = "last_90_days"


_SPANS = {
    TrafficWindow.LAST_24_HOURS: timedelta(hours=24),
    TrafficWindow.LAST_7_DAYS: timedelta(days=7),
    TrafficWindow.LAST_30_DAYS: timedelta(days=30),
    TrafficWindow.LAST_90_DAYS: timedelta(days=90),
}
MAX_SPAN = timedelta(days=400)
# Explicit windows stay a day inside datetime's range (years 1 to 9999): rounding `to` up to
# the hour and placing a bucket in a zone up to 14 hours away must still give a datetime.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
MAX_SERIES_POINTS = 2_200
"""Points of one series at most: 90 days by the hour are 2,160. Without a bound, a page of
services with 13 months of hourly series each answered 24 MB in 13 s."""


@dataclass(frozen=True, slots=True)
class Window:
    """Hours [start_hour, end_hour) since the epoch; rollups are hourly, so windows are too."""

    start_hour: int
    end_hour: int

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_hour * 3600, UTC)

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.end_hour * 3600, UTC)

    def parts(self) -> tuple[tuple[int, int], list[tuple[int, int]]]:
        """(whole days [d0, d1), hour ranges at the edges)."""
        first_day = -(-self.start_hour // 24)
        last_day = self.end_hour // 24
        if first_day >= last_day:
            return (0, 0), [(self.start_hour, self.end_hour)]
        return (first_day, last_day), [
            (self.start_hour, first_day * 24),
            (last_day * 24, self.end_hour),
        ]


def _aware(moment: datetime, field: str) -> datetime:
    # A naive time would be read in the server's local zone: refuse it instead of guessing.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(
            f"`{field}` needs a UTC offset, e.g. 2024-09-19T00:00:00Z.", field=field
        )
    return moment


def _hour(moment: datetime) -> int:
    return math.floor(moment.timestamp() / 3600)


def window_for(
    kind: TrafficWindow | None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    now: datetime | None = None,
) -> Window:
    """A named window ending with the current hour, or an explicit [from, to) range widened
    to whole hours (from rounded down, to rounded up)."""
    if start is not None or end is not None:
        if kind is not None:
            raise ValidationFailed("Give a window, or `from` and `to`, not both.", field="window")
        if start is None or end is None:
            field = "to" if end is None else "from"
            raise ValidationFailed("Give both `from` and `to`, or a window.", field=field)
        start = _aware(start, "from")
        end = _aware(end, "to")
        for moment, name in ((start, "from"), (end, "to")):
            if not EARLIEST <= moment <= LATEST:
                raise ValidationFailed(
                    f"`{name}` must lie between {EARLIEST.date()} and {LATEST.date()} (UTC).",
                    field=name,
                )
        if end <= start:
            raise ValidationFailed("`to` must be after `from`.", field="to")
        if end - start > MAX_SPAN:
            raise ValidationFailed("A traffic window spans at most 400 days.", field="to")
        return Window(_hour(start), math.ceil(end.timestamp() / 3600))
    now = _aware(now, "now") if now is not None else datetime.now(UTC)
    span = _SPANS[kind or TrafficWindow.LAST_30_DAYS]
    end_hour = _hour(now) + 1
    return Window(end_hour - int(span.total_seconds() // 3600), end_hour)


@dataclass
class TrafficTotals:
    """Summed counters of some rollup rows."""

    requests: int = 0
    status_1xx: int = 0
    status_2xx: int = 0
    status_3xx: int = 0
    status_4xx: int = 0
    status_5xx: int = 0
    latency_sum: float = 0.0
    latency_max: float = 0.0
    upstream_latency_sum: float = 0.0
    upstream_latency_count: int = 0
    last_request_ms: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * NUM_BUCKETS)

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> TrafficTotals:
        head = [v or 0 for v in values[:11]]
        return cls(
            requests=int(head[0]),
            status_1xx=int(head[1]),
            status_2xx=int(head[2]),
            status_3xx=int(head[3]),
            status_4xx=int(head[4]),
            status_5xx=int(head[5]),
            latency_sum=float(head[6]),
            latency_max=float(head[7]),
            upstream_latency_sum=float(head[8]),
            upstream_latency_count=int(head[9]),
            last_request_ms=int(head[10]),
            histogram=[int(v or 0) for v in values[11 : 11 + NUM_BUCKETS]],
        )

    @property
    def errors(self) -> int:
        return self.status_4xx + self.status_5xx

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def latency_avg(self) -> float | None:
        return self.latency_sum / self.requests if self.requests else None

    @property
    def upstream_latency_avg(self) -> float | None:
        if not self.upstream_latency_count:
            return None
        return self.upstream_latency_sum / self.upstream_latency_count

    def latency_percentile(self, q: float) -> float | None:
        return percentile(self.histogram, q, max_ms=self.latency_max if self.requests else None)

    @property
    def last_request_at(self) -> datetime | None:
        if not self.last_request_ms:
            return None
        return datetime.fromtimestamp(self.last_request_ms / 1000, UTC)


def _aggregate(column: str) -> str:
    if column in MAXIMA_COLUMNS:
        return f"MAX({column})"
    if column in FLOAT_COLUMNS:
        return f"SUM({column})"
    # PostgreSQL sums bigints as numeric, which asyncpg decodes into Decimals: for a page's
    # 50 summaries that is 1,850 Decimals, more than half of the statement's client CPU.
    return f"CAST(SUM({column}) AS BIGINT)"


# Every aggregate needs its own name: PostgreSQL calls them all "sum" / "max", and rows are
# read as dicts, where repeated names would collapse into one value.
_AGGREGATES = ", ".join(f"{_aggregate(c)} AS {c}" for c in COUNTER_COLUMNS)


class GroupBy(StrEnum):
    APPLICATION = "application_id"
    SERVICE_VERSION = "service_version_id"
    CONNECTION = "application_id, service_version_id"


async def summarize(
    group: GroupBy,
    ids: Sequence[int],
    window: Window,
    *,
    versions: Sequence[int] = (),
    developer_id: int | None = None,
) -> dict[tuple[int, ...], TrafficTotals]:
    """Totals per object (application, version, or application+version) in one statement;
    with `developer_id`, of that developer's applications only (see `owner_filter`)."""
    if not ids:
        return {}
    connection = get_connection("default")
    days, edges = window.parts()
    column = "service_version_id" if group is GroupBy.SERVICE_VERSION else "application_id"
    columns = ", ".join((group.value, *COUNTER_COLUMNS))
    params: list[Any] = []

    def marks(values: Sequence[int]) -> str:
        text = placeholders(connection, len(values), start=len(params) + 1)
        params.extend(values)
        return text

    def key_filter() -> str:
        # Bound again for each part that uses it: a part that is left out binds nothing.
        text = f"{column} IN ({marks(ids)})"
        if group is GroupBy.CONNECTION and versions:
            text += f" AND service_version_id IN ({marks(versions)})"
        if developer_id is not None:
            text += f" AND {owner_filter(marks([developer_id]))}"
        return text

    parts = []
    if days != (0, 0):
        parts.append(
            f"SELECT {columns} FROM traffic_daily WHERE {key_filter()} "
            f"AND day >= {marks([days[0]])} AND day < {marks([days[1]])}"
        )
    edges = [(lo, hi) for lo, hi in edges if hi > lo]
    if edges:
        where = key_filter()
        ranges = " OR ".join(
            f"(hour >= {marks([lo])} AND hour < {marks([hi])})" for lo, hi in edges
        )
        parts.append(f"SELECT {columns} FROM traffic_hourly WHERE {where} AND ({ranges})")
    if not parts:
        return {}
    sql = (
        f"SELECT {group.value}, {_AGGREGATES} FROM ({' UNION ALL '.join(parts)}) AS t "
        f"GROUP BY {group.value}"
    )
    rows = await connection.execute_query_dict(sql, params)
    width = 2 if group is GroupBy.CONNECTION else 1
    result: dict[tuple[int, ...], TrafficTotals] = {}
    for row in rows:
        values = list(row.values())
        result[tuple(int(v) for v in values[:width])] = TrafficTotals.from_values(values[width:])
    return result


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    start: datetime
    totals: TrafficTotals


# Files of the tz database that are no zone a person lives in: "localtime" is whatever the
# server is set to, "Factory" a placeholder, "posixrules" a template for POSIX TZ strings.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names a series may use (read from disk once per process)."""
    return frozenset(available_timezones() - _NOT_ZONES | {"UTC"})


def time_zone(name: str | None) -> ZoneInfo:
    """The zone of an IANA name; None means UTC. Only names of the tz database are taken:
    ZoneInfo also opens any file under the zoneinfo directory ("localtime", "posixrules",
    "posix/Europe/Berlin"), which is no zone name and may depend on the server's setup."""
    if name is None:
        return ZoneInfo("UTC")
    if name not in zone_names():
        shown = name if len(name) <= 60 else f"{name[:60]}…"
        raise ValidationFailed(
            f"{shown!r} is not an IANA time zone name (e.g. UTC, Europe/Berlin).",
            field="timeZone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # listed, yet gone since
        raise ValidationFailed(f"{name!r} is not an IANA time zone.", field="timeZone") from None


def owner_filter(mark: str) -> str:
    """Rollup rows of one developer's applications: a service version's traffic as that
    developer may see it (other developers' requests are theirs, not the catalogue's)."""
    return f"application_id IN (SELECT id FROM application WHERE developer_id = {mark})"


async def series(
    group: GroupBy,
    key: tuple[int, ...],
    window: Window,
    granularity: Granularity,
    zone_name: str | None = None,
    *,
    developer_id: int | None = None,
) -> list[SeriesPoint]:
    """Points by hour, or by calendar day in a time zone, from the hourly rollup; every bucket
    of the window appears, empty ones with zero counts. `developer_id` as in `summarize`.

    An hourly series is bounded (MAX_SERIES_POINTS): its size grows with the window, and one
    document may ask for a series of every version of a page of services."""
    zone = time_zone(zone_name)
    hours = window.end_hour - window.start_hour
    if granularity is Granularity.HOUR and hours > MAX_SERIES_POINTS:
        raise ValidationFailed(
            f"An hourly series of this window has {hours:,} points; at most "
            f"{MAX_SERIES_POINTS:,} are allowed (90 days). Use DAY granularity or a shorter "
            "window.",
            field="granularity",
        )
    connection = get_connection("default")
    column_list = ", ".join(("hour", *COUNTER_COLUMNS))
    names = group.value.split(", ")
    params: list[Any] = [*key, window.start_hour, window.end_hour]
    where = " AND ".join(
        f"{name} = {placeholders(connection, 1, start=i + 1)}" for i, name in enumerate(names)
    )
    n = len(names)
    owner = ""
    if developer_id is not None:  # last in the text as in `params`: SQLite's marks are "?"
        params.append(developer_id)
        owner = f" AND {owner_filter(placeholders(connection, 1, start=n + 3))}"
    sql = (
        f"SELECT {column_list} FROM traffic_hourly WHERE {where} "
        f"AND hour >= {placeholders(connection, 1, start=n + 1)} "
        f"AND hour < {placeholders(connection, 1, start=n + 2)}{owner} ORDER BY hour"
    )
    rows = await connection.execute_query_dict(sql, params)
    buckets: dict[datetime, TrafficTotals] = {}
    for hour in range(window.start_hour, window.end_hour):
        buckets.setdefault(_bucket(hour, granularity, zone), TrafficTotals())
    for row in rows:
        values = list(row.values())
        start = _bucket(int(values[0]), granularity, zone)
        _add(buckets.setdefault(start, TrafficTotals()), TrafficTotals.from_values(values[1:]))
    return [SeriesPoint(start, totals) for start, totals in sorted(buckets.items())]


def _bucket(hour: int, granularity: Granularity, zone: ZoneInfo) -> datetime:
    moment = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone)
    if granularity is Granularity.HOUR:
        return moment
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _add(into: TrafficTotals, other: TrafficTotals) -> None:
    for name in (
        "requests", "status_1xx", "status_2xx", "status_3xx", "status_4xx", "status_5xx",
        "latency_sum", "upstream_latency_sum", "upstream_latency_count",
    ):  # fmt: skip
        setattr(into, name, getattr(into, name) + getattr(other, name))
    into.latency_max = max(into.latency_max, other.latency_max)
    into.last_request_ms = max(into.last_request_ms, other.last_request_ms)
    into.histogram = [a + b for a, b in zip(into.histogram, other.histogram, strict=True)]


__all__ = ["HISTOGRAM_COLUMNS", "GroupBy", "TrafficTotals", "TrafficWindow", "Window"]


@dataclass(frozen=True, slots=True)
class UnattributedSummary:
    """Requests that matched no application or version, by reason, consumer and service."""

    reason: str
    consumer: str
    service: str
    requests: int
    last_request_ms: int


async def unattributed(window: Window, limit: int = 100) -> list[UnattributedSummary]:
    """The most frequent unmatched (reason, consumer, service) triples in the window."""
    connection = get_connection("default")
    marks = placeholders(connection, 3)
    first, second, third = marks.split(", ")
    rows = await connection.execute_query_dict(
        "SELECT reason, consumer, service, SUM(requests) AS requests, "
        "MAX(last_request_ms) AS last_request_ms FROM traffic_unattributed "
        f"WHERE hour >= {first} AND hour < {second} GROUP BY reason, consumer, service "
        f"ORDER BY SUM(requests) DESC, reason, consumer, service LIMIT {third}",
        [window.start_hour, window.end_hour, limit],
    )
    return [
        UnattributedSummary(
            reason=str(row["reason"]),
            consumer=str(row["consumer"]),
            service=str(row["service"]),
            requests=int(row["requests"]),
            last_request_ms=int(row["last_request_ms"]),
        )
        for row in rows
    ]


MAX_UNATTRIBUTED_ROWS = 1_000


async def unattributed_for(
    viewer: Viewer,
    kind: TrafficWindow | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    *,
    now: datetime | None = None,
) -> list[UnattributedSummary]:
    """`unattributed` as a viewer may read it, in a window as `window_for` reads one.

    Admins and viewers only: the rows name every developer's consumers and the gateway's
    services, which no developer owns. The role is checked before the arguments, so that a
    refused caller learns nothing from them. The limit is bounded: a row per distinct
    (reason, consumer, service) is read and returned.
    """
    if not viewer.reads_everything:
        raise Forbidden("Only an admin or a viewer token may read unattributed traffic.")
    if not 0 <= limit <= MAX_UNATTRIBUTED_ROWS:
        raise ValidationFailed(
            f"`first` is {limit}; it must be between 0 and {MAX_UNATTRIBUTED_ROWS:,}.",
            field="first",
        )
    return await unattributed(window_for(kind, start, end, now=now), limit)
