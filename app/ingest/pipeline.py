"""From parsed entries to stored rollups, with a report that accounts for every entry."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.domain.events import bus
from app.domain.traffic_store import write_rollup
from app.ingest.attribution import AttributionIndex, Match
from app.ingest.kong import LogEntry, MalformedEntry
from app.ingest.rollup import Rollup

MAX_REPORTED_ERRORS = 20


@dataclass
class IngestReport:
    """What an ingestion did; `lines` counts input lines (files) or array items (HTTP).

    Every line is accounted for: lines = entries + malformed + blank (a file-log line holds
    one entry; blank lines are skipped and counted).
    """

    lines: int = 0
    blank: int = 0
    entries: int = 0
    attributed: int = 0
    unattributed: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    malformed_examples: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    # Files that broke off (a truncated gzip): what they held before is counted above.
    unreadable: list[str] = field(default_factory=list)

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else 0.0

    def malformed_at(self, line: int, reason: str) -> None:
        self.malformed += 1
        if len(self.malformed_examples) < MAX_REPORTED_ERRORS:
            self.malformed_examples.append((line, reason))

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "blank": self.blank,
            "entries": self.entries,
            "attributed": self.attributed,
            "unattributed": dict(self.unattributed),
            "malformed": self.malformed,
            "malformedExamples": [
                {"line": line, "reason": reason} for line, reason in self.malformed_examples
            ],
            "seconds": round(self.seconds, 3),
            "entriesPerSecond": round(self.entries_per_second, 1),
        }


def roll_up(entries: Iterable[LogEntry], index: AttributionIndex, report: IngestReport) -> Rollup:
    rollup = Rollup()
    for entry in entries:
        report.entries += 1
        match = index.classify(entry)
        if type(match) is Match:
            report.attributed += 1
            rollup.add(entry, match.application_id, match.version_id)
            if match.credential_id is not None:
                rollup.used_credential(match.credential_id, entry.started_at_ms)
        else:
            report.unattributed[match.reason] += 1  # type: ignore[union-attr]
            rollup.add_unattributed(entry, match.reason, match.consumer, match.service)  # type: ignore[union-attr]
    return rollup


async def ingest_batch(
    items: Iterable[tuple[int, LogEntry | MalformedEntry]],
    report: IngestReport,
    index: AttributionIndex | None = None,
) -> None:
    """Count a batch of numbered parse results into the rollups, as one transaction.

    Without an ``index``, only the mapping rows that the batch's keys can match are read.
    """
    started = time.perf_counter()
    good: list[LogEntry] = []
    for number, item in items:
        if isinstance(item, MalformedEntry):
            report.malformed_at(number, item.reason)
        else:
            good.append(item)
    if index is None:
        index = await AttributionIndex.load(good)
    rollup = roll_up(good, index, report)
    await write_rollup(rollup)
    report.seconds += time.perf_counter() - started
    if rollup.hourly or rollup.unattributed or rollup.credential_last_ms:
        await bus.announce("traffic")
