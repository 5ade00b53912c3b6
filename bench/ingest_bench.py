"""Ingest benchmark: one million Kong 3.x entries into SQLite and PostgreSQL, beside the rate
of merely parsing the same file with orjson (the fastest JSON parser we use).

    python bench/gen_kong_logs.py bench/out/kong-1m.ndjson -n 1000000
    python bench/ingest_bench.py bench/out/kong-1m.ndjson \
        --postgres postgres://devportal:devportal@127.0.0.1:5432/devportal_bench

The portal it ingests into has the applications (reference ids app-ref-0001…) and service
versions (gateway services svc-01…) that the generator's entries name, so entries are
attributed as in production. Results are printed as a Markdown table row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import orjson
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from app.db import apply_migrations, tortoise_config
from app.domain import applications, catalog, developers
from app.domain.viewer import SYSTEM
from app.ingest.files import ingest_files
from app.settings import Settings


def bare_parse_rate(path: Path) -> tuple[int, float]:
    """Entries per second of orjson.loads over the file's lines (read from disk as ingest does)."""
    loads = orjson.loads
    count = 0
    started = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                loads(line)
                count += 1
    return count, count / (time.perf_counter() - started)


async def _portal(apps: int, services: int) -> None:
    developer = await developers.create_developer(SYSTEM, name="Bench", email="bench@example.com")
    for s in range(1, services + 1):
        service = await catalog.create_service(SYSTEM, name=f"Service {s:02d}")
        await catalog.create_service_version(
            SYSTEM, service_id=service.id, version="v1", gateway_service_name=f"svc-{s:02d}"
        )
    for a in range(1, apps + 1):
        await applications.create_application(
            SYSTEM,
            developer_id=developer.id,
            name=f"Bench app {a}",
            reference_id=f"app-ref-{a:04d}",
        )


async def ingest_rate(url: str, path: Path, apps: int, services: int) -> tuple[int, float, int]:
    settings = Settings(database_url=url)
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL per connection name, not per dialect
    await Tortoise.init(config=tortoise_config(settings))
    if not settings.is_sqlite:
        await get_connection("default").execute_script(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
    await apply_migrations(settings)
    await _portal(apps, services)
    report = await ingest_files([str(path)], progress=False)
    rows = await get_connection("default").execute_query_dict(
        "SELECT COUNT(*) AS n FROM traffic_hourly"
    )
    await Tortoise.close_connections()
    return report.entries, report.entries_per_second, int(rows[0]["n"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (it is wiped)")
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--services", type=int, default=12)
    args = parser.parse_args()

    entries, parse = bare_parse_rate(args.path)
    print(f"bare orjson parse: {entries:,} entries, {parse:,.0f} entries/s")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("SQLite", f"sqlite://{tmp}/bench.sqlite3"))
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            count, rate, rows = asyncio.run(ingest_rate(url, args.path, args.apps, args.services))
            ratio = rate / parse
            print(f"| {name} | {count:,} | {rate:,.0f} | {parse:,.0f} | {ratio:.2f} | {rows:,} |")


if __name__ == "__main__":  # worker processes import this module too
    main()
