"""`devportal import deck`: the decK samples, as they are, into services, versions, connections."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain import connections
from app.domain.lifecycle import Action
from app.domain.viewer import SYSTEM
from app.ingest.deck import read_deck
from app.ingest.deck_kong import label_and_service
from app.ingest.imports import ImportFileError, ImportReport, Level, Outcome, run_job
from app.ingest.konnect import read_export
from app.models import (
    AccessStatus,
    ActorKind,
    Application,
    ConnectionEvent,
    Service,
    ServiceConnection,
    ServiceVersion,
)

KONG = "kong-3.0-declarative-assembled.yaml"
PACKAGES = "deck-konnect-0.1-service-version-docs.yaml"
REGISTRATIONS_V1 = "konnect-v1-service-version-registrations-reconstructed.json"


async def run(path: Path) -> ImportReport:
    return await run_job(read_deck(path).job())


def messages(report: ImportReport, level: Level) -> list[str]:
    return [f"{n.where}: {n.message}" for n in report.notices if n.level is level]


async def versions() -> dict[tuple[str, str], ServiceVersion]:
    rows = await ServiceVersion.all().select_related("service")
    return {(row.service.name, row.version): row for row in rows}


# --- Kong kong.yaml ---------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_kong_services_become_versions_of_one_service(samples: Path) -> None:
    report = await run(samples / KONG)

    assert report.count("services", Outcome.CREATED) == 1
    assert report.count("service versions", Outcome.CREATED) == 2
    rows = await versions()
    assert set(rows) == {("orders", "v1"), ("orders", "v2")}
    assert rows["orders", "v1"].gateway_service_name == "orders-v1"
    assert rows["orders", "v2"].gateway_service_name == "orders-v2"
    assert rows["orders", "v1"].gateway_service_id is None
    assert "services[0]: gateway service 'orders-v1': no service tag: service 'orders'" in (
        messages(report, Level.NOTE)
    )


@pytest.mark.usefixtures("db")
async def test_consumers_of_unknown_applications_are_skipped_not_invented(samples: Path) -> None:
    report = await run(samples / KONG)

    assert await Application.all().count() == 0
    skipped = messages(report, Level.SKIPPED)
    assert [m.split(":")[0] for m in skipped] == ["consumers[0]", "consumers[1]"]
    assert (
        "consumer 'app-es_test': no application has the reference id "
        "0b7e6d5c-4a3b-4c2d-8e1f-9a8b7c6d5e4f or app-es_test" in skipped[0]
    )
    assert any("2 key-auth key(s) not imported" in m for m in messages(report, Level.NOTE))


@pytest.mark.usefixtures("db")
async def test_acl_groups_connect_imported_applications_as_approved(samples: Path) -> None:
    await run_job(read_export(samples / REGISTRATIONS_V1).job())

    report = await run(samples / KONG)

    assert report.count("connections", Outcome.CREATED) == 2
    assert not messages(report, Level.SKIPPED)
    gateway = {
        (c.application.name, c.service_version.gateway_service_name): c.status
        for c in await ServiceConnection.filter(
            service_version__gateway_service_name__isnull=False
        ).select_related("application", "service_version")
    }
    assert gateway == {
        ("es_test", "orders-v1"): AccessStatus.APPROVED,  # its acl plugin allows orders-v1
        ("esetest", "orders-v2"): AccessStatus.APPROVED,  # a top-level acls entry, by name
    }
    assert any(
        "ACL group 'orders-v2' is allowed by no acl plugin" in m
        for m in messages(report, Level.NOTE)
    )
    events = await ConnectionEvent.filter(id__in=report.connection_events).order_by("id")
    assert [(e.application_name, e.actor_kind, e.to_status) for e in events] == [
        ("es_test", ActorKind.SYSTEM, AccessStatus.APPROVED),
        ("esetest", ActorKind.SYSTEM, AccessStatus.APPROVED),
    ]
    assert (
        events[0].note == "imported from decK (ACL group 'orders-v1' of gateway service orders-v1)"
    )


@pytest.mark.usefixtures("db")
async def test_acl_membership_never_overrides_the_portal(samples: Path) -> None:
    await run_job(read_export(samples / REGISTRATIONS_V1).job())
    await run(samples / KONG)
    connection = await ServiceConnection.get(
        application__name="es_test", service_version__gateway_service_name="orders-v1"
    )
    await connections.change_connection(SYSTEM, Action.REVOKE, connection.id)

    report = await run(samples / KONG)

    assert (await ServiceConnection.get(id=connection.id)).status is AccessStatus.REVOKED
    assert not report.changed
    assert any(
        "is revoked in the portal but approved here" in m for m in messages(report, Level.WARNING)
    )


@pytest.mark.usefixtures("db")
async def test_service_tag_joins_a_service_made_by_a_konnect_import(
    samples: Path, tmp_path: Path
) -> None:
    await run_job(read_export(samples / REGISTRATIONS_V1).job())
    tagged = tmp_path / "kong.yaml"
    tagged.write_text(
        (samples / KONG)
        .read_text()
        .replace("- service-version:v1", "- service-version:v1\n  - service:Orders API")
    )

    report = await run(tagged)

    assert report.count("service versions", Outcome.UPDATED) == 1
    rows = await versions()
    assert rows["Orders API", "v1"].gateway_service_name == "orders-v1"
    assert rows["Orders API", "v1"].external_id == "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
    assert rows["orders", "v2"].gateway_service_name == "orders-v2"


@pytest.mark.usefixtures("db")
async def test_a_known_gateway_service_stays_with_its_version(
    samples: Path, tmp_path: Path
) -> None:
    await run(samples / KONG)
    tagged = tmp_path / "kong.yaml"
    tagged.write_text(
        (samples / KONG)
        .read_text()
        .replace("- service-version:v1", "- service-version:v1\n  - service:Orders API")
    )

    report = await run(tagged)

    assert not report.changed
    assert await Service.all().values_list("name", flat=True) == ["orders"]
    assert messages(report, Level.WARNING) == [
        "services[0]: this gateway service implements orders v1 in the portal, not "
        "Orders API v1; kept as it is"
    ]


@pytest.mark.parametrize(
    ("name", "tags", "label", "service"),
    [
        ("orders-v1", ["service-version:v1"], "v1", "orders"),
        ("search_v2", [], "v2", "search"),
        ("billing", [], "v1", "billing"),
        ("ordersv1", ["service-version:v1"], "v1", "ordersv1"),
        ("legacy", ["service-version:2024", "service:Legacy API"], "2024", "Legacy API"),
    ],
)
def test_version_label_and_service_of_a_plain_kong_service(
    name: str, tags: list[str], label: str, service: str
) -> None:
    assert label_and_service(name, tags)[:2] == (label, service)


def test_a_repeated_gateway_service_is_skipped_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "kong.yaml"
    path.write_text(
        '_format_version: "3.0"\n'
        "services:\n- name: a-v1\n- name: b\n- name: a-v1\n  url: http://elsewhere\n- url: x\n"
    )

    deck = read_deck(path)

    assert [spec.gateway_name for spec in deck.versions] == ["a-v1", "b"]
    assert deck.unusable == [
        ("services[3]", "a gateway service without a name; the portal needs one"),
        (
            "services[2]",
            "repeats the gateway service or version of services[0] (a v1); kept services[0]",
        ),
    ]


@pytest.mark.parametrize("content", ["- a\n- b\n", "name: not deck\n", "services: [\n"])
def test_a_file_that_is_not_decK_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content)

    with pytest.raises(ImportFileError):
        read_deck(path)


@pytest.mark.usefixtures("db")
async def test_an_over_long_gateway_service_id_skips_its_service_and_the_rest_is_imported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kong.yaml"
    path.write_text(
        f'_format_version: "3.0"\nservices:\n- name: orders-v1\n  id: {"g" * 300}\n'
        "- name: orders-v2\n"
    )

    report = await run(path)

    assert set(await versions()) == {("orders", "v2")}
    assert messages(report, Level.SKIPPED) == [
        "services[0]: gateway service for orders v1: the gateway service id is 300 characters "
        "long; at most 100 are stored"
    ]


@pytest.mark.usefixtures("db")
async def test_a_consumer_with_an_over_long_custom_id_is_skipped_as_matching_no_application(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kong.yaml"
    path.write_text(
        '_format_version: "3.0"\nservices:\n- name: orders-v1\n'
        f"consumers:\n- username: u1\n  custom_id: {'c' * 150}\n"
    )

    report = await run(path)

    (skipped,) = messages(report, Level.SKIPPED)
    assert skipped.startswith("consumers[0]: consumer 'u1': no application has the reference id")
    assert report.count("service versions", Outcome.CREATED) == 1


# --- Konnect decK 0.1 -------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_service_package_version_keeps_its_gateway_service_id(samples: Path) -> None:
    report = await run(samples / PACKAGES)

    (version,) = (await versions()).values()
    service = await Service.get(id=version.service_id)
    assert (service.name, version.version) == ("MyService", "1")
    assert version.gateway_service_id == "9595b5f9-3b6a-4c48-be93-9ec1b0ea487a"
    assert version.gateway_service_name is None
    notes = messages(report, Level.NOTE)
    assert any("its gateway service has no name; logs find it by id" in m for m in notes)
    assert any("stored as 9595b5f9-3b6a-4c48-be93-9ec1b0ea487a" in m for m in notes)
    assert [m.split(":")[0] for m in messages(report, Level.SKIPPED)] == ["consumers[0]"]


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("name", [KONG, PACKAGES])
async def test_a_second_run_changes_nothing(samples: Path, name: str) -> None:
    first = await run(samples / name)
    second = await run(samples / name)

    assert not second.changed
    for kind, counts in second.tallies.items():
        assert counts[Outcome.UNCHANGED] == sum(first.tallies[kind].values())
    assert messages(second, Level.SKIPPED) == messages(first, Level.SKIPPED)
    assert await ServiceVersion.all().count() == first.count("service versions", Outcome.CREATED)


# --- the command ------------------------------------------------------------------------------


def test_import_deck_command_prints_the_report(
    samples: Path, tmp_path: Path, repo_root: Path
) -> None:
    env = {**os.environ, "DEVPORTAL_DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}"}
    command = [
        sys.executable,
        "-m",
        "app",
        "import",
        "deck",
        str(samples / KONG),
        str(samples / PACKAGES),
    ]

    first = subprocess.run(command, env=env, cwd=repo_root, capture_output=True, text=True)
    second = subprocess.run(command, env=env, cwd=repo_root, capture_output=True, text=True)

    assert first.returncode == 0, first.stderr
    assert f"{KONG}: decK Kong 3.0: 2 gateway services, 2 consumers" in first.stdout
    assert f"{PACKAGES}: decK Konnect 0.1: 1 gateway service, 1 consumer" in first.stdout
    assert "  service versions          2        0          0" in first.stdout
    assert "  skipped items (2):" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "  service versions          0        0          2" in second.stdout
    assert "  service versions          0        0          1" in second.stdout
