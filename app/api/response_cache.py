"""Whole responses of read queries, kept until anything is written.

The frontend asks for the same Applications page again and again, and most of its cost is
GraphQL execution in Python, not the database. So the encoded answer of a query is kept,
keyed by what decides it: the document, the operation, the variables, what the viewer may
see (role and developer), and the current UTC hour (traffic windows end with it).

Freshness comes from invalidation, not from guessing: every committed write announces
itself on the event bus (`app.domain.events`), and any announcement empties the cache. The
writer's own process empties it before the write's response is sent; other workers hear
PostgreSQL's notification a moment later; on SQLite, writes by another process (the
`ingest` command) show up in `PRAGMA data_version`, checked before every lookup. A read that
was running while a write committed is not stored (the generation moved on), and nothing is
stored while the PostgreSQL listener is down. Entries also expire after `max_age` seconds:
a bound for writes made behind the service's back (a manual UPDATE).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql import GraphQLError, get_operation_ast, parse
from strawberry.types.graphql import OperationType
from tortoise.connection import get_connection

from app.domain.viewer import Viewer

CacheKey = tuple[str, int | None, int, str | None, str, bytes]


@dataclass(slots=True)
class _Entry:
    body: bytes
    size: int
    stored_at: float


class ResponseCache:
    """A bounded LRU of encoded responses; `clear` is the only way anything leaves early."""

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        max_age: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._clock = clock
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._bytes = 0
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(
        viewer: Viewer,
        hour: int,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> CacheKey:
        """What decides a response. Variables are compared canonically (sorted keys), so
        `{"a":1,"b":2}` and `{"b":2,"a":1}` share an entry."""
        encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        return (viewer.role.value, viewer.developer_id, hour, operation_name, query, encoded)

    def get(self, key: CacheKey) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        if self._clock() - entry.stored_at > self.max_age:
            self._drop(key)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: CacheKey, body: bytes, generation: int) -> bool:
        """Store `body` if nothing was written since `generation` was read (the read may
        have seen the data from before the write)."""
        size = len(body) + len(key[4]) + len(key[5])
        if generation != self.generation or size > self.max_bytes:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = _Entry(body, size, self._clock())
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._bytes = 0

    def forget(self, _announcement: object) -> None:
        """The event bus's hook: whatever was written, forget everything."""
        self.clear()

    def _drop(self, key: CacheKey) -> None:
        entry = self._entries.pop(key)
        self._bytes -= entry.size


class SqliteWriteWatch:
    """Commits to the SQLite file by other connections (another process: `devportal ingest`,
    `devportal import`), seen through `PRAGMA data_version`, which changes only for those."""

    def __init__(self) -> None:
        self._version: int | None = None

    async def changed(self) -> bool:
        _, rows = await get_connection("default").execute_query("PRAGMA data_version")
        version = int(next(iter(dict(rows[0]).values())))
        changed = self._version is not None and version != self._version
        self._version = version
        return changed


@lru_cache(maxsize=250)
def operation_type(query: str, operation_name: str | None) -> OperationType | None:
    """The type of the operation a document runs (parsed once per document text)."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return None
    if operation is None:
        return None
    return OperationType(operation.operation.value)
