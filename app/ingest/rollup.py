"""Aggregating parsed log entries into hourly rollup counters, in memory, before one upsert.

Pure Python: no database. A batch of any size becomes a handful of rows per
(application, service version, hour), and the daily rows are sums of the hourly ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import add

from app.domain.traffic_math import NUM_BUCKETS, bucket_index
from app.ingest.kong import LogEntry

MS_PER_HOUR = 3_600_000
HOURS_PER_DAY = 24

# Positions in a counter row; the histogram follows from HIST on.
REQUESTS, S1, S2, S3, S4, S5, LAT_SUM, LAT_MAX, UP_SUM, UP_COUNT, LAST_MS = range(11)
HIST = 11
ROW_WIDTH = HIST + NUM_BUCKETS

Key = tuple[int, int, int]  # application id, service version id, period (hour or day)


_EMPTY_ROW: list[float] = [0] * ROW_WIDTH
for _slot in (LAT_SUM, LAT_MAX, UP_SUM):
    _EMPTY_ROW[_slot] = 0.0  # float columns stay floats, counters stay ints (asyncpg is strict)


def new_row() -> list[float]:
    return _EMPTY_ROW.copy()


def _status_slot(status: int) -> int:
    if status < 200:
        return S1
    if status < 300:
        return S2
    if status < 400:
        return S3
    if status < 500:
        return S4
    return S5


def add_entry(row: list[float], entry: LogEntry) -> None:
    """Count one entry into a counter row (the hot path of ingestion)."""
    row[REQUESTS] += 1
    row[_status_slot(entry.status)] += 1
    latency = entry.latency_ms
    row[LAT_SUM] += latency
    if latency > row[LAT_MAX]:
        row[LAT_MAX] = latency
    upstream = entry.upstream_latency_ms
    if upstream is not None:
        row[UP_SUM] += upstream
        row[UP_COUNT] += 1
    if entry.started_at_ms > row[LAST_MS]:
        row[LAST_MS] = entry.started_at_ms
    row[HIST + bucket_index(latency)] += 1


def merge_rows(into: list[float], other: list[float]) -> None:
    """Add `other` into `into`; maxima stay maxima."""
    latency_max = max(into[LAT_MAX], other[LAT_MAX])
    last_ms = max(into[LAST_MS], other[LAST_MS])
    into[:] = map(add, into, other)
    into[LAT_MAX] = latency_max
    into[LAST_MS] = last_ms


UNATTRIBUTED_KEY_LENGTH = 200  # traffic_unattributed.consumer and .service


def _stored(key: str) -> str:
    """A consumer or service key as the unattributed rollup stores it: cut to its column's
    length, a NUL character (which PostgreSQL refuses, failing the whole batch) shown as
    U+FFFD. Log keys are not portal input; this row only has to tell an operator what came."""
    key = key[:UNATTRIBUTED_KEY_LENGTH]
    return key.replace("\x00", "\ufffd") if "\x00" in key else key


@dataclass
class Rollup:
    """The counters of one batch: hourly rows, unattributed counts, credential last use."""

    hourly: dict[Key, list[float]] = field(default_factory=dict)
    # (reason, consumer, service, hour) -> [requests, last ms]
    unattributed: dict[tuple[str, str, str, int], list[int]] = field(default_factory=dict)
    credential_last_ms: dict[int, int] = field(default_factory=dict)

    def add(self, entry: LogEntry, application_id: int, version_id: int) -> None:
        key = (application_id, version_id, entry.started_at_ms // MS_PER_HOUR)
        row = self.hourly.get(key)
        if row is None:
            row = self.hourly[key] = new_row()
        add_entry(row, entry)

    def add_unattributed(self, entry: LogEntry, reason: str, consumer: str, service: str) -> None:
        key = (reason, _stored(consumer), _stored(service), entry.started_at_ms // MS_PER_HOUR)
        counts = self.unattributed.get(key)
        if counts is None:
            self.unattributed[key] = [1, entry.started_at_ms]
        else:
            counts[0] += 1
            counts[1] = max(counts[1], entry.started_at_ms)

    def used_credential(self, credential_id: int, started_at_ms: int) -> None:
        if started_at_ms > self.credential_last_ms.get(credential_id, 0):
            self.credential_last_ms[credential_id] = started_at_ms

    def daily(self) -> dict[Key, list[float]]:
        days: dict[Key, list[float]] = {}
        for (application_id, version_id, hour), row in self.hourly.items():
            key = (application_id, version_id, hour // HOURS_PER_DAY)
            total = days.get(key)
            if total is None:
                days[key] = list(row)
            else:
                merge_rows(total, row)
        return days

    def merge(self, other: Rollup) -> None:
        for key, row in other.hourly.items():
            mine = self.hourly.get(key)
            if mine is None:
                self.hourly[key] = list(row)
            else:
                merge_rows(mine, row)
        for ukey, counts in other.unattributed.items():
            current = self.unattributed.setdefault(ukey, [0, 0])
            current[0] += counts[0]
            current[1] = max(current[1], counts[1])
        for credential_id, ms in other.credential_last_ms.items():
            self.used_credential(credential_id, ms)

    def extend(self, entries: Iterable[tuple[LogEntry, int, int]]) -> None:
        for entry, application_id, version_id in entries:
            self.add(entry, application_id, version_id)
