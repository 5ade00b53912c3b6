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
_IDS_PER_NOTIFY = 300  # ids of at most 20 characters: a payload well under the 8000-byte cap


@dataclass(frozen=True, slots=True)
class Announcement:
    """What changed: `kind` is "connection", "developer", "traffic", "catalog" or "token"
    (a bearer token was revoked)."""

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
        self._listening = False
        self._dsn: str | None = None
        self._relisten_task: asyncio.Task[None] | None = None

    @property
    def subscriber_count(self) -> int:
        """Live subscriptions in this process (for metrics, and for tests to know when a
        subscription has started listening)."""
        return len(self._subscribers)

    def add_listener(self, listener: Callable[[Announcement], None]) -> None:
        """Synchronous hook called for every announcement (the response cache uses it), and
        with kind "reset" when announcements from other workers may have been missed."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Announcement], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def hears_everything(self) -> bool:
        """Whether every committed write reaches this process's listeners: always with one
        process (SQLite), and on PostgreSQL while the LISTEN connection is up."""
        return self._dsn is None or self._listening

    async def start(self, *, postgres: bool, dsn: str | None = None) -> None:
        """Listen for other workers' announcements when on PostgreSQL."""
        if not postgres or dsn is None:
            return
        self._dsn = dsn
        await self._listen()

    async def stop(self) -> None:
        self._dsn = None  # first: closing the listener must not make it listen again
        self._listening = False
        if self._relisten_task is not None:
            self._relisten_task.cancel()
            self._relisten_task = None
        if self._pg_listener is not None:
            with contextlib.suppress(Exception):
                await self._pg_listener.close()
            self._pg_listener = None

    async def _listen(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self._dsn)
        await connection.add_listener(CHANNEL, self._on_notify)
        connection.add_termination_listener(self._on_listener_lost)
        self._pg_listener = connection
        self._listening = True

    def _on_listener_lost(self, _connection: Any) -> None:
        """The listening connection died (a database restart, a network cut): listen again,
        or every subscription of this worker would go quiet for good."""
        self._listening = False
        self._tell_listeners(Announcement("reset"))
        if self._dsn is not None and self._relisten_task is None:
            self._relisten_task = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        delay = 0.1
        try:
            while self._dsn is not None:
                try:
                    await self._listen()
                except Exception as exc:  # the database may be down for a while
                    log.warning("cannot listen for events yet (%s); retrying", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                else:
                    log.warning("listening for events again; events in between were missed")
                    self._tell_listeners(Announcement("reset"))
                    return
        finally:
            self._relisten_task = None

    async def announce(self, kind: str, ids: tuple[int, ...] = ()) -> None:
        """Tell every subscriber, in every worker, that `ids` of `kind` were committed."""
        if self._dsn is not None:
            # This process's listeners hear it now, before the writer answers its client;
            # the notification reaches them again a moment later, which does no harm.
            self._tell_listeners(Announcement(kind, ids))
            for chunk in _chunks(ids):
                payload = json.dumps({"kind": kind, "ids": list(chunk)})
                await get_connection("default").execute_query(
                    "SELECT pg_notify($1, $2)", [CHANNEL, payload]
                )
            return
        self._deliver(Announcement(kind, ids))

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            self._deliver(Announcement(str(data["kind"]), tuple(int(i) for i in data["ids"])))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notification: %r", payload)

    def _tell_listeners(self, announcement: Announcement) -> None:
        for listener in list(self._listeners):
            listener(announcement)

    def _deliver(self, announcement: Announcement) -> None:
        self._tell_listeners(announcement)
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


def _chunks(ids: tuple[int, ...]) -> list[tuple[int, ...]]:
    """NOTIFY payloads are capped at 8000 bytes: a long list of ids (deleting a developer with
    hundreds of connections) goes out in several notifications rather than being dropped."""
    if not ids:
        return [()]
    return [ids[start : start + _IDS_PER_NOTIFY] for start in range(0, len(ids), _IDS_PER_NOTIFY)]


bus = EventBus()
"""The process's one bus: like a connection pool, it is process state, not request state."""
