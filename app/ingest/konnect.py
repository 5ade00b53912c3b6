"""`devportal import konnect FILE...`: Konnect portal API exports into developers, applications
and connections.

A file is a page (`{"meta": {"page": …}, "data": [...]}`), one object, or a JSON array of
items; items are classified by shape (see `konnect_items`). Files are imported in dependency
order whatever order they are given in: developers, then applications, then registrations,
each file in its own transaction. Items inside a file go in the same order.

The defects that real exports have are reported, never fatal, and never cost a valid item:
- `meta.page.total` that disagrees with the items in the page is a warning (all items are
  read); a page that is one of several says the export is incomplete;
- an id that repeats within a file keeps the first item and skips the later one, naming both
  positions;
- developers sharing one email are allowed (email is not unique here) and noted;
- an item that names a row the portal lacks and cannot create is skipped with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.ingest.imports import (
    ImportFileError,
    ImportJob,
    ImportReport,
    fits,
    import_item,
    read_document,
)
from app.ingest.konnect_items import RANKS, ImportContext, KonnectItem, classify
from app.models import Developer


@dataclass(frozen=True, slots=True)
class KonnectExport:
    """One file, read and classified."""

    path: Path
    shape: str
    items: list[KonnectItem]
    unusable: list[tuple[str, str]]  # (position, why)
    page: object

    @property
    def rank(self) -> int:
        return min((RANKS[item.kind] for item in self.items), default=len(RANKS))

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for item in self.items:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        held = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in kinds.items())
        return f"Konnect {self.shape} ({held or 'nothing usable'})"

    def job(self) -> ImportJob:
        return ImportJob(self.path.name, self.describe(), self.apply)

    async def apply(self, report: ImportReport) -> None:
        _check_page(report, self.page, len(self.items) + len(self.unusable))
        for where, why in self.unusable:
            report.skip(where, why)
        context = ImportContext()
        first_of: dict[tuple[str, str], KonnectItem] = {}
        for item in sorted(self.items, key=lambda item: RANKS[item.kind]):
            first = first_of.setdefault((item.kind, item.id), item)
            if first is not item:
                same = "an exact repeat" if first.raw == item.raw else "with different content"
                report.skip(
                    item.where,
                    f"{item.label} repeats the id of {first.where} ({same}); only the first "
                    "is read",
                )
                continue
            await import_item(report, item.where, item.label, partial(item.apply, context))
        await _note_shared_emails(report, self._emailed_developers())

    def _emailed_developers(self) -> set[str]:
        """Konnect ids of the developers this file gives an email for."""
        ids = {item.id for item in self.items if item.kind == "developer"}
        for item in self.items:
            named = item.raw.get("developer")
            if isinstance(named, dict) and named.get("email") and named.get("id"):
                ids.add(str(named["id"]))
        return ids


def load_exports(paths: Sequence[Path]) -> list[ImportJob]:
    """Read every file first (a bad one stops the import before anything is written)."""
    exports = [read_export(path) for path in paths]
    return [export.job() for export in sorted(exports, key=lambda export: export.rank)]


def read_export(path: Path) -> KonnectExport:
    document = read_document(path)
    page: object = None
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        shape, raws, where = "page", document["data"], "data"
        page = (
            document.get("meta", {}).get("page") if isinstance(document.get("meta"), dict) else None
        )
    elif isinstance(document, list):
        shape, raws, where = "list", document, ""
    elif isinstance(document, dict):
        shape, raws, where = "object", [document], "object"
    else:
        raise ImportFileError(f"{path}: not a Konnect export (a page, an object or a list)")
    if shape == "page" and isinstance(page, dict) and page.get("number") is not None:
        shape = f"page {page['number']}"
    items: list[KonnectItem] = []
    unusable: list[tuple[str, str]] = []
    for index, raw in enumerate(raws):
        position = where if shape == "object" else f"{where}[{index}]"
        found = classify(raw, position)
        if isinstance(found, KonnectItem):
            items.append(found)
        else:
            unusable.append((position, found))
    if not items and not unusable:
        raise ImportFileError(f"{path}: holds no items")
    if not items:
        # A file of which nothing is a developer, an application or a registration (a
        # kong.yaml given by mistake) is refused like a non-decK file by `import deck`,
        # rather than "imported" with nothing usable and exit 0.
        reasons = sorted({why for _, why in unusable})
        raise ImportFileError(
            f"{path}: not a Konnect export: nothing in it is a developer, an application or a "
            f"registration ({'; '.join(reasons)})"
        )
    return KonnectExport(path, shape, items, unusable, page)


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_page(report: ImportReport, page: object, held: int) -> None:
    """Warn when the page's own counts disagree with what it holds."""
    if not isinstance(page, dict):
        return
    total, number, size = (_number(page.get(key)) for key in ("total", "number", "size"))
    if total is None:
        return
    expected = total
    if number is not None and size:
        expected = max(0, min(size, total - (number - 1) * size))
    if held != expected:
        report.warn(
            "meta.page",
            f"total is {total}"
            + (f" (so page {number} of size {size} should hold {expected})" if size else "")
            + f", but the page holds {held} items; all {held} were read",
        )
    elif number is not None and size and total > number * size:
        report.warn(
            "meta.page",
            f"this is page {number} of {math.ceil(total / size)}: {held} of {total} items; "
            "import the other pages too",
        )


async def _note_shared_emails(report: ImportReport, external_ids: set[str]) -> None:
    """Developers of this file who share an email with another developer (allowed here)."""
    external_ids = {key for key in external_ids if fits(key)}  # longer ones were skipped
    if not external_ids:
        return
    emails = await Developer.filter(external_id__in=external_ids).values_list(
        "email_folded", flat=True
    )
    sharing = await Developer.filter(email_folded__in=set(emails)).order_by("id")
    by_email: dict[str, list[Developer]] = {}
    for developer in sharing:
        by_email.setdefault(developer.email_folded, []).append(developer)
    for email, developers in by_email.items():
        if len(developers) > 1:
            names = ", ".join(f"{d.name!r} ({d.external_id or d.id})" for d in developers)
            report.note(
                "developers",
                f"{len(developers)} developers share the email {email}: {names}; "
                "allowed, as email is not unique here",
            )
