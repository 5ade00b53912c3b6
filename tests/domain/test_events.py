"""The event bus: announcements reach subscribers, across processes on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.connection import get_connection

from app.domain.events import Announcement, EventBus
from app.settings import Settings
from tests.conftest import POSTGRES_URL


async def _collect(queue: asyncio.Queue[Announcement], count: int) -> list[int]:
    ids: list[int] = []
    while len(ids) < count:
        announcement = await asyncio.wait_for(queue.get(), timeout=5)
        ids.extend(announcement.ids)
    return ids


async def test_announcements_reach_every_subscriber_in_process() -> None:
    bus = EventBus()
    async with bus.subscribe() as first, bus.subscribe() as second:
        await bus.announce("connection", (1, 2))

        assert await _collect(first, 2) == [1, 2]
        assert await _collect(second, 2) == [1, 2]
    assert bus.subscriber_count == 0


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DEVPORTAL_TEST_POSTGRES_URL")
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_many_ids_cross_notify_in_several_notifications(db: Settings) -> None:
    """NOTIFY caps a payload at 8000 bytes: a thousand ids must still all arrive."""
    bus = EventBus()
    await bus.start(postgres=True, dsn=db.database_url)
    try:
        async with bus.subscribe() as queue:
            ids = tuple(range(1_000_000_000, 1_000_001_000))
            await bus.announce("connection", ids)

            assert await _collect(queue, len(ids)) == list(ids)
    finally:
        await bus.stop()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DEVPORTAL_TEST_POSTGRES_URL")
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_the_bus_listens_again_after_losing_its_connection(db: Settings) -> None:
    """A database restart kills the LISTEN connection; subscriptions must not go quiet."""
    bus = EventBus()
    await bus.start(postgres=True, dsn=db.database_url)
    try:
        listener_pid = bus._pg_listener.get_server_pid()  # the connection a restart would cut
        await get_connection("default").execute_query(
            "SELECT pg_terminate_backend($1)", [listener_pid]
        )
        for _ in range(500):
            await asyncio.sleep(0.01)
            if bus._pg_listener.get_server_pid() != listener_pid:
                break
        else:
            raise AssertionError("the bus never listened again")
        async with bus.subscribe() as queue:
            await bus.announce("connection", (7,))

            assert await _collect(queue, 1) == [7]
    finally:
        await bus.stop()
