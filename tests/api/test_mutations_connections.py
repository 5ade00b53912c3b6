"""Mutations of service connections: requests, status changes, reasons, bulk forms, bad input
and who may do what. Expected failures come back as payload errors with a stable code."""

from __future__ import annotations

import pytest

from app import global_ids
from app.domain import settings_store
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, ConnectionEvent, Developer, ServiceConnection
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import (
    bulk,
    change,
    error_code,
    read_application,
    read_connection,
    request,
    snapshot,
)

# -- requests ---------------------------------------------------------------------------------


async def test_request_starts_pending_and_records_a_request_event(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()
    version = await factory.version()

    payload = await request(admin, gid(application), gid(version))

    assert payload["errors"] == []
    assert payload["changed"] is True
    assert payload["serviceConnection"]["status"] == "PENDING"
    history = (await read_connection(admin, payload["serviceConnection"]["id"]))["history"]
    assert [(e["action"], e["fromStatus"], e["toStatus"]) for e in history] == [
        ("REQUEST", None, "PENDING")
    ]
    assert history[0]["autoApproved"] is False
    assert history[0]["actorKind"] == "ADMIN"


async def test_the_owning_developer_may_request(admin: GraphQLClient, factory: Factory) -> None:
    developer = await factory.developer()
    application = await factory.application(developer)
    own = admin.as_token(await factory.token("developer", developer))

    payload = await request(own, gid(application), gid(await factory.version()))

    assert payload["serviceConnection"]["status"] == "PENDING"
    history = (await read_connection(own, payload["serviceConnection"]["id"]))["history"]
    assert (history[0]["actorKind"], history[0]["actorId"]) == ("DEVELOPER", str(developer.id))


async def test_request_is_auto_approved_by_the_portal_default(
    admin: GraphQLClient, factory: Factory
) -> None:
    settings = await admin(
        """mutation { updatePortalSettings(input: {autoApproveConnections: true}) {
             changed portalSettings { autoApproveConnections } } }"""
    )
    assert settings["data"]["updatePortalSettings"] == {
        "changed": True,
        "portalSettings": {"autoApproveConnections": True},
    }
    application = await factory.application()

    payload = await request(admin, gid(application), gid(await factory.version()))

    assert payload["serviceConnection"]["status"] == "APPROVED"
    history = (await read_connection(admin, payload["serviceConnection"]["id"]))["history"]
    assert [(e["action"], e["toStatus"], e["autoApproved"]) for e in history] == [
        ("REQUEST", "APPROVED", True)
    ]


async def test_request_is_auto_approved_by_the_version_override(
    admin: GraphQLClient, factory: Factory
) -> None:
    version = await factory.version(auto_approve=True)

    payload = await request(admin, gid(await factory.application()), gid(version))

    assert payload["serviceConnection"]["status"] == "APPROVED"
    history = (await read_connection(admin, payload["serviceConnection"]["id"]))["history"]
    assert history[0]["autoApproved"] is True


async def test_a_version_override_off_beats_the_portal_default_on(
    admin: GraphQLClient, factory: Factory
) -> None:
    await settings_store.update_portal_settings(SYSTEM, auto_approve_connections=True)
    version = await factory.version(auto_approve=False)

    payload = await request(admin, gid(await factory.application()), gid(version))

    assert payload["serviceConnection"]["status"] == "PENDING"


async def test_a_second_request_is_already_connected_naming_the_existing_one(
    admin: GraphQLClient, factory: Factory
) -> None:
    existing = await factory.connection(status=AccessStatus.REVOKED)
    application = await existing.application
    version = await existing.service_version

    payload = await request(admin, gid(application), gid(version))

    assert error_code(payload) == "ALREADY_CONNECTED"
    assert gid(existing) in payload["errors"][0]["message"]
    assert payload["changed"] is False
    assert payload["serviceConnection"]["id"] == gid(existing)
    assert payload["serviceConnection"]["status"] == "REVOKED"
    assert await ServiceConnection.filter(application_id=application.id).count() == 1


@pytest.mark.parametrize("status", ["pending", "rejected", "revoked"])
async def test_an_unapproved_developer_may_not_request(
    admin: GraphQLClient, factory: Factory, status: str
) -> None:
    developer = await factory.developer(name="Grace")
    application = await factory.application(developer)
    await Developer.filter(id=developer.id).update(status=AccessStatus(status))

    payload = await request(admin, gid(application), gid(await factory.version()))

    assert error_code(payload) == "FORBIDDEN"
    message = payload["errors"][0]["message"]
    assert "Grace" in message
    assert status in message
    assert "approved" in message
    assert await ServiceConnection.all().count() == 0
    assert await ConnectionEvent.all().count() == 0


async def test_request_for_an_unknown_version_is_not_found(
    admin: GraphQLClient, factory: Factory
) -> None:
    missing = global_ids.encode("ServiceVersion", 999_999)

    payload = await request(admin, gid(await factory.application()), missing)

    assert error_code(payload) == "NOT_FOUND"
    assert payload["errors"][0]["field"] == "serviceVersionId"


async def test_request_with_a_malformed_application_id_is_a_validation_error(
    admin: GraphQLClient, factory: Factory
) -> None:
    payload = await request(admin, "not an id", gid(await factory.version()))

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "applicationId"


# -- status changes, reasons and history ------------------------------------------------------


async def test_reason_and_note_are_stored_and_returned_in_history_newest_first(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(
        admin, "revoke", gid(row), reasonCode="POLICY_VIOLATION", note="Scraping the catalogue."
    )

    assert payload["serviceConnection"]["reasonCode"] == "POLICY_VIOLATION"
    assert payload["serviceConnection"]["note"] == "Scraping the catalogue."
    stored = await ServiceConnection.get(id=row.id)
    assert (stored.reason_code, stored.note) == ("policy_violation", "Scraping the catalogue.")
    history = (await read_connection(admin, gid(row)))["history"]
    assert [e["action"] for e in history] == ["REVOKE", "APPROVE", "REQUEST"]
    assert (history[0]["reasonCode"], history[0]["note"]) == (
        "POLICY_VIOLATION",
        "Scraping the catalogue.",
    )
    assert history[0]["createdAt"] >= history[1]["createdAt"] >= history[2]["createdAt"]


async def test_reject_reason_reaches_the_application_events(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection()

    await change(admin, "reject", gid(row), reasonCode="INCOMPLETE_REQUEST", note="Say why.")

    events = (await read_application(admin, gid(await row.application)))["events"]
    assert events[0] == {
        "action": "REJECT",
        "fromStatus": "PENDING",
        "toStatus": "REJECTED",
        "reasonCode": "INCOMPLETE_REQUEST",
        "note": "Say why.",
        "connectionId": gid(row),
        "autoApproved": False,
    }


async def test_a_deleted_connection_stays_in_its_application_events(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    application = await row.application

    payload = await change(admin, "delete", gid(row), reasonCode="INACTIVE", note="Unused.")

    assert payload == {"changed": True, "deletedId": gid(row), "errors": []}
    details = await read_application(admin, gid(application))
    assert details["connections"] == []
    assert [(e["action"], e["connectionId"]) for e in details["events"]] == [
        ("DELETE", gid(row)),
        ("APPROVE", gid(row)),
        ("REQUEST", gid(row)),
    ]
    assert (details["events"][0]["reasonCode"], details["events"][0]["note"]) == (
        "INACTIVE",
        "Unused.",
    )


async def test_a_stale_expected_status_on_delete_keeps_the_connection(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    before = await snapshot(row.id)

    payload = await change(admin, "delete", gid(row), expectedStatus="PENDING")

    assert error_code(payload) == "CONFLICT"
    assert "APPROVED" in payload["errors"][0]["message"]
    assert await snapshot(row.id) == before


# -- bad input ---------------------------------------------------------------------------------


async def test_a_note_over_1000_characters_is_refused_on_note(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    before = await snapshot(row.id)

    payload = await change(admin, "revoke", gid(row), note="x" * 1001)

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "note"
    assert await snapshot(row.id) == before


async def test_a_note_of_exactly_1000_characters_is_kept_without_surrounding_blanks(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(admin, "revoke", gid(row), note=" " + "x" * 1000 + "\n")

    assert payload["errors"] == []
    assert payload["serviceConnection"]["note"] == "x" * 1000


async def test_a_blank_note_is_no_note(admin: GraphQLClient, factory: Factory) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(admin, "revoke", gid(row), note="   ")

    assert payload["serviceConnection"]["note"] is None


@pytest.mark.parametrize(
    "bad_id",
    ["not-an-id", "", global_ids.encode("Application", 1), "U2VydmljZUNvbm5lY3Rpb246LTE"],
    ids=["garbage", "empty", "wrong-type", "negative"],
)
async def test_a_malformed_global_id_is_a_validation_error(
    admin: GraphQLClient, bad_id: str
) -> None:
    payload = await change(admin, "approve", bad_id)

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "id"


async def test_an_unknown_id_is_not_found(admin: GraphQLClient, factory: Factory) -> None:
    payload = await change(admin, "approve", global_ids.encode("ServiceConnection", 424_242))

    assert error_code(payload) == "NOT_FOUND"
    assert payload["errors"][0]["field"] == "id"


async def test_without_a_token_a_mutation_is_unauthenticated(
    anonymous: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection()

    body = await anonymous(
        "mutation($id: ID!) { approveConnection(input: {id: $id}) { changed } }", id=gid(row)
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await ServiceConnection.get(id=row.id)).status is AccessStatus.PENDING


# -- bulk --------------------------------------------------------------------------------------


async def test_bulk_answers_one_result_per_id_in_order(
    admin: GraphQLClient, factory: Factory
) -> None:
    pending = await factory.connection()
    approved = await factory.connection(status=AccessStatus.APPROVED)
    rejected = await factory.connection(status=AccessStatus.REJECTED)
    unknown = global_ids.encode("ServiceConnection", 999_999)
    ids = [gid(pending), "garbage", gid(approved), unknown, gid(rejected), gid(pending)]

    payload = await bulk(admin, "approve", ids, note="Batch of Monday.")

    assert payload["errors"] == []
    results = payload["results"]
    assert [r["id"] for r in results] == ids
    assert [(r["changed"], error_code(r)) for r in results] == [
        (True, None),
        (False, "VALIDATION"),
        (False, None),
        (False, "NOT_FOUND"),
        (False, "INVALID_TRANSITION"),
        (False, None),
    ]
    assert [r["serviceConnection"] and r["serviceConnection"]["status"] for r in results] == [
        "APPROVED",
        None,
        "APPROVED",
        None,
        None,
        "APPROVED",
    ]
    assert payload["changedCount"] == 1
    assert await ConnectionEvent.filter(connection_id=pending.id, action="approve").count() == 1


async def test_bulk_delete_removes_each_and_records_one_event_each(
    admin: GraphQLClient, factory: Factory
) -> None:
    rows = [await factory.connection(status=s) for s in AccessStatus]

    payload = await bulk(admin, "delete", [gid(r) for r in rows], reasonCode="SERVICE_RETIRED")

    assert [r["changed"] for r in payload["results"]] == [True] * 4
    assert [r["serviceConnection"] for r in payload["results"]] == [None] * 4
    assert await ServiceConnection.all().count() == 0
    deletes = await ConnectionEvent.filter(action="delete").values_list("reason_code", flat=True)
    assert deletes == ["service_retired"] * 4


async def test_bulk_over_100_ids_is_refused_and_writes_nothing(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    before = await snapshot(row.id)

    payload = await bulk(admin, "revoke", [gid(row)] * 101)

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "ids"
    assert payload["results"] == []
    assert await snapshot(row.id) == before


async def test_bulk_of_exactly_100_ids_is_accepted(admin: GraphQLClient, factory: Factory) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await bulk(admin, "revoke", [gid(row)] * 100)

    assert len(payload["results"]) == 100
    assert payload["changedCount"] == 1


async def test_bulk_with_a_long_note_is_refused_and_writes_nothing(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    before = await snapshot(row.id)

    payload = await bulk(admin, "revoke", [gid(row), "garbage"], note="x" * 1001)

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "note"
    assert payload["results"] == []
    assert await snapshot(row.id) == before


async def test_bulk_of_only_malformed_ids_still_checks_the_note(admin: GraphQLClient) -> None:
    payload = await bulk(admin, "revoke", ["garbage"], note="x" * 1001)

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "note"


async def test_bulk_without_ids_is_a_validation_error(admin: GraphQLClient) -> None:
    payload = await bulk(admin, "approve", [])

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "ids"


# -- who may do what ---------------------------------------------------------------------------


async def test_a_developer_may_delete_their_own_connection(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    row = await factory.connection(await factory.application(developer))
    own = admin.as_token(await factory.token("developer", developer))

    payload = await change(own, "delete", gid(row), note="No longer needed.")

    assert payload == {"changed": True, "deletedId": gid(row), "errors": []}
    event = await ConnectionEvent.get(connection_id=row.id, action="delete")
    assert (event.actor_kind, event.actor_id) == ("developer", str(developer.id))


@pytest.mark.parametrize("action", ["approve", "reject"])
async def test_a_developer_may_not_approve_or_reject_their_own_connection(
    admin: GraphQLClient, factory: Factory, action: str
) -> None:
    developer = await factory.developer()
    row = await factory.connection(await factory.application(developer))
    own = admin.as_token(await factory.token("developer", developer))
    before = await snapshot(row.id)

    payload = await change(own, action, gid(row))

    assert error_code(payload) == "FORBIDDEN"
    assert await snapshot(row.id) == before


@pytest.mark.parametrize("action", ["approve", "revoke", "delete"])
async def test_a_developer_sees_a_foreign_connection_as_not_found(
    admin: GraphQLClient, factory: Factory, action: str
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    stranger = admin.as_token(await factory.token("developer", await factory.developer()))
    before = await snapshot(row.id)

    payload = await change(stranger, action, gid(row))

    assert error_code(payload) == "NOT_FOUND"
    assert await snapshot(row.id) == before


async def test_a_developer_may_not_request_for_a_foreign_application(
    admin: GraphQLClient, factory: Factory
) -> None:
    foreign = await factory.application()
    stranger = admin.as_token(await factory.token("developer", await factory.developer()))

    payload = await request(stranger, gid(foreign), gid(await factory.version()))

    assert error_code(payload) == "NOT_FOUND"
    assert await ServiceConnection.all().count() == 0


async def test_a_viewer_changes_nothing(admin: GraphQLClient, factory: Factory) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    viewer = admin.as_token(await factory.token("viewer"))
    before = await snapshot(row.id)

    answers = [
        await request(viewer, gid(await factory.application()), gid(await factory.version())),
        await change(viewer, "revoke", gid(row)),
        await change(viewer, "delete", gid(row)),
    ]
    bulk_answer = await bulk(viewer, "revoke", [gid(row)])

    assert [error_code(a) for a in answers] == ["FORBIDDEN"] * 3
    assert error_code(bulk_answer["results"][0]) == "FORBIDDEN"
    assert await snapshot(row.id) == before
    assert await ServiceConnection.all().count() == 1


async def test_the_payload_of_a_change_shows_the_actions_now_available(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(admin, "revoke", gid(row))

    assert payload["serviceConnection"]["availableActions"] == ["APPROVE", "DELETE"]
