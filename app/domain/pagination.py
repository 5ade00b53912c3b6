"""Keyset (cursor) pages: a sort key plus the id as tie-breaker, so deep pages cost as page 0."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.domain.errors import ValidationFailed

M = TypeVar("M", bound=Model)

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class SortKey:
    """Sort by `field` (a Tortoise path, maybe across a relation), read back by `value`."""

    field: str
    value: Callable[[Any], Any]
    descending: bool = False


@dataclass(slots=True)
class Page(Generic[M]):
    items: list[M]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, dict):
        return datetime.fromisoformat(str(raw["t"]))
    return raw


def encode_cursor(value: Any, row_id: int) -> str:
    text = json.dumps([_encode_value(value), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str) -> tuple[Any, int]:
    bad = ValidationFailed(
        f"{field!r} is not a cursor of this list; use a cursor from pageInfo or an edge.",
        field=field,
    )
    if len(cursor) > 1_000:
        raise bad
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value, row_id = raw
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise bad
        decoded = _decode_value(value)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise bad from None
    if isinstance(decoded, bool) or not isinstance(decoded, str | int | float | datetime | None):
        raise bad
    return decoded, row_id


def _page_size(request: PageRequest, max_size: int) -> tuple[int, bool]:
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
    return Q(**{f"{key.field}__{op}": value}) | Q(**{key.field: value, f"id__{op}": row_id})


async def paginate(
    query: QuerySet[M], key: SortKey, request: PageRequest, *, max_size: int
) -> Page[M]:
    """One statement for the rows (limit + 1 to learn whether more follow); counting is lazy."""
    size, backwards = _page_size(request, max_size)
    base = query
    if request.after is not None:
        value, row_id = decode_cursor(request.after, "after")
        query = query.filter(_after(key, value, row_id, forward=True))
    if request.before is not None:
        value, row_id = decode_cursor(request.before, "before")
        query = query.filter(_after(key, value, row_id, forward=False))
    descending = key.descending != backwards
    prefix = "-" if descending else ""
    rows = list(await query.order_by(f"{prefix}{key.field}", f"{prefix}id").limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    cursors = [encode_cursor(key.value(row), row.pk) for row in rows]

    async def count() -> int:
        return await base.count()

    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=more if not backwards else request.before is not None,
        has_previous_page=more if backwards else request.after is not None,
        count=count,
    )
