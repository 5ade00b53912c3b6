"""`devportal import konnect`: the Konnect export samples, as they are, into portal rows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.domain import connections
from app.domain.events import bus
from app.domain.lifecycle import Action
from app.domain.viewer import SYSTEM
from app.ingest import konnect_items
from app.ingest.imports import (
    ImportFileError,
    ImportReport,
    ItemLog,
    Level,
    Outcome,
    parse_timestamp,
    run_job,
)
from app.ingest.konnect import load_exports, read_export
from app.models import (
    AccessStatus,
    ActorKind,
    Application,
    ConnectionEvent,
    Developer,
    DeveloperEvent,
    Service,
    ServiceConnection,
    ServiceVersion,
)

DEVELOPERS = "konnect-v2-list-developers-docs.json"
APPLICATION = "konnect-v2-application-docs.json"
REGISTRATIONS_V2 = "konnect-v2-list-registrations-docs.json"
REGISTRATIONS_V1 = "konnect-v1-service-version-registrations-reconstructed.json"
ALL = [REGISTRATIONS_V2, REGISTRATIONS_V1, APPLICATION, DEVELOPERS]

TALLY = re.compile(
    r"^  (developers|applications|services|service versions|connections) +(\d+) +(\d+) +(\d+)$",
    re.MULTILINE,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def run(path: Path) -> ImportReport:
    return await run_job(read_export(path).job())


async def run_all(samples: Path, names: list[str]) -> list[ImportReport]:
    return [await run_job(job) for job in load_exports([samples / name for name in names])]


def messages(report: ImportReport, level: Level) -> list[str]:
    return [f"{n.where}: {n.message}" for n in report.notices if n.level is level]


def created(report: ImportReport) -> dict[str, int]:
    return {kind: counts[Outcome.CREATED] for kind, counts in report.tallies.items()}


async def row_counts() -> dict[str, int]:
    models: list[Any] = [
        Developer,
        Application,
        Service,
        ServiceVersion,
        ServiceConnection,
        ConnectionEvent,
        DeveloperEvent,
    ]
    return {model.__name__: await model.all().count() for model in models}


async def connection_of(application: str) -> ServiceConnection:
    return await ServiceConnection.get(application__name=application).select_related(
        "service_version__service"
    )


# --- developers, applications ---------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_developers_page_imports_every_developer_with_status_and_times(
    samples: Path,
) -> None:
    report = await run(samples / DEVELOPERS)

    assert created(report)["developers"] == 4
    rows = {d.external_id: d for d in await Developer.all()}
    jim = rows["6cd9feff-b4da-4a9f-ba49-cbe83c75ff22"]
    assert (jim.name, jim.email, jim.status) == (
        "Jim Dev",
        "john.developer@example.com",
        AccessStatus.PENDING,
    )
    assert {d.name: d.status.value for d in rows.values()} == {
        "Jane Dev": "approved",
        "John Dev": "revoked",
        "Jim Dev": "pending",
        "Jan Dev": "rejected",
    }
    assert jim.created_at == at("2022-11-15T20:37:41.457Z")
    assert jim.updated_at == at("2022-11-15T20:37:47.456Z")
    assert await DeveloperEvent.filter(actor_kind=ActorKind.SYSTEM).count() == 4


@pytest.mark.usefixtures("db")
async def test_developers_sharing_one_email_are_all_kept_and_noted(samples: Path) -> None:
    report = await run(samples / DEVELOPERS)

    assert await Developer.filter(email="john.developer@example.com").count() == 3
    assert not messages(report, Level.WARNING)
    (note,) = messages(report, Level.NOTE)
    assert "3 developers share the email john.developer@example.com" in note
    assert "'John Dev'" in note and "'Jim Dev'" in note and "'Jan Dev'" in note


@pytest.mark.usefixtures("db")
async def test_application_object_keeps_its_reference_id_and_creates_its_developer(
    samples: Path,
) -> None:
    report = await run(samples / APPLICATION)

    application = await Application.get(external_id="b15e2460-ba40-431d-9df0-4957fcffacda")
    assert application.name == "App 1"
    assert application.reference_id == "df66b180-97df-4ddb-8b45-8b7d5eac56da"
    assert application.description == "An easy to manage app in a Konnect developer portal"
    assert application.created_at == at("2022-12-22T19:09:30.712Z")
    developer = await Developer.get(id=application.developer_id)
    assert (developer.external_id, developer.name, developer.email, developer.status) == (
        "9cd9feff-b4da-4a9f-ba49-cbe83c75ff22",
        "Jane Dev",
        "jane.developer@example.com",
        AccessStatus.APPROVED,
    )
    assert "created from this reference as approved" in " ".join(messages(report, Level.NOTE))


# --- registrations ---------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_v1_registrations_become_connections_with_their_statuses(samples: Path) -> None:
    report = await run(samples / REGISTRATIONS_V1)

    assert created(report) == {
        "developers": 3,
        "applications": 3,
        "services": 1,
        "service versions": 2,
        "connections": 3,
    }
    assert not messages(report, Level.SKIPPED)
    statuses = {
        (c.application.name, c.service_version.service.name, c.service_version.version): c.status
        for c in await ServiceConnection.all().select_related(
            "application", "service_version__service"
        )
    }
    assert statuses == {
        ("es_test", "Orders API", "v1"): AccessStatus.APPROVED,
        ("esetest", "Orders API", "v1"): AccessStatus.REVOKED,
        ("App 1", "Orders API", "v2"): AccessStatus.PENDING,
    }
    es_test = await Application.get(name="es_test")
    # A reference has no reference id: the Konnect id stands in (Kong consumers' custom_id).
    assert es_test.reference_id == "0b7e6d5c-4a3b-4c2d-8e1f-9a8b7c6d5e4f"
    rosa = await Developer.get(id=es_test.developer_id)
    assert (rosa.name, rosa.email) == ("Rosa Quintero", "rosa.quintero@example.test")
    version = await ServiceVersion.get(external_id="b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e")
    assert (version.version, version.gateway_service_name) == ("v1", None)


@pytest.mark.usefixtures("db")
async def test_imported_connections_record_one_system_event_each(samples: Path) -> None:
    report = await run(samples / REGISTRATIONS_V1)

    events = await ConnectionEvent.all().order_by("id")
    assert [e.id for e in events] == report.connection_events
    assert [(e.application_name, e.action, e.from_status, e.to_status) for e in events] == [
        ("es_test", "request", None, AccessStatus.APPROVED),
        ("esetest", "request", None, AccessStatus.REVOKED),
        ("App 1", "request", None, AccessStatus.PENDING),
    ]
    assert {e.actor_kind for e in events} == {ActorKind.SYSTEM}
    assert events[0].note == (
        "imported from Konnect (registration 3a1f0c2e-6b7d-4e8f-9a0b-1c2d3e4f5a6b)"
    )


@pytest.mark.usefixtures("db")
async def test_mixed_timestamp_formats_are_kept_as_aware_utc(samples: Path) -> None:
    await run(samples / REGISTRATIONS_V1)

    midnight = await connection_of("es_test")
    assert midnight.created_at == datetime(2024, 9, 19, 23, 59, 59, 999000, tzinfo=UTC)
    assert midnight.updated_at == datetime(2024, 9, 20, tzinfo=UTC)
    offset = await connection_of("esetest")
    assert offset.created_at == datetime(2024, 9, 18, 8, 0, 0, 520000, tzinfo=UTC)
    assert offset.updated_at == datetime(2024, 9, 19, 10, 30, tzinfo=UTC)  # 12:30+02:00
    assert offset.status_changed_at == offset.updated_at
    for moment in (midnight.created_at, offset.updated_at):
        assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-09-19T23:59:59.999Z", datetime(2024, 9, 19, 23, 59, 59, 999000, tzinfo=UTC)),
        ("2024-09-18T08:00:00.52Z", datetime(2024, 9, 18, 8, 0, 0, 520000, tzinfo=UTC)),
        ("2024-09-19T12:30:00.00+02:00", datetime(2024, 9, 19, 10, 30, tzinfo=UTC)),
        ("2024-09-20T00:00:00Z", datetime(2024, 9, 20, tzinfo=UTC)),
        ("2024-01-01T00:00:00.123456789Z", datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        (1726790400, datetime(2024, 9, 20, tzinfo=UTC)),
    ],
)
def test_timestamps_parse_to_aware_utc(text: object, expected: datetime) -> None:
    log = ItemLog()
    assert parse_timestamp(text, "x", log) == expected
    assert not log.notices


def test_a_time_without_zone_is_utc_and_an_unreadable_one_is_reported() -> None:
    log = ItemLog()
    assert parse_timestamp("2024-09-20T01:15:00", "a", log) == datetime(
        2024, 9, 20, 1, 15, tzinfo=UTC
    )
    assert parse_timestamp("yesterday", "b", log) is None
    assert [(n.where, n.level) for n in log.notices] == [("a", Level.WARNING), ("b", Level.WARNING)]


@pytest.mark.usefixtures("db")
async def test_page_total_that_disagrees_with_the_items_is_a_warning(samples: Path) -> None:
    await run(samples / DEVELOPERS)
    report = await run(samples / REGISTRATIONS_V2)

    warnings = messages(report, Level.WARNING)
    assert (
        "meta.page: total is 2 (so page 1 of size 10 should hold 2), but the page holds 4 "
        "items; all 4 were read" in warnings
    )


@pytest.mark.usefixtures("db")
async def test_one_page_of_several_says_the_export_is_incomplete(samples: Path) -> None:
    report = await run(samples / REGISTRATIONS_V1)

    assert messages(report, Level.WARNING) == [
        "meta.page: this is page 1 of 2: 3 of 5 items; import the other pages too"
    ]


@pytest.mark.usefixtures("db")
async def test_duplicated_registration_id_keeps_the_first_and_names_both_positions(
    samples: Path,
) -> None:
    await run(samples / DEVELOPERS)
    report = await run(samples / REGISTRATIONS_V2)

    duplicate = [m for m in messages(report, Level.SKIPPED) if m.startswith("data[3]")]
    assert duplicate == [
        "data[3]: registration d300cc33-2d33-4754-b086-a98e0fcd36fb repeats the id of data[2] "
        "(with different content); only the first is read"
    ]


@pytest.mark.usefixtures("db")
async def test_v2_registrations_import_what_is_consistent_and_report_the_rest(
    samples: Path,
) -> None:
    await run(samples / DEVELOPERS)
    report = await run(samples / REGISTRATIONS_V2)

    # All four items name one application id and one product version id: one connection.
    connection = await connection_of("App 1")
    assert connection.status is AccessStatus.APPROVED
    assert connection.service_version.service.name == "Great Product"
    assert connection.service_version.version == "v1"
    application = await Application.get(external_id="e15e2460-ba40-431d-9df0-4957fcff7cda")
    owner = await Developer.get(id=application.developer_id)
    assert owner.external_id == "6cd9feff-b4da-4a9f-ba49-cbe83c75ff22"
    skipped = messages(report, Level.SKIPPED)
    assert [m.split(":")[0] for m in skipped] == ["data[1]", "data[2]", "data[3]"]
    assert "data[0] already registered application 'App 1' for Great Product v1" in skipped[0]
    warnings = " | ".join(messages(report, Level.WARNING))
    assert "is 'Jim Dev', named 'Jane Dev' here" in warnings
    assert "is 'App 1', named 'App 2' here" in warnings
    assert "service 'Great Product' is called 'Good Product' here" in warnings


@pytest.mark.usefixtures("db")
async def test_registrations_of_an_unknown_developer_without_email_are_skipped(
    samples: Path,
) -> None:
    report = await run(samples / REGISTRATIONS_V2)

    assert not report.changed
    assert (await row_counts())["ServiceConnection"] == 0
    skipped = messages(report, Level.SKIPPED)
    assert len(skipped) == 4
    assert "is not in the portal and the item gives no email" in skipped[0]
    assert "import the developers page first" in skipped[0]


@pytest.mark.usefixtures("db")
async def test_files_are_imported_in_dependency_order(samples: Path) -> None:
    jobs = load_exports([samples / name for name in ALL])

    assert [job.source for job in jobs] == [
        DEVELOPERS,
        APPLICATION,
        REGISTRATIONS_V2,
        REGISTRATIONS_V1,
    ]


# --- idempotency, transactions, announcements ------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_a_second_run_of_every_sample_changes_nothing(samples: Path) -> None:
    first = await run_all(samples, ALL)
    before = await row_counts()
    second = await run_all(samples, ALL)

    assert await row_counts() == before
    for one, two in zip(first, second, strict=True):
        assert not two.changed, two.render()
        for kind, counts in two.tallies.items():
            # Every row the first run touched is found again, and nothing else.
            assert counts[Outcome.UNCHANGED] == sum(one.tallies[kind].values()), two.render()
        assert messages(two, Level.SKIPPED) == messages(one, Level.SKIPPED)
        assert not two.connection_events and not two.developer_events
    assert before["ServiceConnection"] == 4
    assert before["Developer"] == 4 + 1 + 3


@pytest.mark.usefixtures("db")
async def test_a_later_export_changes_a_status_and_records_it(
    samples: Path, tmp_path: Path
) -> None:
    await run(samples / REGISTRATIONS_V1)
    document = json.loads((samples / REGISTRATIONS_V1).read_text())
    document["data"][1].update(status="approved", updated_at="2024-10-01T09:00:00Z")
    later = tmp_path / "later.json"
    later.write_text(json.dumps(document))

    report = await run(later)

    assert report.count("connections", Outcome.UPDATED) == 1
    connection = await connection_of("esetest")
    assert connection.status is AccessStatus.APPROVED
    assert connection.status_changed_at == at("2024-10-01T09:00:00Z")
    event = await ConnectionEvent.get(id=report.connection_events[0])
    assert (event.action, event.from_status, event.to_status, event.actor_kind) == (
        "approve",
        AccessStatus.REVOKED,
        AccessStatus.APPROVED,
        ActorKind.SYSTEM,
    )


@pytest.mark.usefixtures("db")
async def test_an_older_export_does_not_undo_a_later_portal_decision(samples: Path) -> None:
    await run(samples / REGISTRATIONS_V1)
    pending = await connection_of("App 1")
    await connections.change_connection(SYSTEM, Action.APPROVE, pending.id)

    report = await run(samples / REGISTRATIONS_V1)

    assert (await connection_of("App 1")).status is AccessStatus.APPROVED
    assert not report.changed
    assert any(
        "approved in the portal but pending here" in m for m in messages(report, Level.WARNING)
    )


@pytest.mark.usefixtures("db")
async def test_same_name_twice_for_one_developer_gets_a_stable_suffix(
    samples: Path, tmp_path: Path
) -> None:
    document = json.loads((samples / REGISTRATIONS_V1).read_text())
    twin = json.loads(json.dumps(document["data"][0]))
    twin.update(id="9f9f9f9f-0000-4000-8000-000000000001", status="pending")
    twin["application"] = {"id": "7a7a7a7a-1111-4111-8111-111111111111", "name": "es_test"}
    document["data"].append(twin)
    path = tmp_path / "twins.json"
    path.write_text(json.dumps(document))

    first = await run(path)
    second = await run(path)

    names = sorted(
        await Application.filter(name__startswith="es_test").values_list("name", flat=True)
    )
    assert names == ["es_test", "es_test (7a7a7a7a)"]
    assert any(
        "already has an application named 'es_test'; application "
        "7a7a7a7a-1111-4111-8111-111111111111 is imported as 'es_test (7a7a7a7a)'" in m
        for m in messages(first, Level.WARNING)
    )
    assert not second.changed


@pytest.mark.usefixtures("db")
async def test_unusable_items_are_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(
        json.dumps(
            {
                "data": [
                    {"status": "approved"},
                    {"id": "x1", "email": "a@example.com", "full_name": "A", "status": "gone"},
                    {"id": "x2", "email": "b@example.com", "full_name": "B", "status": "approved"},
                    "text",
                ]
            }
        )
    )

    report = await run(path)

    assert report.count("developers", Outcome.CREATED) == 1
    assert messages(report, Level.SKIPPED) == [
        "data[0]: it has no id",
        "data[3]: not a JSON object",
        "data[1]: developer x1: status 'gone' is none of pending, approved, rejected, revoked",
    ]


def write_page(path: Path, items: list[Any]) -> Path:
    path.write_text(json.dumps({"data": items}))
    return path


def developer_item(item_id: str, email: str) -> dict[str, str]:
    return {"id": item_id, "email": email, "full_name": email, "status": "approved"}


@pytest.mark.usefixtures("db")
async def test_an_over_long_id_skips_its_item_and_the_rest_is_imported(tmp_path: Path) -> None:
    items = [developer_item("d" * 150, "a@example.com"), developer_item("x2", "b@example.com")]

    report = await run(write_page(tmp_path / "long.json", items))

    assert await Developer.all().values_list("external_id", flat=True) == ["x2"]
    assert messages(report, Level.SKIPPED) == [
        f"data[0]: developer {'d' * 59}…: its id is 150 characters long; at most 100 are stored"
    ]


@pytest.mark.usefixtures("db")
async def test_a_nul_character_in_an_id_skips_its_item_and_the_rest_is_imported(
    tmp_path: Path,
) -> None:
    items = [developer_item("x\x001", "a@example.com"), developer_item("x2", "b@example.com")]

    report = await run(write_page(tmp_path / "nul.json", items))

    assert await Developer.all().values_list("external_id", flat=True) == ["x2"]
    assert messages(report, Level.SKIPPED) == [
        "data[0]: developer x\x001: its id holds a NUL character or broken Unicode"
    ]


@pytest.mark.usefixtures("db")
async def test_an_over_long_referenced_id_skips_its_registration(
    samples: Path, tmp_path: Path
) -> None:
    document = json.loads((samples / REGISTRATIONS_V1).read_text())
    document["data"][0]["service_version"]["id"] = "v" * 150
    path = tmp_path / "long-ref.json"
    path.write_text(json.dumps(document))

    report = await run(path)

    (skipped,) = messages(report, Level.SKIPPED)
    assert skipped.startswith("data[0]: registration ")
    assert skipped.endswith(
        ": the id of its service_version is 150 characters long; at most 100 are stored"
    )
    assert report.count("connections", Outcome.CREATED) == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("past-the-limit.json", "[" * 200 + "]" * 200),
        ("deep.yaml", "data: " + "[" * 5_000 + "]" * 5_000),
    ],
    ids=["json-past-the-recursion-limit", "json-past-the-depth-limit", "yaml"],
)
def test_a_deeply_nested_file_is_refused_as_too_deeply_nested(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content)

    with pytest.raises(ImportFileError, match="file too deeply nested"):
        read_export(path)


def test_a_yaml_file_that_holds_itself_is_refused_as_too_deeply_nested(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("data: &items [*items]\n")

    with pytest.raises(ImportFileError, match="file too deeply nested"):
        read_export(path)


def test_a_file_with_nothing_konnect_in_it_is_refused_as_not_a_konnect_export(
    samples: Path,
) -> None:
    with pytest.raises(ImportFileError, match="not a Konnect export"):
        read_export(samples / "kong-3.0-declarative-assembled.yaml")


@pytest.mark.usefixtures("db")
async def test_a_skipped_item_leaves_nothing_it_had_written(samples: Path, tmp_path: Path) -> None:
    document = json.loads((samples / REGISTRATIONS_V1).read_text())
    del document["data"][2]["service_version"]["name"]
    path = tmp_path / "nameless.json"
    path.write_text(json.dumps(document))

    report = await run(path)

    # Amaka Obi and her App 1 were made for data[2] before its version proved unusable.
    assert messages(report, Level.SKIPPED) == [
        "data[2]: registration 5c3b2e4a-8d9f-4a0b-9c2d-3e4f5a6b7c8d: its product or "
        "product_version has no name"
    ]
    assert not await Developer.filter(name="Amaka Obi").exists()
    assert not await Application.filter(name="App 1").exists()
    assert report.count("developers", Outcome.CREATED) == 2
    assert not any(m.startswith("data[2]") for m in messages(report, Level.NOTE))


@pytest.mark.usefixtures("db")
async def test_an_unexpected_error_rolls_the_whole_file_back(
    samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = konnect_items.upsert_connection

    async def fail_on_second(*args: Any, **kwargs: Any) -> ServiceConnection:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        return await real(*args, **kwargs)

    monkeypatch.setattr(konnect_items, "upsert_connection", fail_on_second)

    with pytest.raises(RuntimeError):
        await run(samples / REGISTRATIONS_V1)
    assert set((await row_counts()).values()) == {0}


@pytest.mark.usefixtures("db")
async def test_dry_run_reports_and_keeps_nothing(samples: Path) -> None:
    report = await run_job(read_export(samples / REGISTRATIONS_V1).job(), dry_run=True)

    assert created(report)["connections"] == 3
    assert "(dry run: rolled back)" in report.render()
    assert set((await row_counts()).values()) == {0}


@pytest.mark.usefixtures("db")
async def test_changes_are_announced_after_the_commit(samples: Path) -> None:
    async with bus.subscribe() as queue:
        report = await run(samples / REGISTRATIONS_V1)
        heard = [queue.get_nowait() for _ in range(queue.qsize())]

    assert [(a.kind, a.ids) for a in heard] == [
        ("developer", tuple(report.developer_events)),
        ("connection", tuple(report.connection_events)),
        ("catalog", ()),
    ]


# --- the command ------------------------------------------------------------------------------


def test_import_konnect_command_prints_a_report_and_is_idempotent(
    samples: Path, tmp_path: Path, repo_root: Path
) -> None:
    env = {**os.environ, "DEVPORTAL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}
    command = [sys.executable, "-m", "app", "import", "konnect", *(str(samples / n) for n in ALL)]

    first = subprocess.run(command, env=env, cwd=repo_root, capture_output=True, text=True)
    second = subprocess.run(command, env=env, cwd=repo_root, capture_output=True, text=True)

    assert first.returncode == 0, first.stderr
    assert first.stdout.index(DEVELOPERS) < first.stdout.index(REGISTRATIONS_V1)
    assert "  connections               3        0          0" in first.stdout
    assert "meta.page: this is page 1 of 2" in first.stdout
    assert "repeats the id of data[2]" in first.stdout
    assert "share the email john.developer@example.com" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "  connections               0        0          3" in second.stdout
    tallies = TALLY.findall(second.stdout)
    assert len(tallies) == 5 * len(ALL)
    assert all(created == updated == "0" for _, created, updated, _ in tallies)


def test_import_command_refuses_an_unreadable_file_before_writing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    env = {**os.environ, "DEVPORTAL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}

    result = subprocess.run(
        [sys.executable, "-m", "app", "import", "konnect", str(broken)],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2
    assert "not valid JSON" in result.stderr
    assert not (tmp_path / "cli.sqlite3").exists()


def run_import(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEVPORTAL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}
    return subprocess.run(
        [sys.executable, "-m", "app", "import", *args], env=env, capture_output=True, text=True
    )


def test_import_command_refuses_a_deeply_nested_file_with_exit_2(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)

    result = run_import(tmp_path, "konnect", str(deep))

    assert result.returncode == 2
    assert f"error: {deep}: file too deeply nested" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_konnect_refuses_a_kong_yaml_with_exit_2(samples: Path, tmp_path: Path) -> None:
    kong = samples / "kong-3.0-declarative-assembled.yaml"

    result = run_import(tmp_path, "konnect", str(kong))

    assert result.returncode == 2
    assert f"error: {kong}: not a Konnect export" in result.stderr
    assert not (tmp_path / "cli.sqlite3").exists()
