"""Measure the Kong log ingest rate against the bare orjson parse rate of the same file.

The target is ingest >= 0.5 x bare ``orjson.loads``: parse_entry must stay a few dict lookups.
Lines are read into memory first (gzip-aware) so that neither rate includes disk or inflate time.

    python bench/parse_rate.py /tmp/kong.ndjson [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without install

from app.ingest.kong import LogEntry, parse_lines


def _read_lines(path: Path) -> list[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.readlines()


def _bare(lines: list[bytes]) -> int:
    loads = orjson.loads
    count = 0
    for line in lines:
        if line.strip():
            loads(line)
            count += 1
    return count


def _ingest(lines: list[bytes]) -> int:
    count = 0
    for _, result in parse_lines(lines):
        if type(result) is LogEntry:
            count += 1
    return count


def _best_rate(run: Callable[[list[bytes]], int], lines: list[bytes], repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        count = run(lines)
        elapsed = time.perf_counter() - started
        best = max(best, count / elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kong log parse rate vs bare orjson.loads")
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure; best is kept")
    args = parser.parse_args(argv)

    lines = _read_lines(args.path)
    total = sum(1 for _ in parse_lines(lines))
    entries = _ingest(lines)
    bare = _best_rate(_bare, lines, args.repeat)
    ours = _best_rate(_ingest, lines, args.repeat)
    print(f"file: {args.path} ({len(lines)} lines, {entries} entries, {total - entries} malformed)")
    print(f"bare orjson.loads: {bare:,.0f} entries/s")
    print(f"parse_lines:       {ours:,.0f} entries/s")
    print(f"ratio:             {ours / bare:.2f} (target >= 0.50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
