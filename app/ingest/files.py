"""`devportal ingest kong-log FILE...`: read file-log files (plain, gzip, or stdin) in batches.

Each batch of entries is one transaction; a malformed line is counted with its line number
and never stops the rest. A progress line is drawn on a terminal.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO, cast

from app.ingest.attribution import AttributionIndex
from app.ingest.kong import parse_lines
from app.ingest.pipeline import IngestReport, ingest_batch

BATCH_ENTRIES = 50_000


def _open(name: str) -> tuple[BinaryIO, int]:
    """The stream and its size in bytes (0 when unknown)."""
    if name == "-":
        return sys.stdin.buffer, 0
    path = Path(name)
    raw: BinaryIO = path.open("rb")
    size = path.stat().st_size
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw)), 0
    raw.seek(0)
    return raw, size


class _Progress:
    def __init__(self, name: str, size: int, enabled: bool) -> None:
        self.name = name
        self.size = size
        self.enabled = enabled
        self.last = 0.0

    def show(self, done_bytes: int, entries: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        share = f"{100 * done_bytes / self.size:5.1f}%" if self.size else "     "
        end = "\n" if final else ""
        sys.stderr.write(f"\r{self.name}: {share} {entries:>12,} entries{end}")
        sys.stderr.flush()


def _counted_lines(stream: BinaryIO, counter: list[int]) -> Iterator[bytes]:
    """The stream's lines, counting bytes (counter[0]) and lines (counter[1]) as they pass."""
    for line in stream:
        counter[0] += len(line)
        counter[1] += 1
        yield line


async def ingest_files(names: list[str], *, progress: bool | None = None) -> IngestReport:
    report = IngestReport()
    index = await AttributionIndex.load()
    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    for name in names:
        stream, size = _open(name)
        bar = _Progress(name, size, show)
        consumed = [0, 0]
        try:
            numbered = parse_lines(_counted_lines(stream, consumed))
            while True:
                batch = list(islice(numbered, BATCH_ENTRIES))
                if not batch:
                    break
                await ingest_batch(batch, report, index)
                bar.show(consumed[0], report.entries)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        report.lines += consumed[1]
        bar.show(consumed[0], report.entries, final=True)
    report.seconds = time.perf_counter() - started
    return report


def format_report(report: IngestReport) -> str:
    lines = [
        f"lines:        {report.lines:,}",
        f"entries:      {report.entries:,}",
        f"attributed:   {report.attributed:,}",
        f"unattributed: {sum(report.unattributed.values()):,}",
    ]
    for reason, count in sorted(report.unattributed.items()):
        lines.append(f"  {reason}: {count:,}")
    lines.append(f"malformed:    {report.malformed:,}")
    for line, reason in report.malformed_examples:
        lines.append(f"  line {line}: {reason}")
    if report.malformed > len(report.malformed_examples):
        lines.append(f"  … and {report.malformed - len(report.malformed_examples):,} more")
    lines.append(f"seconds:      {report.seconds:.2f}")
    lines.append(f"entries/s:    {report.entries_per_second:,.0f}")
    return "\n".join(lines)
