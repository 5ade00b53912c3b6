"""`devportal ingest kong-log FILE...`: read file-log files (plain, gzip, or stdin) in batches.

Each batch of entries is one transaction; a malformed line is counted with its line number
and never stops the rest. A progress line is drawn on a terminal.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO, cast

import orjson

from app.ingest.attribution import AttributionIndex
from app.ingest.kong import LogEntry, MalformedEntry, parse_body, parse_lines
from app.ingest.parallel import ingest_large_file, worth_parallel
from app.ingest.pipeline import IngestReport, ingest_batch

BATCH_ENTRIES = 50_000
_UTF8_BOM = b"\xef\xbb\xbf"

Parsed = LogEntry | MalformedEntry


_GZIP_MAGIC = b"\x1f\x8b"


def _open(name: str) -> tuple[BinaryIO, int, list[BinaryIO]]:
    """The stream, its size in bytes (0 when unknown), and what to close afterwards.

    Gzip is recognised by its magic bytes, in files and on standard input alike.
    """
    if name == "-":
        stdin = sys.stdin.buffer
        peek = getattr(stdin, "peek", None)
        if peek is not None and peek(2)[:2] == _GZIP_MAGIC:
            unzipped = cast(BinaryIO, gzip.GzipFile(fileobj=stdin))
            return unzipped, 0, [unzipped]
        return stdin, 0, []
    path = Path(name)
    raw: BinaryIO = path.open("rb")
    size = path.stat().st_size
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        # GzipFile.close() leaves the file it reads from open: both are closed afterwards.
        unzipped = cast(BinaryIO, gzip.GzipFile(fileobj=raw))
        return unzipped, 0, [unzipped, raw]
    raw.seek(0)
    return raw, size, [raw]


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


def _counted_lines(stream: Iterable[bytes], counter: list[int]) -> Iterator[bytes]:
    """The stream's lines, counting bytes (counter[0]), lines (counter[1]) and blank lines
    (counter[2]) as they pass."""
    for line in stream:
        counter[0] += len(line)
        counter[1] += 1
        if line.isspace():  # stops at the first other byte: cheap on real lines
            counter[2] += 1
        yield line


def _is_json_line(line: bytes) -> bool:
    try:
        orjson.loads(line.removeprefix(_UTF8_BOM))
    except orjson.JSONDecodeError:
        return False
    return True


def _readable(stream: BinaryIO, problem: list[str]) -> Iterator[bytes]:
    """The stream's lines until it cannot be read further; then why, in ``problem``.

    A gzip file cut short (a copy still being written, a transfer that stopped) or corrupt
    fails only at the damage: what came before is good log data and is counted, and the
    report names the file instead of a traceback losing the whole run's report.
    """
    try:
        yield from stream
    except EOFError:
        problem.append("truncated (the gzip data ends before its end marker)")
    except (gzip.BadGzipFile, zlib.error) as error:
        problem.append(f"corrupt gzip data ({error})")


def _results(
    stream: BinaryIO, counter: list[int], problem: list[str]
) -> Iterator[tuple[int, Parsed]]:
    """Numbered parse results of one input, counting as ``_counted_lines`` does; a stream that
    breaks off ends the results, with the reason in ``problem`` (see ``_readable``).

    A file-log file holds one JSON object per line. A file whose first two lines are not JSON
    on their own, but which as a whole is one JSON object or array (a pretty-printed http-log
    body, as Kong's documentation shows them), is read as that document instead: its items
    are numbered from 1 and each counts as one line.
    """
    head: list[bytes] = []  # up to the first JSON line, or the first two non-blank ones
    filled: list[bytes] = []
    rest = _readable(stream, problem)
    for line in rest:
        head.append(line)
        if not line.isspace():
            filled.append(line)
            if len(filled) == 2 or _is_json_line(line):
                break
    opening = filled[0].removeprefix(_UTF8_BOM).lstrip()[:1] if filled else b""
    if opening in (b"{", b"[") and not _is_json_line(filled[-1]):
        data = b"".join(head) + b"".join(rest)
        try:
            items = parse_body(data.removeprefix(_UTF8_BOM))
        except MalformedEntry:
            pass  # not one document after all: every line is reported on its own
        else:
            counter[0] += len(data)
            counter[1] += len(items)
            yield from enumerate(items, 1)
            return
        lines: Iterable[bytes] = io.BytesIO(data)
    else:
        lines = chain(head, rest)
    yield from parse_lines(_counted_lines(lines, counter))


def _check_readable(names: list[str]) -> None:
    """Every file is checked first: upserts add, so stopping halfway through the list and
    running the command again would count the first files twice."""
    for name in names:
        if name == "-":
            continue
        path = Path(name)
        if path.is_dir():
            raise IsADirectoryError(f"{name}: is a directory")
        if not path.exists():
            raise FileNotFoundError(f"{name}: no such file")
        if not path.is_file():  # a FIFO or device: _open seeks, which they cannot
            raise FileNotFoundError(f"{name}: not a regular file")
        if not os.access(path, os.R_OK):
            raise PermissionError(f"{name}: permission denied")


def _parallel_size(name: str) -> int:
    """The size of a large plain file-log file (NDJSON, not gzip, its first line JSON on its
    own) that worker processes should parse; 0 for anything else."""
    if name == "-" or not worth_parallel(Path(name)):
        return 0
    with Path(name).open("rb") as handle:
        if handle.read(2) == _GZIP_MAGIC:
            return 0
        handle.seek(0)
        for line in handle:
            if not line.isspace():
                return os.path.getsize(name) if _is_json_line(line) else 0
    return 0


async def ingest_files(names: list[str], *, progress: bool | None = None) -> IngestReport:
    """Ingest file-log files in order; line numbers in the report count from 1 in each file."""
    _check_readable(names)
    report = IngestReport()
    index = await AttributionIndex.load()
    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    for name in names:
        size = _parallel_size(name)
        if size:
            bar = _Progress(name, size, show)
            await ingest_large_file(Path(name), report, index, bar.show)
            bar.show(size, report.entries, final=True)
            continue
        stream, size, to_close = _open(name)
        bar = _Progress(name, size, show)
        consumed = [0, 0, 0]
        problem: list[str] = []
        try:
            numbered = _results(stream, consumed, problem)
            while True:
                batch = list(islice(numbered, BATCH_ENTRIES))
                if not batch:
                    break
                await ingest_batch(batch, report, index)
                bar.show(consumed[0], report.entries)
        finally:
            for handle in to_close:
                handle.close()
        report.lines += consumed[1]
        report.blank += consumed[2]
        bar.show(consumed[0], report.entries, final=True)
        for reason in problem:
            report.unreadable.append(
                f"{name}: {reason}; the {consumed[1]:,} lines read before it were counted"
            )
    report.seconds = time.perf_counter() - started
    return report


def format_report(report: IngestReport) -> str:
    lines = [
        f"lines:        {report.lines:,}",
        f"blank:        {report.blank:,}",
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
    if report.unreadable:
        lines.append(f"unreadable:   {len(report.unreadable):,} file(s)")
        lines += [f"  {problem}" for problem in report.unreadable]
    lines.append(f"seconds:      {report.seconds:.2f}")
    lines.append(f"entries/s:    {report.entries_per_second:,.0f}")
    return "\n".join(lines)
