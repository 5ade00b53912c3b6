"""The demo portal: its size, plausible histories, the names that exercise search, and the
same portal on every load."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection

from app.cli import _prepare_demo
from app.db import tortoise_config
from app.demo import SHARED_NAME, SPECIAL_NAMES, DemoConflict, load_demo, portal_is_empty
from app.domain.clock import utcnow
from app.domain.listing import list_applications
from app.domain.pagination import PageRequest
from app.domain.viewer import SYSTEM
from app.models import (
    AccessStatus,
    Application,
    ConnectionEvent,
    Developer,
    Service,
    ServiceConnection,
    ServiceVersion,
)
from app.settings import Settings
from tests.conftest import TABLES
from tests.factories import Factory


async def test_demo_has_the_size_of_a_real_portal(db: Settings) -> None:
    assert await portal_is_empty()

    summary = await load_demo()

    assert 35 <= await Developer.all().count() <= 45
    assert await Service.all().count() == 12
    versions = Counter(v.service_id for v in await ServiceVersion.all())
    assert len(versions) == 12 and set(versions.values()) <= {1, 2, 3}
    assert await Application.all().count() == 300
    assert await ServiceConnection.all().count() == 1000
    statuses = Counter(c.status for c in await ServiceConnection.all())
    assert set(statuses) == set(AccessStatus)
    assert summary.connections == 1000
    assert summary.events == await ConnectionEvent.all().count()
    assert not await portal_is_empty()


async def test_demo_histories_end_in_each_connection_s_status(db: Settings) -> None:
    await load_demo()

    events = defaultdict(list)
    for event in await ConnectionEvent.all().order_by("created_at", "id"):
        events[event.connection_id].append(event)
    wrong = []
    for connection in await ServiceConnection.all():
        history = events[connection.id]
        if (
            not history
            or history[0].action != "request"
            or history[0].from_status is not None
            or history[-1].to_status is not connection.status
            or history[-1].created_at != connection.status_changed_at
            or any(b.from_status is not a.to_status for a, b in pairwise(history))
        ):
            wrong.append((connection.id, connection.status, [e.action for e in history]))
    assert wrong == []


async def test_demo_names_exercise_search_and_one_is_shared_by_two_developers(
    db: Settings,
) -> None:
    """The names of C-13, found as literally as the cases say, and C-20's shared name."""
    await load_demo()

    names = set(await Application.all().values_list("name", flat=True))
    assert {"es_test", "esetest", "100% uptime", "O'Brien app", "über-app"} <= names
    assert set(SPECIAL_NAMES) <= names
    for search, expected in [
        ("es_test", ["es_test"]),
        ("%", ["100% uptime"]),
        ("ÜBER", ["über-app"]),
    ]:
        page = await list_applications(
            SYSTEM, PageRequest(first=100), max_page_size=100, search=search
        )
        assert [a.name for a in page.items] == expected, search
    assert SHARED_NAME == "Weather Dashboard"
    owners = await Application.filter(name=SHARED_NAME).values_list("developer_id", flat=True)
    assert len(owners) == 2 and len(set(owners)) == 2


async def test_demo_has_applications_with_only_revoked_or_only_rejected_connections(
    db: Settings,
) -> None:
    await load_demo()

    statuses: dict[int, set[AccessStatus]] = defaultdict(set)
    for connection in await ServiceConnection.all():
        statuses[connection.application_id].add(connection.status)

    assert any(found == {AccessStatus.REVOKED} for found in statuses.values())
    assert any(found == {AccessStatus.REJECTED} for found in statuses.values())


async def test_demo_dates_are_plausible(db: Settings) -> None:
    await load_demo()
    now = utcnow()

    applications = {a.id: a for a in await Application.all()}
    assert all(a.created_at <= a.updated_at <= now for a in applications.values())
    assert len({a.updated_at for a in applications.values()}) > 250, "updated dates all alike"
    for connection in await ServiceConnection.all():
        application = applications[connection.application_id]
        assert application.created_at <= connection.created_at <= connection.updated_at <= now
    developers = await Developer.all()
    assert len({d.updated_at for d in developers}) == len(developers)


async def _snapshot() -> list[object]:
    """The portal by content, not by row ids."""
    developers = {d.id: d.email for d in await Developer.all()}
    applications = {
        a.id: (a.name, a.reference_id, developers[a.developer_id], a.description)
        for a in await Application.all()
    }
    versions = {
        v.id: (v.service.name, v.version)
        for v in await ServiceVersion.all().select_related("service")
    }
    return sorted(
        (
            applications[c.application_id],
            versions[c.service_version_id],
            c.status.value,
            c.reason_code.value if c.reason_code else "",
        )
        for c in await ServiceConnection.all()
    ) + sorted((d.name, d.email, d.status.value) for d in await Developer.all())


async def _fresh_database(settings: Settings, sqlite_template: Path, tmp_path: Path) -> None:
    """Reopen the ORM on a second fresh database (PostgreSQL: this run's own, emptied)."""
    await Tortoise.close_connections()
    EXECUTOR_CACHE.clear()
    if settings.is_sqlite:
        path = tmp_path / "second.sqlite3"
        shutil.copy(sqlite_template, path)
        settings = Settings(database_url=f"sqlite://{path}")
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    if not settings.is_sqlite:
        await get_connection("default").execute_script(
            f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"
        )


async def test_demo_is_the_same_portal_on_every_load(
    db: Settings, sqlite_template: Path, tmp_path: Path
) -> None:
    await load_demo()
    first = await _snapshot()

    await _fresh_database(db, sqlite_template, tmp_path)
    assert await portal_is_empty()
    await load_demo()

    assert await _snapshot() == first


async def test_demo_refuses_to_load_over_itself_and_changes_nothing(db: Settings) -> None:
    await load_demo()
    before = await ServiceConnection.all().count(), await ConnectionEvent.all().count()

    with pytest.raises(DemoConflict, match="empty database"):
        await load_demo()

    assert (await ServiceConnection.all().count(), await ConnectionEvent.all().count()) == before


async def test_demo_command_into_clashing_data_exits_2_with_a_message(
    db: Settings, factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    await factory.service("Payments")

    status = await _prepare_demo(force=True)

    assert status == 2
    assert "error:" in capsys.readouterr().err
    assert await Application.all().count() == 0
