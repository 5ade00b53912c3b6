"""Stored times read back as the same instant, in UTC, to the microsecond.

On PostgreSQL the pool reads timestamptz as text (faster to decode than asyncpg's binary
form; see app/db.py), which is only right if every session speaks UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tortoise.connection import get_connection

from app.models import Developer
from tests.factories import Factory

_KOLKATA = timezone(timedelta(hours=5, minutes=30))


async def test_a_stored_time_reads_back_as_the_same_instant_in_utc(factory: Factory) -> None:
    developer = await factory.developer()
    moment = datetime(2026, 3, 29, 7, 15, 42, 123456, tzinfo=_KOLKATA)
    await Developer.filter(id=developer.id).update(created_at=moment)

    model = await Developer.get(id=developer.id)
    [value] = await Developer.filter(id=developer.id).values_list("created_at", flat=True)

    for read in (model.created_at, value):
        assert read == moment
        assert read.utcoffset() == timedelta(0)


async def test_times_filter_to_the_microsecond(factory: Factory) -> None:
    # In UTC, as the API hands every time to the domain (app/api/inputs.py: SQLite compares
    # the stored text, so an offset would compare wrongly there).
    developer = await factory.developer()
    await Developer.filter(id=developer.id).update(
        created_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    )

    just_before = datetime(2026, 1, 1, 11, 59, 59, 999999, tzinfo=UTC)
    just_after = datetime(2026, 1, 1, 12, 0, 0, 1, tzinfo=UTC)

    assert await Developer.filter(created_at__gt=just_before).count() == 1
    assert await Developer.filter(created_at__gt=just_after).count() == 0


async def test_postgres_sessions_speak_utc(factory: Factory, backend: str) -> None:
    if backend != "postgres":
        return  # SQLite stores times as text with their offset; it has no session zone
    _, rows = await get_connection("default").execute_query("SHOW TimeZone")
    assert list(rows[0].values()) == ["UTC"]
