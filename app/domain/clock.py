"""The time of changes: aware UTC, and strictly after the previous change of the same row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def after(previous: datetime | None) -> datetime:
    """Now, or a microsecond after `previous` when the clock has not moved past it."""
    now = utcnow()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now
