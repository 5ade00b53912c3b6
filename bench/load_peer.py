"""Copy the PostGraphile peer benchmark's data set (database peer_bench, schema `app`) into our
schema, on PostgreSQL or SQLite, so that both servers answer over the same rows.

    python bench/load_peer.py \
        --source postgres://peer_bench:peer_bench@127.0.0.1:5432/peer_bench \
        --target postgres://devportal:devportal@127.0.0.1:5432/devportal_bench
    python bench/load_peer.py --source ... --target sqlite:///tmp/bench.sqlite3
    python bench/load_peer.py --source ... --target ... --check   # only compare the numbers

The target is migrated with our own migrations, every table but portal_settings is emptied (API
tokens too: make them after loading), and the peer's rows are copied in one transaction, so an
error leaves the target as it was and running it again gives the same rows (a killed process,
though, can leave a SQLite file unusable: its journal is in memory during the load). Developers,
services, versions, applications and connections keep the peer's ids (application N here is
rowId N there); PostgreSQL's sequences are moved past them afterwards. After a load the check
below runs too; the exit status is 1 when it fails.

Each peer `traffic_hourly` row becomes one hourly rollup row (`hourly_row`): errors count as
5xx, the rest as 2xx; all of the hour's requests go into the histogram bucket of the hour's mean
latency; the peer knows nothing of upstream latency, so its sum and count stay 0 (no upstream
average); `last_request_ms` is the START of the hour, since the peer's newest hour is the current
one and its end would lie in the future. The daily rollup is then summed from the hourly one in
the target database (day = hour / 24, hours being positive). Streamed in chunks: by COPY on
PostgreSQL, by executemany in one transaction with bulk-load PRAGMAs on SQLite.

The check compares, for 20 applications, requests and errors over the last 30 days (720 hours,
as our `last_30_days` window) with the peer's `bench.application_traffic_30d` view, both from
our hourly rollup and from our server's own summary (daily rollup plus hourly edges).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sqlite3
import sys
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import asyncpg
from tortoise import Tortoise
from tortoise.connection import get_connection

from app.db import apply_migrations, tortoise_config
from app.domain.traffic import GroupBy, TrafficWindow, summarize, window_for
from app.domain.traffic_math import NUM_BUCKETS, bucket_index
from app.domain.traffic_store import COUNTER_COLUMNS, placeholders
from app.models import AccessStatus
from app.settings import Settings

DEFAULT_SOURCE = "postgres://peer_bench:peer_bench@127.0.0.1:5432/peer_bench"
MS_PER_HOUR = 3_600_000
CHUNK_ROWS = 50_000
HOURLY_COLUMNS = ("application_id", "service_version_id", "hour", *COUNTER_COLUMNS)
# Every table of ours but portal_settings, children first.
EMPTIED = (
    "traffic_hourly",
    "traffic_daily",
    "traffic_unattributed",
    "connection_event",
    "developer_event",
    "service_connection",
    "credential",
    "api_token",
    "application",
    "service_version",
    "service",
    "developer",
)
KEPT_IDS = ("developer", "service", "service_version", "application", "service_connection")
Row = tuple[Any, ...]


def hourly_row(peer: Sequence[Any]) -> Row:
    """Our hourly rollup row (HOURLY_COLUMNS) of a peer row (application_id,
    service_version_id, epoch hour, requests, errors, latency_ms_sum, latency_ms_max)."""
    application_id, service_version_id, hour, requests, errors, latency_sum, latency_max = peer
    histogram = [0] * NUM_BUCKETS
    if requests > 0:
        histogram[bucket_index(latency_sum / requests)] = requests
    return (
        application_id,
        service_version_id,
        hour,
        requests,
        0,  # 1xx
        requests - errors,  # 2xx
        0,  # 3xx
        0,  # 4xx
        errors,  # 5xx
        float(latency_sum),
        float(latency_max),
        0.0,  # upstream latency sum
        0,  # upstream latency count
        hour * MS_PER_HOUR,
        *histogram,
    )


@dataclass(frozen=True)
class Copy:
    """One target table filled from one peer query, row by row through `row`."""

    table: str
    column_names: str  # space-separated
    query: str
    row: Callable[[Sequence[Any]], Row]

    @property
    def columns(self) -> list[str]:
        return self.column_names.split()


COPIES = (
    Copy(
        "developer",
        "id name email name_folded email_folded status created_at updated_at",
        "SELECT id, name, email, created_at FROM app.developers ORDER BY id",
        lambda r: (r[0], r[1], r[2], r[1].casefold(), r[2].casefold(), "approved", r[3], r[3]),
    ),
    Copy(
        "service",
        "id name description created_at updated_at",
        "SELECT id, name, description, created_at FROM app.services ORDER BY id",
        lambda r: (r[0], r[1], r[2] or "", r[3], r[3]),
    ),
    Copy(
        "service_version",
        "id service_id version created_at updated_at",
        "SELECT id, service_id, version, created_at FROM app.service_versions ORDER BY id",
        lambda r: (r[0], r[1], r[2], r[3], r[3]),
    ),
    Copy(
        "application",
        "id developer_id name name_folded description reference_id created_at updated_at",
        "SELECT id, developer_id, name, description, created_at, updated_at "
        "FROM app.applications ORDER BY id",
        lambda r: (r[0], r[1], r[2], r[2].casefold(), r[3] or "", f"peer-app-{r[0]}", r[4], r[5]),
    ),
    Copy(
        "service_connection",
        "id application_id service_version_id status created_at updated_at status_changed_at",
        "SELECT id, application_id, service_version_id, status::text, created_at, updated_at "
        "FROM app.connections ORDER BY id",
        lambda r: (r[0], r[1], r[2], AccessStatus(r[3]).value, r[4], r[5], r[5]),
    ),
    Copy(
        "traffic_hourly",
        " ".join(HOURLY_COLUMNS),
        # Key order: ids and index pages are then written in order on both targets.
        "SELECT application_id, service_version_id, floor(extract(epoch FROM hour) / 3600)::int, "
        "requests, errors, latency_ms_sum, latency_ms_max FROM app.traffic_hourly "
        "ORDER BY application_id, service_version_id, hour",
        hourly_row,
    ),
)


def daily_rollup_sql() -> str:
    """The daily rollup summed from the hourly one, in key order (same ids on every run)."""
    key = "application_id, service_version_id, hour / 24"
    sums = ", ".join(
        f"MAX({c})" if c in ("latency_max", "last_request_ms") else f"SUM({c})"
        for c in COUNTER_COLUMNS
    )
    columns = ", ".join(("application_id", "service_version_id", "day", *COUNTER_COLUMNS))
    return (
        f"INSERT INTO traffic_daily ({columns}) SELECT {key}, {sums} FROM traffic_hourly "
        f"GROUP BY {key} ORDER BY {key}"
    )


class Target(Protocol):
    async def begin(self) -> None: ...
    async def write(self, copy: Copy, rows: list[Row]) -> None: ...
    async def finish(self) -> None: ...
    async def count(self, table: str) -> int: ...
    async def close(self) -> None: ...


class PostgresTarget:
    """Writes by COPY, all in one transaction. The rollups' foreign keys are dropped for the
    copy and added back after it: one check of all rows instead of two lookups per row (which
    took longer than the COPY itself). VACUUM (ANALYZE) at the end, so that neither autovacuum
    nor hint-bit writes land in the middle of a benchmark run."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.transaction = connection.transaction()
        self.foreign_keys: list[Any] = []

    async def begin(self) -> None:
        await self.transaction.start()
        await self.connection.execute(f"TRUNCATE {', '.join(EMPTIED)} RESTART IDENTITY")
        self.foreign_keys = await self.connection.fetch(
            "SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name, "
            "pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY($1::regclass[])",
            ["traffic_hourly", "traffic_daily"],
        )
        for key in self.foreign_keys:
            await self.connection.execute(f"ALTER TABLE {key['tbl']} DROP CONSTRAINT {key['name']}")

    async def write(self, copy: Copy, rows: list[Row]) -> None:
        await self.connection.copy_records_to_table(copy.table, records=rows, columns=copy.columns)

    async def finish(self) -> None:
        await self.connection.execute(daily_rollup_sql())
        for key in self.foreign_keys:
            await self.connection.execute(
                f"ALTER TABLE {key['tbl']} ADD CONSTRAINT {key['name']} {key['definition']}"
            )
        for table in KEPT_IDS:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )
        await self.transaction.commit()
        await self.connection.execute(f"VACUUM (ANALYZE) {', '.join(EMPTIED)}")

    async def count(self, table: str) -> int:
        return int(await self.connection.fetchval(f"SELECT COUNT(*) FROM {table}"))

    async def close(self) -> None:
        await self.connection.close()


class SqliteTarget:
    """Writes by executemany in one transaction, with the journal in memory, no fsync and no
    per-row foreign key checks (the peer's rows are consistent); WAL is back on afterwards."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)

    async def begin(self) -> None:
        for pragma in (
            "foreign_keys = OFF",
            "journal_mode = MEMORY",
            "synchronous = OFF",
            "temp_store = MEMORY",
            "cache_size = -1000000",  # about 1 GB: the version index is written out of order
        ):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("BEGIN")
        for table in EMPTIED:
            self.db.execute(f"DELETE FROM {table}")
        names = ", ".join(f"'{table}'" for table in EMPTIED)
        self.db.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")

    async def write(self, copy: Copy, rows: list[Row]) -> None:
        if copy.table != "traffic_hourly":  # datetimes as Tortoise stores them
            rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
        marks = ", ".join("?" * len(copy.columns))
        self.db.executemany(
            f"INSERT INTO {copy.table} ({', '.join(copy.columns)}) VALUES ({marks})", rows
        )

    async def finish(self) -> None:
        self.db.execute(daily_rollup_sql())
        self.db.execute("COMMIT")
        self.db.execute("ANALYZE")

    async def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    async def close(self) -> None:
        if self.db.in_transaction:  # after an error: the file stays as it was
            self.db.execute("ROLLBACK")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.close()


def _sqlite_value(value: Any) -> Any:
    return value.astimezone(UTC).isoformat(" ") if isinstance(value, datetime) else value


def asyncpg_dsn(url: str) -> str:
    """An asyncpg DSN of a Tortoise URL (postgres://, asyncpg://, psycopg://), without
    Tortoise's own query parameters."""
    return "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]


async def _chunks(source: Any, copy: Copy) -> AsyncGenerator[list[Row], None]:
    """The mapped rows of a peer query, a chunk at a time. On PostgreSQL the next chunk is
    fetched and mapped while the target server writes the last one (some 10 % faster); SQLite
    writes in this thread, so there it makes no difference."""
    queue: asyncio.Queue[list[Row] | None] = asyncio.Queue(maxsize=2)

    async def produce() -> None:
        try:
            cursor = await source.cursor(copy.query)
            while records := await cursor.fetch(CHUNK_ROWS):
                await queue.put([copy.row(record) for record in records])
        finally:
            await queue.put(None)

    producer = asyncio.create_task(produce())
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        await producer  # raises what the producer raised
    finally:
        # Wait until it has stopped: the source connection is free for the rollback then.
        producer.cancel()
        await asyncio.gather(producer, return_exceptions=True)


async def _open_target(settings: Settings) -> Target:
    """Migrate with our own migrations (as `devportal migrate`), then open for the copy."""
    await Tortoise.init(config=tortoise_config(settings))
    try:
        await apply_migrations(settings)
    finally:
        await Tortoise.close_connections()
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is None:
            raise SystemExit("The SQLite target must be a file.")
        return SqliteTarget(str(path))
    return PostgresTarget(await asyncpg.connect(asyncpg_dsn(settings.database_url)))


async def load(source_url: str, settings: Settings) -> None:
    started = time.perf_counter()
    target = await _open_target(settings)
    source = await asyncpg.connect(asyncpg_dsn(source_url))
    # Millions of new tuples and no cycles among them: collections would only cost time.
    gc.disable()
    try:
        # One snapshot of the peer for every table, so the copy is consistent.
        async with source.transaction(isolation="repeatable_read", readonly=True):
            await target.begin()
            for copy in COPIES:
                step = time.perf_counter()
                rows = 0
                # Closed at once on an error, so that its producer stops using the source.
                async with aclosing(_chunks(source, copy)) as chunks:
                    async for chunk in chunks:
                        await target.write(copy, chunk)
                        rows += len(chunk)
                print(f"{copy.table:<20} {rows:>10,} rows {time.perf_counter() - step:7.1f} s")
        step = time.perf_counter()
        await target.finish()
        print(f"{'daily, analyze':<20} {'':>15} {time.perf_counter() - step:7.1f} s")
        for table in (*KEPT_IDS, "traffic_hourly", "traffic_daily"):
            print(f"  {table:<20} {await target.count(table):>10,}")
    finally:
        gc.enable()
        await source.close()
        await target.close()
    print(f"Loaded in {time.perf_counter() - started:.1f} s")


async def _sample_applications(source: Any, count: int) -> list[int]:
    """Evenly spread applications: three in four with traffic, the rest without any."""
    busy = [r[0] for r in await source.fetch(_SAMPLE_SQL.format(op="IN"))]
    idle = [r[0] for r in await source.fetch(_SAMPLE_SQL.format(op="NOT IN"))]

    def spread(ids: list[int], n: int) -> list[int]:
        return [ids[i * len(ids) // n] for i in range(n)] if len(ids) > n else ids

    with_traffic = spread(busy, count - count // 4)
    return sorted(with_traffic + spread(idle, count - len(with_traffic)))


_SAMPLE_SQL = (
    "SELECT id FROM app.applications WHERE id {op} "
    "(SELECT DISTINCT application_id FROM app.traffic_hourly) ORDER BY id"
)


async def check(source_url: str, settings: Settings, count: int = 20) -> bool:
    """Compare requests and errors of `count` applications over the last 30 days with the
    peer's bench.application_traffic_30d; True when all agree."""
    source = await asyncpg.connect(asyncpg_dsn(source_url))
    try:
        ids = await _sample_applications(source, count)
        # The view's window ends at now(): read it in the same statement as the numbers.
        records = await source.fetch(
            "SELECT now() AS now, application_id, requests, errors "
            "FROM bench.application_traffic_30d WHERE application_id = ANY($1::int[])",
            ids,
        )
    finally:
        await source.close()
    peer = {r["application_id"]: (r["requests"], r["errors"]) for r in records}
    window = window_for(TrafficWindow.LAST_30_DAYS, now=records[0]["now"])
    await Tortoise.init(config=tortoise_config(settings))
    try:
        connection = get_connection("default")
        rows = await connection.execute_query_dict(
            "SELECT application_id, SUM(requests) AS requests, "
            "SUM(status_4xx + status_5xx) AS errors FROM traffic_hourly "
            f"WHERE application_id IN ({placeholders(connection, len(ids))}) "
            f"AND hour >= {placeholders(connection, 1, len(ids) + 1)} "
            f"AND hour < {placeholders(connection, 1, len(ids) + 2)} GROUP BY application_id",
            [*ids, window.start_hour, window.end_hour],
        )
        summaries = await summarize(GroupBy.APPLICATION, ids, window)
    finally:
        await Tortoise.close_connections()
    hourly = {r["application_id"]: (int(r["requests"]), int(r["errors"])) for r in rows}
    print(f"Check: hours [{window.start_hour}, {window.end_hour}), peer now() {records[0]['now']}")
    print(f"{'app':>6} {'peer req/err':>18} {'hourly req/err':>18} {'summary req/err':>18}")
    agree = True
    for app_id in ids:
        totals = summaries.get((app_id,))
        summary = (totals.requests, totals.errors) if totals else (0, 0)
        ours = hourly.get(app_id, (0, 0))
        ok = peer[app_id] == ours == summary
        agree = agree and ok
        print(
            f"{app_id:>6} {_pair(peer[app_id]):>18} {_pair(ours):>18} {_pair(summary):>18}"
            f"  {'ok' if ok else 'MISMATCH'}"
        )
    print(f"Check {'passed' if agree else 'FAILED'} for {len(ids)} applications")
    return agree


def _pair(values: tuple[int, int]) -> str:
    return f"{values[0]:,}/{values[1]:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="the peer's PostgreSQL URL")
    parser.add_argument("--target", required=True, help="our database URL (postgres/sqlite)")
    parser.add_argument("--check", action="store_true", help="only compare, do not load")
    args = parser.parse_args()
    settings = Settings(database_url=args.target)
    if not args.check:
        asyncio.run(load(args.source, settings))
    sys.exit(0 if asyncio.run(check(args.source, settings)) else 1)


if __name__ == "__main__":
    main()
