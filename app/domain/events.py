"""Committed changes fan out to live subscribers: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL.

Writers call `announce` after their transaction commits. On PostgreSQL the announcement is a
NOTIFY that every worker process (this one included) hears and delivers to its own subscribers;
on SQLite, where there is one writer process, it is delivered in-process directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.connection import get_connection

log = logging.getLogger(__name__)

CHANNEL = "devportal_events"


@dataclass(frozen=True, slots=True)
class Announcement:
    """What changed: `kind` is "connection", "developer", "traffic" or "catalog"."""

    kind: str
    ids: tuple[int, ...] = ()


@dataclass(eq=False)
class _Subscriber:
    queue: asyncio.Queue[Announcement] = field(default_factory=lambda: asyncio.Queue(1000))


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._listeners: list[Callable[[Announcement], None]] = []
        self._pg_listener: Any = None
        self._postgres = False

    def add_listener(self, listener: Callable[[Announcement], None]) -> None:
        """Synchronous hook called for every announcement (the response cache uses it)."""
        self._listeners.append(listener)

    async def start(self, *, postgres: bool, dsn: str | None = None) -> None:
        """Listen for other workers' announcements when on PostgreSQL."""
        self._postgres = postgres
        if not postgres or dsn is None:
            return
        import asyncpg

        self._pg_listener = await asyncpg.connect(dsn)
        await self._pg_listener.add_listener(CHANNEL, self._on_notify)

    async def stop(self) -> None:
        if self._pg_listener is not None:
            with contextlib.suppress(Exception):
                await self._pg_listener.close()
            self._pg_listener = None
        self._postgres = False

    async def announce(self, kind: str, ids: tuple[int, ...] = ()) -> None:
        """Tell every subscriber, in every worker, that `ids` of `kind` were committed."""
        announcement = Announcement(kind, ids)
        if self._postgres and self._pg_listener is not None:
            payload = json.dumps({"kind": kind, "ids": list(ids)})
            if len(payload) > 7000:  # NOTIFY payloads are capped at 8000 bytes
                payload = json.dumps({"kind": kind, "ids": []})
            await get_connection("default").execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, payload]
            )
            return
        self._deliver(announcement)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            self._deliver(Announcement(str(data["kind"]), tuple(int(i) for i in data["ids"])))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notification: %r", payload)

    def _deliver(self, announcement: Announcement) -> None:
        for listener in self._listeners:
            listener(announcement)
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(announcement)
            except asyncio.QueueFull:
                log.warning("a subscriber fell behind; dropped an announcement")

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Announcement]]:
        subscriber = _Subscriber()
        self._subscribers.add(subscriber)
        try:
            yield subscriber.queue
        finally:
            self._subscribers.discard(subscriber)


bus = EventBus()
"""The process's one bus: like a connection pool, it is process state, not request state."""
