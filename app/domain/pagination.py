"""Keyset (cursor) pages: a sort key plus the id as tie-breaker, so deep pages cost as page 0.

A cursor names the sort field it was made for and carries the row's sort value and id. It is
opaque to clients but not trusted: a cursor of another ordering, or one whose value has the
wrong type or could not be stored, is refused with VALIDATION before any SQL runs (on
PostgreSQL a wrongly typed value would be a database error; on SQLite, silently wrong rows).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.domain.errors import ValidationFailed
from app.domain.validation import is_storable

M = TypeVar("M", bound=Model)
T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_ROW_ID = 2**31 - 1  # ids of the paged tables are 32-bit integers
_MAX_CURSOR_LENGTH = 1_000


MAX_OFFSET = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Relay arguments, plus `offset`: rows to skip after `after` (or from the start), for
    clients that jump to a page number."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class SortKey:
    """Sort by `field` (a Tortoise path, maybe across a relation), read back by `value`;
    `kind` is the type of the values, which a cursor must carry to be accepted."""

    field: str
    value: Callable[[Any], Any]
    descending: bool = False
    kind: type = str


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    return value


def encode_cursor(key: SortKey, row: Any) -> str:
    """The cursor of `row` in a list ordered by `key`."""
    value = _encode_value(key.value(row))
    text = json.dumps([key.field, value, row.pk], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_value(raw: Any, kind: type) -> Any:
    """The sort value of a cursor, if it has the key's type; raises ValueError if not."""
    if kind is datetime:
        if not isinstance(raw, dict) or set(raw) != {"t"} or not isinstance(raw["t"], str):
            raise ValueError("not a time")
        moment = datetime.fromisoformat(raw["t"])
        if moment.tzinfo is None:
            raise ValueError("a time without offset")
        return moment.astimezone(UTC)
    if kind is str:
        if not isinstance(raw, str) or not is_storable(raw):
            raise ValueError("not a storable text")
        return raw
    if kind is int:
        if not isinstance(raw, int) or isinstance(raw, bool) or abs(raw) > 2**63 - 1:
            raise ValueError("not a 64-bit integer")
        return raw
    raise ValueError(f"no cursors for sort values of type {kind.__name__}")


def decode_cursor(cursor: str, key: SortKey, argument: str) -> tuple[Any, int]:
    """(sort value, row id) of a cursor made for `key`; VALIDATION on `argument` otherwise."""
    bad = ValidationFailed(
        f"`{argument}` is not a cursor of this list in this order; use a cursor from pageInfo "
        "or an edge of the same query.",
        field=argument,
    )
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise bad
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != 3 or raw[0] != key.field:
            raise bad
        _, value, row_id = raw
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise bad
        if not 0 < row_id <= MAX_ROW_ID:
            raise bad
        return _decode_value(value, key.kind), row_id
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, OverflowError):
        # OverflowError: a time that leaves the calendar once converted to UTC (year 1 at +05)
        raise bad from None


def page_size(request: PageRequest, max_size: int) -> tuple[int, bool]:
    """The size asked for and whether we walk backwards."""
    if request.first is not None and request.last is not None:
        raise ValidationFailed("Give `first` or `last`, not both.", field="first")
    backwards = request.last is not None
    size = request.last if backwards else request.first
    name = "last" if backwards else "first"
    if size is None:
        return DEFAULT_PAGE_SIZE, False
    if size < 0:
        raise ValidationFailed(f"`{name}` must not be negative (got {size}).", field=name)
    if size > max_size:
        raise ValidationFailed(
            f"`{name}` is {size}; a page holds at most {max_size} items.", field=name
        )
    return size, backwards


def _after(key: SortKey, value: Any, row_id: int, *, forward: bool) -> Q:
    """Rows strictly after (value, id) in the walking direction."""
    greater = forward != key.descending
    op = "gt" if greater else "lt"
    if key.field == "id":
        bound: dict[str, Any] = {f"id__{op}": row_id}
        return Q(**bound)
    return Q(**{f"{key.field}__{op}": value}) | Q(**{key.field: value, f"id__{op}": row_id})


def _offset(request: PageRequest) -> int:
    if request.offset is None or request.offset == 0:
        return 0
    if request.last is not None or request.before is not None:
        raise ValidationFailed(
            "`offset` pages forwards: give it with `first` (and maybe `after`), not with "
            "`last` or `before`.",
            field="offset",
        )
    if not 0 <= request.offset <= MAX_OFFSET:
        raise ValidationFailed(
            f"`offset` must be 0 to {MAX_OFFSET:,} (got {request.offset}).", field="offset"
        )
    return request.offset


async def _models(query: QuerySet[M]) -> list[M]:
    return list(await query)


async def paginate(
    query: QuerySet[M], key: SortKey, request: PageRequest, *, max_size: int
) -> Page[M]:
    """A page of model objects; see `paginate_rows`."""
    return await paginate_rows(query, key, request, max_size=max_size, read=_models)


async def paginate_rows(
    query: QuerySet[M],
    key: SortKey,
    request: PageRequest,
    *,
    max_size: int,
    read: Callable[[QuerySet[M]], Awaitable[list[T]]],
) -> Page[T]:
    """One statement for the rows (limit + 1 to learn whether more follow), run by `read`
    (which may return plain rows with the models' attributes); counting is lazy.

    With `offset`, the skipped rows are only counted off an index: the page's ids are chosen
    in a subquery that reads the sort key alone, so joined rows (developers) are fetched for
    the page and never for what it skips."""
    size, backwards = page_size(request, max_size)
    skip = _offset(request)
    base = query
    if request.after is not None:
        value, row_id = decode_cursor(request.after, key, "after")
        query = query.filter(_after(key, value, row_id, forward=True))
    if request.before is not None:
        value, row_id = decode_cursor(request.before, key, "before")
        query = query.filter(_after(key, value, row_id, forward=False))
    descending = key.descending != backwards
    prefix = "-" if descending else ""
    order = [f"{prefix}id"] if key.field == "id" else [f"{prefix}{key.field}", f"{prefix}id"]
    if skip:
        ids = query.order_by(*order).offset(skip).limit(size + 1).values("id")
        query = base.filter(id__in=Subquery(ids))
    rows = await read(query.order_by(*order).limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    async def count() -> int:
        return await base.count()

    return Page(
        items=rows,
        cursors=[encode_cursor(key, row) for row in rows],
        has_next_page=more if not backwards else request.before is not None,
        has_previous_page=more if backwards else (request.after is not None or skip > 0),
        count=count,
    )


def paginate_loaded(
    rows: Sequence[T], key: SortKey, request: PageRequest, *, max_size: int
) -> Page[T]:
    """A page of rows already loaded in `key`'s order (a DataLoader's batch), with the same
    arguments, cursors and checks as `paginate`.

    A cursor's row is found by its id, so Python need not compare values the way the
    database's collation does; only a row deleted since is placed by comparing (value, id).
    """
    size, backwards = page_size(request, max_size)
    skip = _offset(request)
    start, stop = 0, len(rows)
    if request.after is not None:
        index, found = _locate(rows, key, decode_cursor(request.after, key, "after"))
        start = index + 1 if found else index
    start = min(start + skip, len(rows))
    if request.before is not None:
        stop, _ = _locate(rows, key, decode_cursor(request.before, key, "before"))
    window = list(rows[start:stop])
    # Walking backwards takes the window's tail; `window[-0:]` would be all of it.
    tail = window[max(0, len(window) - size) :] if size else []
    chunk = tail if backwards else window[:size]
    more = len(window) > len(chunk)

    async def count() -> int:
        return len(rows)

    return Page(
        items=chunk,
        cursors=[encode_cursor(key, row) for row in chunk],
        has_next_page=more if not backwards else stop < len(rows),
        has_previous_page=more if backwards else start > 0,
        count=count,
    )


def _locate(rows: Sequence[Any], key: SortKey, cursor: tuple[Any, int]) -> tuple[int, bool]:
    """(index of the cursor's row, True), or (how many rows precede it, False) if it is gone."""
    value, row_id = cursor
    for index, row in enumerate(rows):
        if row.pk == row_id:
            return index, True

    def precedes(row: Any) -> bool:
        mine = key.value(row)
        if mine == value:
            return bool(row.pk > row_id if key.descending else row.pk < row_id)
        return bool(mine > value if key.descending else mine < value)

    return sum(1 for row in rows if precedes(row)), False
