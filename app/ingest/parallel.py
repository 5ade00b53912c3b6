"""Large plain log files are parsed on other cores while this process writes the rollups.

Parsing JSON is the CPU-bound part of ingestion and the database writes are the other; on a
machine with two or more cores they overlap. Worker processes read their own byte ranges of
the file (cut at line ends), parse, attribute and roll up; they send back only the rollup
rows, which this process adds to the database, one transaction per chunk.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from app.domain.events import bus
from app.domain.traffic_store import write_rollup
from app.ingest.attribution import AttributionIndex
from app.ingest.kong import LogEntry, parse_lines
from app.ingest.pipeline import IngestReport, roll_up
from app.ingest.rollup import Rollup

CHUNK_BYTES = 16 << 20
MIN_PARALLEL_BYTES = 48 << 20

_index: AttributionIndex | None = None


def worker_count() -> int:
    """One parser per core: the writing process mostly waits on the database meanwhile."""
    return max(1, os.cpu_count() or 1)


def worth_parallel(path: Path) -> bool:
    return path.stat().st_size >= MIN_PARALLEL_BYTES and (os.cpu_count() or 1) > 1


def chunk_bounds(path: Path, chunk_bytes: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """Byte ranges of about `chunk_bytes`, each ending just after a newline (or at EOF)."""
    size = path.stat().st_size
    bounds = []
    start = 0
    with path.open("rb") as handle:
        while start < size:
            end = min(size, start + chunk_bytes)
            if end < size:
                handle.seek(end)
                end += len(handle.readline())
            bounds.append((start, end))
            start = end
    return bounds


def _init_worker(index: AttributionIndex) -> None:
    global _index
    _index = index


def _parse_chunk(path: str, start: int, end: int) -> tuple[IngestReport, Rollup]:
    """In a worker: the chunk's report (line numbers relative to the chunk) and rollup."""
    assert _index is not None
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    lines = data.splitlines(keepends=True)
    report = IngestReport(lines=len(lines))
    report.blank = sum(1 for line in lines if line.isspace())
    good: list[LogEntry] = []
    for number, item in parse_lines(lines):
        if isinstance(item, LogEntry):
            good.append(item)
        else:
            report.malformed_at(number, item.reason)
    return report, roll_up(good, _index, report)


def _merge(into: IngestReport, part: IngestReport, line_offset: int) -> None:
    into.lines += part.lines
    into.blank += part.blank
    into.entries += part.entries
    into.attributed += part.attributed
    into.unattributed.update(part.unattributed)
    for line, reason in part.malformed_examples:
        into.malformed_at(line + line_offset, reason)
    into.malformed += part.malformed - len(part.malformed_examples)


async def ingest_large_file(
    path: Path,
    report: IngestReport,
    index: AttributionIndex,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Ingest one plain file with worker processes; chunks are written in file order."""
    workers = worker_count()
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no fork of a process with a live loop
    bounds = chunk_bounds(path)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(index,)
    ) as pool:
        pending: deque[tuple[int, asyncio.Future[tuple[IngestReport, Rollup]]]] = deque()
        queue = deque(bounds)
        line_offset = 0
        while queue or pending:
            while queue and len(pending) < workers + 1:  # bounded: memory stays flat
                start, end = queue.popleft()
                future = loop.run_in_executor(pool, _parse_chunk, str(path), start, end)
                pending.append((end, future))
            end, future = pending.popleft()
            part, rollup = await future
            _merge(report, part, line_offset)
            line_offset += part.lines
            await write_rollup(rollup)
            if rollup.hourly or rollup.unattributed or rollup.credential_last_ms:
                await bus.announce("traffic")
            if progress is not None:
                progress(end, report.entries)
