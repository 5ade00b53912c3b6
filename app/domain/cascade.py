"""Deleting a parent deletes its connections; each deleted connection leaves a delete event.

The database's ON DELETE CASCADE removes the rows; this module writes their history first, and
locks what it is about to delete so that concurrent writers cannot make that history wrong.
"""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.domain.history import record_connection_event
from app.domain.lifecycle import Action
from app.domain.viewer import Viewer
from app.models import ConnectionEvent, ReasonCode, ServiceConnection

M = TypeVar("M", bound=Model)


async def lock_rows(query: QuerySet[M]) -> list[M]:
    """Within a transaction: the rows, locked until it ends.

    On PostgreSQL this is SELECT ... FOR UPDATE. Locking a parent before reading its children
    makes a concurrent insert of a child (its foreign key check needs a share lock on the
    parent) wait and then fail, instead of slipping in between the read and the cascade, where
    it would vanish without a delete event. On SQLite the transaction already holds the one
    connection of the one writer process, so nothing else can run in between.
    """
    return await query.select_for_update()


async def record_cascaded_deletes(
    viewer: Viewer, note: str, reason_code: ReasonCode | None = None, **filters: Any
) -> list[ConnectionEvent]:
    """Within the caller's transaction, with the parent locked: one delete event per connection
    matching `filters`.

    The connections are locked too: a concurrent status change is waited for, so the event
    names the status the connection really had, and one deleted meanwhile is left out instead
    of being recorded as deleted twice.
    """
    connections = (
        await ServiceConnection.filter(**filters)
        .select_for_update(of=(ServiceConnection._meta.db_table,))
        .select_related("application", "service_version__service")
        .order_by("id")
    )
    events = []
    for connection in connections:
        events.append(
            await record_connection_event(
                connection,
                application=connection.application,
                version=connection.service_version,
                service_name=connection.service_version.service.name,
                action=Action.DELETE,
                from_status=connection.status,
                to_status=None,
                viewer=viewer,
                reason_code=reason_code,
                note=note,
            )
        )
    return events
