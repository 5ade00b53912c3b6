"""How an import of portal data runs and what it reports, shared by the decK and Konnect readers.

Every format reports the same way, so that an operator reads one kind of report: rows created,
updated and unchanged per kind, warnings about the source, skipped items with their reason,
and notes on what was decided.

A file is one transaction: an unexpected error leaves the database as it was. Inside it each
item (a developer, a registration, a gateway service ...) runs in a savepoint: an expected
defect of the source raises `SkipItem`, the savepoint undoes whatever the item had written (a
developer created for a registration that then turned out unusable, say), and the rest of the
file goes on. Subscribers hear of the changes only after the commit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import yaml
from tortoise.exceptions import ValidationError as ColumnError
from tortoise.transactions import in_transaction

from app.domain.errors import ValidationFailed
from app.domain.events import bus
from app.domain.validation import is_storable

KINDS = ("developers", "applications", "services", "service versions", "connections")


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class Level(StrEnum):
    WARNING = "warning"
    SKIPPED = "skipped"
    NOTE = "note"


class ImportFileError(ValueError):
    """The file cannot be read as the format asked for: nothing was written."""


class SkipItem(Exception):
    """An expected defect: the item is left out, with this reason in the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MAX_ID_LENGTH = 100
"""Length of the columns that keep a source's ids (external ids, reference ids, gateway ids)."""


def fits(value: str, max_length: int = MAX_ID_LENGTH) -> bool:
    """Whether a column of this length can hold `value` (and hence whether looking it up can
    find anything: Tortoise refuses a longer filter value, PostgreSQL a NUL character)."""
    return len(value) <= max_length and is_storable(value)


def source_id(value: str | None, what: str, max_length: int = MAX_ID_LENGTH) -> str | None:
    """`value` (None stays None) if its column can hold it, else `SkipItem`.

    A source's id becomes an external id or a gateway service id or name: one that is too
    long or holds a NUL character must cost its item, with a reason, not the whole file.
    """
    if value is None:
        return None
    if not is_storable(value):
        raise SkipItem(f"{what} holds a NUL character or broken Unicode")
    if len(value) > max_length:
        raise SkipItem(f"{what} is {len(value):,} characters long; at most {max_length} are stored")
    return value


@dataclass(frozen=True, slots=True)
class Notice:
    level: Level
    where: str
    message: str


@dataclass
class ItemLog:
    """What one item did; merged into the report only when the item's savepoint holds."""

    outcomes: list[tuple[str, int, Outcome]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    connection_events: list[int] = field(default_factory=list)
    developer_events: list[int] = field(default_factory=list)

    def count(self, kind: str, row_id: int, outcome: Outcome) -> None:
        self.outcomes.append((kind, row_id, outcome))

    def warn(self, where: str, message: str) -> None:
        self.notices.append(Notice(Level.WARNING, where, message))

    def note(self, where: str, message: str) -> None:
        self.notices.append(Notice(Level.NOTE, where, message))


@dataclass
class ImportReport:
    """The result of importing one file."""

    source: str
    description: str = ""
    tallies: dict[str, dict[Outcome, int]] = field(
        default_factory=lambda: {kind: dict.fromkeys(Outcome, 0) for kind in KINDS}
    )
    notices: list[Notice] = field(default_factory=list)
    connection_events: list[int] = field(default_factory=list)
    developer_events: list[int] = field(default_factory=list)
    dry_run: bool = False
    # A row touched by several items (a service named by every registration) counts once.
    _seen: set[tuple[str, int]] = field(default_factory=set, repr=False)

    def merge(self, log: ItemLog) -> None:
        for kind, row_id, outcome in log.outcomes:
            if (kind, row_id) not in self._seen:
                self._seen.add((kind, row_id))
                self.tallies[kind][outcome] += 1
        self.notices += log.notices
        self.connection_events += log.connection_events
        self.developer_events += log.developer_events

    def warn(self, where: str, message: str) -> None:
        self.notices.append(Notice(Level.WARNING, where, message))

    def note(self, where: str, message: str) -> None:
        self.notices.append(Notice(Level.NOTE, where, message))

    def skip(self, where: str, message: str) -> None:
        self.notices.append(Notice(Level.SKIPPED, where, message))

    def count(self, kind: str, outcome: Outcome) -> int:
        return self.tallies[kind][outcome]

    def of_level(self, level: Level) -> list[Notice]:
        return [notice for notice in self.notices if notice.level is level]

    @property
    def changed(self) -> bool:
        return any(
            counts[Outcome.CREATED] or counts[Outcome.UPDATED] for counts in self.tallies.values()
        )

    def render(self) -> str:
        """The report as a person reads it on a terminal."""
        title = f"{self.source}: {self.description}" if self.description else self.source
        if self.dry_run:
            title += "  (dry run: rolled back)"
        lines = [title, f"  {'':<18}{'created':>9}{'updated':>9}{'unchanged':>11}"]
        for kind, counts in self.tallies.items():
            lines.append(
                f"  {kind:<18}{counts[Outcome.CREATED]:>9}{counts[Outcome.UPDATED]:>9}"
                f"{counts[Outcome.UNCHANGED]:>11}"
            )
        for level, heading in (
            (Level.WARNING, "warnings"),
            (Level.SKIPPED, "skipped items"),
            (Level.NOTE, "notes"),
        ):
            notices = self.of_level(level)
            lines.append(f"  {heading} ({len(notices)})" + (":" if notices else ""))
            # One line per message: the same defect met in several items lists them all.
            places: dict[str, list[str]] = {}
            for notice in notices:
                places.setdefault(notice.message, []).append(notice.where)
            lines += [f"    - {_places(wheres)}: {text}" for text, wheres in places.items()]
        return "\n".join(lines)


def _places(wheres: list[str], shown: int = 6) -> str:
    if len(wheres) <= shown:
        return ", ".join(wheres)
    return f"{', '.join(wheres[:shown])} and {len(wheres) - shown} more"


@dataclass(frozen=True, slots=True)
class ImportJob:
    """A file read and understood, ready to be written in one transaction."""

    source: str
    description: str
    apply: Callable[[ImportReport], Awaitable[None]]


async def import_item(
    report: ImportReport, where: str, label: str, work: Callable[[ItemLog], Awaitable[None]]
) -> bool:
    """Run one item in a savepoint; an expected defect skips it and is reported."""
    log = ItemLog()
    try:
        async with in_transaction():
            await work(log)
    except (SkipItem, ValidationFailed, ColumnError) as defect:
        # ColumnError: a value no column can hold that no check above caught; still the
        # item's defect, not the file's.
        if isinstance(defect, SkipItem):
            reason = defect.reason
        elif isinstance(defect, ValidationFailed):
            reason = defect.message
        else:
            reason = f"a value does not fit its column ({_shortened(str(defect))})"
        # What the item said about its source still holds; what it did was undone.
        report.notices += [n for n in log.notices if n.level is Level.WARNING]
        report.skip(where, f"{label}: {reason}")
        return False
    report.merge(log)
    return True


class _RollBack(Exception):
    pass


async def run_job(job: ImportJob, *, dry_run: bool = False) -> ImportReport:
    """Write one file in one transaction, then announce what changed."""
    report = ImportReport(job.source, job.description, dry_run=dry_run)
    try:
        async with in_transaction():
            await job.apply(report)
            if dry_run:
                raise _RollBack
    except _RollBack:
        return report
    if report.developer_events:
        await bus.announce("developer", tuple(report.developer_events))
    if report.connection_events:
        await bus.announce("connection", tuple(report.connection_events))
    if report.changed:
        await bus.announce("catalog")
    return report


async def run_jobs(jobs: Sequence[ImportJob], *, dry_run: bool, emit: Callable[[str], None]) -> int:
    """Import the files in order; stop at the first that fails (it is rolled back)."""
    for index, job in enumerate(jobs):
        try:
            report = await run_job(job, dry_run=dry_run)
        except Exception as error:
            emit(f"{job.source}: FAILED, nothing from this file was saved: {error!r}")
            for later in jobs[index + 1 :]:
                emit(f"{later.source}: not attempted")
            return 1
        emit(report.render())
    return 0


def _shortened(text: str, length: int = 200) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


MAX_DEPTH = 64
"""Nesting of lists and mappings allowed in an import file; real decK and Konnect files stay
under 15 levels."""


def _containers(node: object) -> list[object]:
    values: list[object] = (
        list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
    )
    return [value for value in values if isinstance(value, dict | list)]


def _too_deep(document: object, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and mappings nest deeper than `limit`, or hold themselves (YAML anchors
    can make a list its own item).

    Such a document parses (below the interpreter's recursion limit) but would break later
    code that walks or compares it recursively. The walk is iterative and measures each
    container once, so YAML aliases that repeat one node many times cost nothing extra.
    """
    heights: dict[int, int] = {}
    ancestors: set[int] = set()
    stack: list[tuple[object, bool]] = [(document, False)]
    while stack:
        node, finished = stack.pop()
        children = _containers(node)
        if finished:
            ancestors.discard(id(node))
            height = 1 + max((heights[id(child)] for child in children), default=0)
            if height > limit:
                return True
            heights[id(node)] = height
        elif id(node) in ancestors:
            return True
        elif id(node) not in heights:
            ancestors.add(id(node))
            stack.append((node, True))
            stack += [(child, False) for child in children if id(child) not in heights]
    return False


def read_document(path: Path) -> object:
    """A JSON or YAML file as plain data (YAML for anything not named .json)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: cannot read: {error}") from error
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    too_deep = ImportFileError(
        f"{path}: file too deeply nested (lists and mappings more than {MAX_DEPTH} levels deep, "
        "or holding themselves); decK files and Konnect exports nest far less"
    )
    try:
        document = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except RecursionError:
        raise too_deep from None
    except (ValueError, yaml.YAMLError) as error:
        raise ImportFileError(f"{path}: not valid {kind}: {error}") from error
    if isinstance(document, dict | list) and _too_deep(document):
        raise too_deep
    return document


def parse_timestamp(value: object, where: str, log: ItemLog) -> datetime | None:
    """An aware UTC time from ISO 8601 (any fraction, 'Z' or an offset) or epoch seconds.

    A time without a zone is read as UTC and reported; an unreadable one is reported and left
    out (the row then gets the import's time), because the item itself is still good.
    """
    if value is None or value == "":
        return None
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            moment = None
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        log.warn(where, f"unreadable time {value!r}; the import's time is used instead")
        return None
    if moment.tzinfo is None:
        log.warn(where, f"time {value!r} has no zone; read as UTC")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
