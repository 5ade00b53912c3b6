"""The side-by-side table of bench/compare.sh, written into docs/benchmarks.md.

Reads the load driver's result files (one JSON per run) and replaces the part of
docs/benchmarks.md between the `compare` markers: one row per server, query, mode and
concurrency, with the ratio of our req/s to PostGraphile v5's for the same row.

    python bench/report.py --results .peer/results --check bench/out/check.txt
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- compare:start -->", "<!-- compare:end -->"
SERVERS = [
    ("postgraphile-v5", "PostGraphile v5"),
    ("postgraphile-v4", "PostGraphile v4"),
    ("ours-pg", "ours, PostgreSQL, cache off"),
    ("ours-pg-cache", "ours, PostgreSQL, cache on"),
    ("ours-sqlite", "ours, SQLite, cache off"),
    ("ours-sqlite-cache", "ours, SQLite, cache on"),
]
RUNS = [
    ("full", "fixed", "page 0"),
    ("lite", "fixed", "page 0 without traffic"),
    ("full", "cursor", "cursor walk, 200 pages"),
    ("full", "pages", "offsets 0…9,950"),
]


def load(results: Path) -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in results.glob("*.json")}


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def table(runs: dict[str, dict[str, Any]], concurrencies: list[int]) -> str:
    lines = [
        "| server | run | conn | req/s | ours / v5 | p50 ms | p99 ms | server CPU ms/req "
        "| PostgreSQL CPU ms/req | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for query, mode, label in RUNS:
        for c in concurrencies:
            v5 = runs.get(f"postgraphile-v5-{query}-{mode}-c{c}")
            for key, name in SERVERS:
                run = runs.get(f"{key}-{query}-{mode}-c{c}")
                if run is None:
                    continue
                ratio = (
                    _fmt(run["rps_avg"] / v5["rps_avg"], 2) + "\N{MULTIPLICATION SIGN}"
                    if v5 and v5["rps_avg"] and key.startswith("ours")
                    else ""
                )
                cpu = run["cpu_s_per_1k_req"]
                failed = run["non2xx"] + run["errors"] + run["timeouts"]
                lines.append(
                    f"| {name} | {label} | {c} | {_fmt(run['rps_avg'])} | {ratio} "
                    f"| {run['latency_ms']['p50']} | {run['latency_ms']['p99']} "
                    f"| {_fmt(cpu['server'])} | {_fmt(cpu['postgres'])} | {failed} |"
                )
    return "\n".join(lines)


def versions() -> str:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return "?"

    pg = run("psql", "--version").strip().split()[-1] if run("psql", "--version") else "?"
    from importlib.metadata import version

    return (
        f"Python {platform.python_version()}, strawberry-graphql {version('strawberry-graphql')}, "
        f"graphql-core {version('graphql-core')}, tortoise-orm {version('tortoise-orm')}, "
        f"uvicorn {version('uvicorn')}; PostGraphile 5.1.5 (Node 22) and 4.14.1 (Node "
        f"{run('node', '--version').strip().lstrip('v')}); PostgreSQL {pg}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--concurrencies", default="1 10 50")
    args = parser.parse_args()
    runs = load(args.results)
    check = args.check.read_text().strip() if args.check and args.check.exists() else "not run"
    section = "\n".join(
        [
            START,
            f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on this machine "
            f"({platform.machine()}, {_cores()} cores). {versions()}.",
            "",
            f"Check before timing (bench/check_peer.py against v5): {check}.",
            "",
            table(runs, [int(c) for c in args.concurrencies.split()]),
            END,
        ]
    )
    text = DOC.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
    print(section)


def _cores() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
