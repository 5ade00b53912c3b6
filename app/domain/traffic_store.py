"""Writing rollups: one additive upsert per table, in one transaction per batch.

Every counter is added in SQL (`col = col + excluded.col`; maxima with MAX/GREATEST), so
concurrent batches and batches in any order give the same rows, with no read-modify-write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.ingest.rollup import Rollup
from app.models import HISTOGRAM_COLUMNS, Credential

COUNTER_COLUMNS = (
    "requests",
    "status_1xx",
    "status_2xx",
    "status_3xx",
    "status_4xx",
    "status_5xx",
    "latency_sum",
    "latency_max",
    "upstream_latency_sum",
    "upstream_latency_count",
    "last_request_ms",
    *HISTOGRAM_COLUMNS,
)
MAXIMA_COLUMNS = {"latency_max", "last_request_ms"}
FLOAT_COLUMNS = frozenset({"latency_sum", "latency_max", "upstream_latency_sum"})
"""The counters that are not integers (milliseconds summed as floats)."""


def is_postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


def placeholders(connection: BaseDBAsyncClient, count: int, start: int = 1) -> str:
    if is_postgres(connection):
        return ", ".join(f"${i}" for i in range(start, start + count))
    return ", ".join("?" * count)


def _upsert_sql(connection: BaseDBAsyncClient, table: str, period: str) -> str:
    columns = ("application_id", "service_version_id", period, *COUNTER_COLUMNS)
    greatest = "GREATEST" if is_postgres(connection) else "MAX"
    updates = ", ".join(
        f"{c} = {greatest}({table}.{c}, excluded.{c})"
        if c in MAXIMA_COLUMNS
        else f"{c} = {table}.{c} + excluded.{c}"
        for c in COUNTER_COLUMNS
    )
    values = placeholders(connection, len(columns))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
        f"ON CONFLICT (application_id, service_version_id, {period}) DO UPDATE SET {updates}"
    )


def _unattributed_sql(connection: BaseDBAsyncClient) -> str:
    greatest = "GREATEST" if is_postgres(connection) else "MAX"
    return (
        "INSERT INTO traffic_unattributed (reason, consumer, service, hour, requests, "
        f"last_request_ms) VALUES ({placeholders(connection, 6)}) "
        "ON CONFLICT (reason, consumer, service, hour) DO UPDATE SET "
        "requests = traffic_unattributed.requests + excluded.requests, "
        f"last_request_ms = {greatest}(traffic_unattributed.last_request_ms, "
        "excluded.last_request_ms)"
    )


def _rows(rows: dict[tuple[int, int, int], list[float]]) -> list[list[Any]]:
    """Counter rows as statement parameters: the key, then the counters in column order.

    Sorted by key: concurrent batches then lock the rows they share in the same order, and
    PostgreSQL never has to break a deadlock between two of them.
    """
    return [[*key, *row] for key, row in sorted(rows.items())]


# From this many hourly rows on, PostgreSQL gets the batch by COPY into a temporary table and
# merges it with one statement per rollup: far cheaper than a prepared upsert per row.
COPY_THRESHOLD = 2_000
_STAGE = "traffic_stage"
_KEY = ("application_id", "service_version_id", "hour")


def _merge_sql(table: str, period: str, expression: str) -> str:
    """Add the staged rows into `table`, grouped by `expression` (the hour, or hour / 24),
    in key order so that concurrent batches lock rows in the same order."""
    sums = ", ".join(f"MAX({c})" if c in MAXIMA_COLUMNS else f"SUM({c})" for c in COUNTER_COLUMNS)
    updates = ", ".join(
        f"{c} = GREATEST({table}.{c}, excluded.{c})"
        if c in MAXIMA_COLUMNS
        else f"{c} = {table}.{c} + excluded.{c}"
        for c in COUNTER_COLUMNS
    )
    columns = ", ".join(("application_id", "service_version_id", period, *COUNTER_COLUMNS))
    group = f"application_id, service_version_id, {expression}"
    return (
        f"INSERT INTO {table} ({columns}) SELECT {group}, {sums} FROM {_STAGE} "
        f"GROUP BY {group} ORDER BY {group} "
        f"ON CONFLICT (application_id, service_version_id, {period}) DO UPDATE SET {updates}"
    )


async def _copy_and_merge(connection: BaseDBAsyncClient, rows: list[list[Any]]) -> None:
    raw = connection._connection  # the asyncpg connection of this transaction
    columns = ", ".join(
        f"{c} {'DOUBLE PRECISION' if c in FLOAT_COLUMNS else 'BIGINT'}"
        for c in (*_KEY, *COUNTER_COLUMNS)
    )
    await raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ({columns}) ON COMMIT DELETE ROWS")
    await raw.copy_records_to_table(
        _STAGE, records=[tuple(row) for row in rows], columns=[*_KEY, *COUNTER_COLUMNS]
    )
    await raw.execute(_merge_sql("traffic_hourly", "hour", "hour"))
    await raw.execute(_merge_sql("traffic_daily", "day", "hour / 24"))


async def write_rollup(rollup: Rollup) -> None:
    """Add a batch's counters to the hourly, daily and unattributed rollups, atomically."""
    if not rollup.hourly and not rollup.unattributed:
        return
    async with in_transaction() as connection:
        if rollup.hourly and is_postgres(connection) and len(rollup.hourly) >= COPY_THRESHOLD:
            await _copy_and_merge(connection, _rows(rollup.hourly))
        elif rollup.hourly:
            await connection.execute_many(
                _upsert_sql(connection, "traffic_hourly", "hour"), _rows(rollup.hourly)
            )
            await connection.execute_many(
                _upsert_sql(connection, "traffic_daily", "day"), _rows(rollup.daily())
            )
        if rollup.unattributed:
            await connection.execute_many(
                _unattributed_sql(connection),
                [
                    [*key, counts[0], counts[1]]
                    for key, counts in sorted(rollup.unattributed.items())
                ],
            )
        for credential_id, ms in sorted(rollup.credential_last_ms.items()):
            moment = datetime.fromtimestamp(ms / 1000, UTC)
            # Only ever moves forward: a batch of older entries must not turn it back.
            await (
                Credential.filter(id=credential_id)
                .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=moment))
                .using_db(connection)
                .update(last_used_at=moment)
            )
