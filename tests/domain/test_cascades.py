"""Cascading deletes and developer-wide changes racing other writers.

On PostgreSQL the calls below run truly concurrently (each on its own pooled connection); on
SQLite they interleave at every await. Whatever the order, every connection that was ever
created has a delete event once it is gone, and no connection is deleted twice in history.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

from app.domain import applications, catalog, connections, developers, settings_store
from app.domain.errors import DomainError
from app.domain.lifecycle import Action
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, ConnectionEvent, ServiceConnection
from tests.factories import Factory


def _only_domain_errors(results: list[Any]) -> None:
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)
    ]
    assert not unexpected, unexpected


async def _requested_and_deleted(**filters: int) -> tuple[list[int], Counter[int]]:
    requested = await ConnectionEvent.filter(action="request", **filters).values_list(
        "connection_id", flat=True
    )
    deleted = await ConnectionEvent.filter(action="delete", **filters).values_list(
        "connection_id", flat=True
    )
    return sorted(requested), Counter(deleted)


async def test_requests_racing_an_application_delete_leave_no_connection_untold(
    db: object, factory: Factory
) -> None:
    application = await factory.application()
    versions = [await factory.version() for _ in range(12)]
    calls = [connections.request_connection(SYSTEM, application.id, v.id) for v in versions]
    calls.insert(6, applications.delete_application(SYSTEM, application.id))

    results = await asyncio.gather(*calls, return_exceptions=True)

    _only_domain_errors(results)
    requested, deleted = await _requested_and_deleted(application_id=application.id)
    assert sorted(deleted) == requested
    assert set(deleted.values()) <= {1}
    assert not await ServiceConnection.filter(application_id=application.id).exists()


async def test_requests_racing_a_version_delete_leave_no_connection_untold(
    db: object, factory: Factory
) -> None:
    version = await factory.version()
    apps = [await factory.application() for _ in range(12)]
    calls = [connections.request_connection(SYSTEM, a.id, version.id) for a in apps]
    calls.insert(6, catalog.delete_service_version(SYSTEM, version.id))

    results = await asyncio.gather(*calls, return_exceptions=True)

    _only_domain_errors(results)
    requested, deleted = await _requested_and_deleted(service_version_id=version.id)
    assert sorted(deleted) == requested
    assert set(deleted.values()) <= {1}


async def test_two_deletes_of_one_application_record_each_connection_once(
    db: object, factory: Factory
) -> None:
    application = await factory.application()
    for status in AccessStatus:
        await factory.connection(application, status=status)

    results = await asyncio.gather(
        applications.delete_application(SYSTEM, application.id),
        applications.delete_application(SYSTEM, application.id),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["NotFound", "int"]
    _, deleted = await _requested_and_deleted(application_id=application.id)
    assert len(deleted) == 4
    assert set(deleted.values()) == {1}


async def test_status_changes_racing_a_delete_are_told_in_order(
    db: object, factory: Factory
) -> None:
    application = await factory.application()
    rows = [await factory.connection(application, status=AccessStatus.APPROVED) for _ in range(6)]
    calls = [connections.change_connection(SYSTEM, Action.REVOKE, r.id) for r in rows]
    calls += [connections.change_connection(SYSTEM, Action.DELETE, r.id) for r in rows[:3]]
    calls.insert(4, applications.delete_application(SYSTEM, application.id))

    results = await asyncio.gather(*calls, return_exceptions=True)

    _only_domain_errors(results)
    for row in rows:
        events = await ConnectionEvent.filter(connection_id=row.id).order_by("id")
        assert [e.action for e in events].count("delete") == 1
        assert events[-1].action == "delete"
        for previous, event in itertools.pairwise(events):
            assert event.from_status == previous.to_status


async def test_requests_racing_a_developer_revoke_leave_nothing_approved(
    db: object, factory: Factory
) -> None:
    await settings_store.update_portal_settings(SYSTEM, auto_approve_connections=True)
    developer = await factory.developer()
    application = await factory.application(developer)
    versions = [await factory.version() for _ in range(12)]
    calls = [connections.request_connection(SYSTEM, application.id, v.id) for v in versions]
    calls.insert(
        6,
        developers.change_developer(SYSTEM, Action.REVOKE, developer.id, revoke_connections=True),
    )

    results = await asyncio.gather(*calls, return_exceptions=True)

    _only_domain_errors(results)
    statuses = await ServiceConnection.filter(application_id=application.id).values_list(
        "status", flat=True
    )
    assert AccessStatus.APPROVED not in statuses


async def test_concurrent_settings_changes_of_different_fields_both_stay(db: object) -> None:
    await asyncio.gather(
        settings_store.update_portal_settings(SYSTEM, auto_approve_connections=True),
        settings_store.update_portal_settings(SYSTEM, auto_approve_developers=False),
    )

    stored = await settings_store.portal_settings()
    assert (stored.auto_approve_connections, stored.auto_approve_developers) == (True, False)
