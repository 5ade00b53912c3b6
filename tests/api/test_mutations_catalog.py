"""Mutations around the connections: applications, services and versions, portal settings,
developers' portal access and credentials. Cascades must leave nothing dangling while the
history stays."""

from __future__ import annotations

from typing import Any

import pytest

from app import global_ids
from app.domain import settings_store
from app.domain.secrets_hash import digest
from app.domain.viewer import SYSTEM
from app.models import (
    AccessStatus,
    ApiToken,
    Application,
    ConnectionEvent,
    Credential,
    Developer,
    DeveloperEvent,
    ServiceConnection,
    ServiceVersion,
)
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import ERRORS, change, data, error_code, read_application

APPLICATION_PAYLOAD = f"changed {ERRORS} application {{ id name description developer {{ id }} }}"
CREATE_APPLICATION = f"""mutation($input: CreateApplicationInput!) {{
  createApplication(input: $input) {{ {APPLICATION_PAYLOAD} }} }}"""
UPDATE_APPLICATION = f"""mutation($input: UpdateApplicationInput!) {{
  updateApplication(input: $input) {{ {APPLICATION_PAYLOAD} }} }}"""
DELETE = """mutation($id: ID!) {{ {name}(input: {{id: $id}}) {{
  changed deletedId errors {{ code message field }} }} }}"""
DEVELOPER_PAYLOAD = f"changed {ERRORS} developer {{ id name status updatedAt }}"
CREDENTIAL_PAYLOAD = f"changed secret {ERRORS} credential {{ id name clientId status }}"


async def create_application(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = data(await gql(CREATE_APPLICATION, input=fields), "createApplication")
    return payload


async def delete(gql: GraphQLClient, name: str, global_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = data(await gql(DELETE.format(name=name), id=global_id), name)
    return payload


async def change_developer(
    gql: GraphQLClient, action: str, developer_id: str, **fields: Any
) -> dict[str, Any]:
    name = f"{action}Developer"
    selection = f"changed deletedId {ERRORS}" if action == "delete" else DEVELOPER_PAYLOAD
    body = await gql(
        f"mutation($input: ChangeDeveloperInput!) {{ {name}(input: $input) {{ {selection} }} }}",
        input={"id": developer_id, **fields},
    )
    payload: dict[str, Any] = data(body, name)
    return payload


async def connections_in_every_status(
    factory: Factory, application: Application | None = None
) -> list[ServiceConnection]:
    application = application or await factory.application()
    return [await factory.connection(application, status=status) for status in AccessStatus]


# -- applications ------------------------------------------------------------------------------


async def test_an_admin_creates_an_application_for_a_developer(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()

    payload = await create_application(
        admin, name="  Weather   app ", developerId=gid(developer), description="Forecasts."
    )

    assert payload["errors"] == []
    assert payload["changed"] is True
    assert payload["application"]["name"] == "Weather app"
    assert payload["application"]["developer"]["id"] == gid(developer)


async def test_a_developer_creates_an_application_for_themselves(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    own = admin.as_token(await factory.token("developer", developer))

    payload = await create_application(own, name="Mine")

    assert payload["application"]["developer"]["id"] == gid(developer)


async def test_names_are_unique_per_developer_only(admin: GraphQLClient, factory: Factory) -> None:
    """C-20: D1 creating a second "App 1" is refused with VALIDATION on name; D2 may."""
    d1, d2 = await factory.developer(), await factory.developer()
    await factory.application(d1, name="App 1")

    refused = await create_application(admin, name="App 1", developerId=gid(d1))
    accepted = await create_application(admin, name="App 1", developerId=gid(d2))

    assert error_code(refused) == "VALIDATION"
    assert refused["errors"][0]["field"] == "name"
    assert refused["application"] is None
    assert accepted["errors"] == []
    assert await Application.filter(name="App 1").count() == 2


async def test_renaming_to_a_taken_name_is_refused_on_name(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    await factory.application(developer, name="App 1")
    other = await factory.application(developer, name="App 2")

    payload = data(
        await admin(UPDATE_APPLICATION, input={"id": gid(other), "name": "App 1"}),
        "updateApplication",
    )

    assert error_code(payload) == "VALIDATION"
    assert payload["errors"][0]["field"] == "name"
    assert (await Application.get(id=other.id)).name == "App 2"


async def test_editing_an_application_never_changes_a_connection_status(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application(name="Before")
    rows = await connections_in_every_status(factory, application)
    events = await ConnectionEvent.all().count()

    payload = data(
        await admin(
            UPDATE_APPLICATION,
            input={"id": gid(application), "name": "After", "description": "New words."},
        ),
        "updateApplication",
    )

    assert payload["changed"] is True
    assert payload["application"]["name"] == "After"
    stored = [(await ServiceConnection.get(id=r.id)).status for r in rows]
    assert stored == list(AccessStatus)
    assert await ConnectionEvent.all().count() == events


async def test_an_edit_that_changes_nothing_says_so(admin: GraphQLClient, factory: Factory) -> None:
    application = await factory.application(name="Same")

    payload = data(
        await admin(UPDATE_APPLICATION, input={"id": gid(application), "name": "Same"}),
        "updateApplication",
    )

    assert (payload["changed"], payload["errors"]) == (False, [])


async def test_deleting_an_application_cascades_but_keeps_the_history(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()
    rows = await connections_in_every_status(factory, application)
    await admin(
        """mutation($id: ID!) { createCredential(input: {applicationId: $id, name: "ci"}) {
             changed } }""",
        id=gid(application),
    )
    event_ids = [e["id"] for e in await _event_ids(admin, gid(application))]

    payload = await delete(admin, "deleteApplication", gid(application))

    assert payload == {"changed": True, "deletedId": gid(application), "errors": []}
    assert await ServiceConnection.filter(id__in=[r.id for r in rows]).count() == 0
    assert await Credential.filter(application_id=application.id).count() == 0
    deletes = await ConnectionEvent.filter(application_id=application.id, action="delete")
    assert sorted(e.connection_id for e in deletes) == sorted(r.id for r in rows)
    assert {e.from_status for e in deletes} == set(AccessStatus)
    for event_id in event_ids:  # events from before stay readable by id
        body = await admin("query($id: ID!) { node(id: $id) { id } }", id=event_id)
        assert data(body, "node") == {"id": event_id}


async def _event_ids(gql: GraphQLClient, application_id: str) -> list[dict[str, Any]]:
    body = await gql(
        "query($id: ID!) { application(id: $id) { events { id } } }", id=application_id
    )
    events: list[dict[str, Any]] = data(body, "application")["events"]
    return events


async def test_a_developer_deletes_their_own_application_but_not_a_foreign_one(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    own_app = await factory.application(developer)
    foreign = await factory.application()
    own = admin.as_token(await factory.token("developer", developer))

    mine = await delete(own, "deleteApplication", gid(own_app))
    theirs = await delete(own, "deleteApplication", gid(foreign))

    assert mine["changed"] is True
    assert error_code(theirs) == "NOT_FOUND"
    assert await Application.filter(id=foreign.id).exists()


async def test_deleting_an_application_twice_is_not_found_the_second_time(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()

    await delete(admin, "deleteApplication", gid(application))
    again = await delete(admin, "deleteApplication", gid(application))

    assert error_code(again) == "NOT_FOUND"


# -- services and versions ---------------------------------------------------------------------


async def test_services_are_created_edited_and_unique_by_name(admin: GraphQLClient) -> None:
    create = """mutation($name: String!) { createService(input: {name: $name}) {
                  changed errors { code field } service { id name } } }"""
    first = data(await admin(create, name="Payments"), "createService")
    duplicate = data(await admin(create, name="Payments"), "createService")
    renamed = data(
        await admin(
            """mutation($id: ID!) { updateService(input: {id: $id, name: "Billing"}) {
                 changed service { name } } }""",
            id=first["service"]["id"],
        ),
        "updateService",
    )

    assert first["changed"] is True
    assert duplicate["errors"] == [{"code": "VALIDATION", "field": "name"}]
    assert renamed == {"changed": True, "service": {"name": "Billing"}}


async def test_a_non_admin_may_not_change_the_catalogue(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = admin.as_token(await factory.token("developer", await factory.developer()))
    viewer = admin.as_token(await factory.token("viewer"))

    for gql in (developer, viewer):
        body = await gql('mutation { createService(input: {name: "X"}) { errors { code } } }')
        assert data(body, "createService")["errors"] == [{"code": "FORBIDDEN"}]


VERSION_FIELDS = "id version autoApprove effectiveAutoApprove gatewayServiceName"


async def test_versions_are_created_and_their_override_edited_and_cleared(
    admin: GraphQLClient, factory: Factory
) -> None:
    service = await factory.service()
    created = data(
        await admin(
            f"""mutation($id: ID!) {{ createServiceVersion(input: {{serviceId: $id,
                 version: "v2", gatewayServiceName: "pay-v2", autoApprove: true}}) {{
                 changed serviceVersion {{ {VERSION_FIELDS} }} }} }}""",
            id=gid(service),
        ),
        "createServiceVersion",
    )
    version_id = created["serviceVersion"]["id"]
    update = f"""mutation($input: UpdateServiceVersionInput!) {{ updateServiceVersion(
                  input: $input) {{ changed serviceVersion {{ {VERSION_FIELDS} }} }} }}"""
    unchanged = data(
        await admin(update, input={"id": version_id, "version": "v2"}), "updateServiceVersion"
    )
    cleared = data(
        await admin(update, input={"id": version_id, "autoApprove": None}), "updateServiceVersion"
    )

    assert created["serviceVersion"]["autoApprove"] is True
    assert unchanged["changed"] is False
    assert unchanged["serviceVersion"]["gatewayServiceName"] == "pay-v2"
    assert cleared["changed"] is True
    assert cleared["serviceVersion"]["autoApprove"] is None
    assert cleared["serviceVersion"]["effectiveAutoApprove"] is False
    assert cleared["serviceVersion"]["gatewayServiceName"] == "pay-v2"


async def test_a_duplicate_version_label_is_refused_on_version(
    admin: GraphQLClient, factory: Factory
) -> None:
    service = await factory.service()
    await factory.version(service, "v1")

    body = await admin(
        """mutation($id: ID!) { createServiceVersion(input: {serviceId: $id, version: "v1"}) {
             errors { code field } } }""",
        id=gid(service),
    )

    assert data(body, "createServiceVersion")["errors"] == [
        {"code": "VALIDATION", "field": "version"}
    ]


async def test_editing_a_version_keeps_its_connections_status(
    admin: GraphQLClient, factory: Factory
) -> None:
    version = await factory.version()
    row = await factory.connection(version=version, status=AccessStatus.REVOKED)

    await admin(
        """mutation($id: ID!) { updateServiceVersion(input: {id: $id, version: "v9",
             autoApprove: true}) { changed } }""",
        id=gid(version),
    )

    assert (await ServiceConnection.get(id=row.id)).status is AccessStatus.REVOKED


async def test_deleting_a_service_version_leaves_nothing_dangling(
    admin: GraphQLClient, factory: Factory
) -> None:
    """C-03: connections in all four statuses and a long history; delete the version."""
    service = await factory.service()
    v1, v2 = await factory.version(service, "v1"), await factory.version(service, "v2")
    applications = [await factory.application() for _ in AccessStatus]
    rows = [
        await factory.connection(app, v1, status=status)
        for app, status in zip(applications, AccessStatus, strict=True)
    ]
    kept = await factory.connection(applications[0], v2, status=AccessStatus.APPROVED)
    for _ in range(10):  # a long history on the approved one
        await change(admin, "revoke", gid(rows[1]))
        await change(admin, "approve", gid(rows[1]))

    payload = await delete(admin, "deleteServiceVersion", gid(v1))

    assert payload == {"changed": True, "deletedId": gid(v1), "errors": []}
    await _assert_nothing_of(admin, v1, rows, kept)
    deletes = await ConnectionEvent.filter(service_version_id=v1.id, action="delete")
    assert sorted(e.connection_id for e in deletes) == sorted(r.id for r in rows)
    assert {e.reason_code for e in deletes} == {"service_retired"}
    assert await ConnectionEvent.filter(connection_id=rows[1].id).count() == 2 + 20 + 1


async def _assert_nothing_of(
    admin: GraphQLClient,
    version: ServiceVersion,
    rows: list[ServiceConnection],
    kept: ServiceConnection,
) -> None:
    """No list, count or type answers a connection of `version` or a null version."""
    body = await admin(
        """query($v: ID!) {
          everything: serviceConnections(first: 100) { totalCount nodes { id
            serviceVersion { id } application { id } } }
          ofVersion: serviceConnections(filter: {serviceVersionId: $v}) { totalCount }
          applications(first: 100) { totalCount nodes { id
            connectionCounts { total }
            connections { id serviceVersion { id service { id } } } } }
          connected: applications(filter: {serviceVersionIds: [$v]}) { totalCount }
          services { nodes { versions { id } } }
        }""",
        v=gid(version),
    )
    assert "errors" not in body, body
    result = body["data"]
    assert [n["id"] for n in result["everything"]["nodes"]] == [gid(kept)]
    assert result["everything"]["totalCount"] == 1
    assert result["ofVersion"]["totalCount"] == 0
    assert result["connected"]["totalCount"] == 0
    app_connections = [c for n in result["applications"]["nodes"] for c in n["connections"]]
    assert [c["id"] for c in app_connections] == [gid(kept)]
    assert sum(n["connectionCounts"]["total"] for n in result["applications"]["nodes"]) == 1
    versions = [v["id"] for s in result["services"]["nodes"] for v in s["versions"]]
    assert gid(version) not in versions
    for row in rows:
        gone = await admin("query($id: ID!) { node(id: $id) { id } }", id=gid(row))
        assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    gone = await admin("query($id: ID!) { serviceVersion(id: $id) { id } }", id=gid(version))
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_deleting_a_service_deletes_its_versions_and_connections(
    admin: GraphQLClient, factory: Factory
) -> None:
    service = await factory.service()
    version = await factory.version(service)
    row = await factory.connection(version=version, status=AccessStatus.APPROVED)

    payload = await delete(admin, "deleteService", gid(service))

    assert payload["changed"] is True
    assert not await ServiceVersion.filter(id=version.id).exists()
    assert not await ServiceConnection.filter(id=row.id).exists()
    assert await ConnectionEvent.filter(connection_id=row.id, action="delete").count() == 1


async def test_deleting_a_version_twice_is_not_found_the_second_time(
    admin: GraphQLClient, factory: Factory
) -> None:
    version = await factory.version()

    await delete(admin, "deleteServiceVersion", gid(version))
    again = await delete(admin, "deleteServiceVersion", gid(version))

    assert error_code(again) == "NOT_FOUND"


# -- portal settings ---------------------------------------------------------------------------


async def test_portal_settings_change_and_say_when_nothing_changed(admin: GraphQLClient) -> None:
    update = """mutation($on: Boolean!) { updatePortalSettings(input: {
                  autoApproveDevelopers: $on}) { changed errors { code }
                  portalSettings { autoApproveConnections autoApproveDevelopers } } }"""

    first = data(await admin(update, on=False), "updatePortalSettings")
    again = data(await admin(update, on=False), "updatePortalSettings")

    assert first == {
        "changed": True,
        "errors": [],
        "portalSettings": {"autoApproveConnections": False, "autoApproveDevelopers": False},
    }
    assert again["changed"] is False


async def test_a_viewer_may_not_change_portal_settings(
    admin: GraphQLClient, factory: Factory
) -> None:
    viewer = admin.as_token(await factory.token("viewer"))

    body = await viewer(
        "mutation { updatePortalSettings(input: {autoApproveConnections: true}) "
        "{ errors { code } } }"
    )

    assert data(body, "updatePortalSettings")["errors"] == [{"code": "FORBIDDEN"}]
    assert (await settings_store.portal_settings()).auto_approve_connections is False


# -- developers --------------------------------------------------------------------------------

CREATE_DEVELOPER = f"""mutation($name: String!) {{ createDeveloper(input: {{name: $name,
  email: "x@example.com"}}) {{ {DEVELOPER_PAYLOAD} }} }}"""


@pytest.mark.parametrize(("auto", "status"), [(True, "APPROVED"), (False, "PENDING")])
async def test_a_new_developer_is_approved_only_under_auto_approve(
    admin: GraphQLClient, auto: bool, status: str
) -> None:
    await settings_store.update_portal_settings(SYSTEM, auto_approve_developers=auto)

    payload = data(await admin(CREATE_DEVELOPER, name="Ada"), "createDeveloper")

    assert payload["developer"]["status"] == status
    event = await DeveloperEvent.get(developer_name="Ada")
    assert (event.action, event.from_status, event.to_status, event.auto_approved) == (
        "request",
        None,
        status.lower(),
        auto,
    )


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("approve", "pending", "APPROVED"),
        ("reject", "pending", "REJECTED"),
        ("revoke", "approved", "REVOKED"),
        ("approve", "revoked", "APPROVED"),
    ],
)
async def test_developer_access_changes_record_an_event(
    admin: GraphQLClient, factory: Factory, action: str, before: str, after: str
) -> None:
    developer = await factory.developer()
    await Developer.filter(id=developer.id).update(status=AccessStatus(before))
    stale = await Developer.get(id=developer.id)

    payload = await change_developer(
        admin, action, gid(developer), reasonCode="OTHER", note="Checked."
    )

    assert payload["errors"] == []
    assert (payload["changed"], payload["developer"]["status"]) == (True, after)
    stored = await Developer.get(id=developer.id)
    assert payload["developer"]["updatedAt"] == stored.updated_at.isoformat()
    assert stored.updated_at > stale.updated_at
    event = await DeveloperEvent.filter(developer_id=developer.id).order_by("-id").first()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (action, before, after.lower())
    assert (event.reason_code, event.note) == ("other", "Checked.")


async def test_developer_access_follows_the_same_table(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()  # approved
    events = await DeveloperEvent.filter(developer_id=developer.id).count()

    invalid = await change_developer(admin, "reject", gid(developer))
    noop = await change_developer(admin, "approve", gid(developer))
    conflict = await change_developer(admin, "revoke", gid(developer), expectedStatus="PENDING")

    assert error_code(invalid) == "INVALID_TRANSITION"
    assert "APPROVED" in invalid["errors"][0]["message"]
    assert (noop["changed"], noop["errors"]) == (False, [])
    assert error_code(conflict) == "CONFLICT"
    assert await DeveloperEvent.filter(developer_id=developer.id).count() == events
    assert (await Developer.get(id=developer.id)).status is AccessStatus.APPROVED


async def test_revoking_a_developer_leaves_their_connections_alone_by_default(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    rows = await connections_in_every_status(factory, await factory.application(developer))

    await change_developer(admin, "revoke", gid(developer))

    assert [(await ServiceConnection.get(id=r.id)).status for r in rows] == list(AccessStatus)


async def test_revoking_a_developer_with_their_connections_revokes_each_with_one_event(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    first, second = await factory.application(developer), await factory.application(developer)
    rows = await connections_in_every_status(factory, first)
    also_approved = await factory.connection(second, status=AccessStatus.APPROVED)
    bystander = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change_developer(
        admin, "revoke", gid(developer), revokeConnections=True, reasonCode="ABUSE"
    )

    assert (payload["changed"], payload["developer"]["status"]) == (True, "REVOKED")
    statuses = [(await ServiceConnection.get(id=r.id)).status for r in rows]
    assert statuses == ["pending", "revoked", "rejected", "revoked"]
    assert (await ServiceConnection.get(id=also_approved.id)).status is AccessStatus.REVOKED
    assert (await ServiceConnection.get(id=bystander.id)).status is AccessStatus.APPROVED
    revokes = await ConnectionEvent.filter(developer_id=developer.id, reason_code="abuse")
    assert sorted(e.connection_id for e in revokes) == sorted([rows[1].id, also_approved.id])
    assert {(e.action, e.from_status, e.to_status) for e in revokes} == {
        ("revoke", "approved", "revoked")
    }


async def test_deleting_a_developer_deletes_everything_under_them(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    application = await factory.application(developer)
    rows = await connections_in_every_status(factory, application)
    await admin(
        """mutation($id: ID!) { createCredential(input: {applicationId: $id, name: "ci"}) {
             changed } }""",
        id=gid(application),
    )
    await factory.token("developer", developer)

    payload = await change_developer(admin, "delete", gid(developer))

    assert payload == {"changed": True, "deletedId": gid(developer), "errors": []}
    assert not await Developer.filter(id=developer.id).exists()
    assert not await Application.filter(id=application.id).exists()
    assert not await ServiceConnection.filter(id__in=[r.id for r in rows]).exists()
    assert not await Credential.filter(application_id=application.id).exists()
    assert not await ApiToken.filter(developer_id=developer.id).exists()
    deletes = await ConnectionEvent.filter(developer_id=developer.id, action="delete")
    assert len(deletes) == len(rows)
    assert await DeveloperEvent.filter(developer_id=developer.id, action="delete").count() == 1


async def test_a_developer_may_not_change_developer_access(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer, other = await factory.developer(), await factory.developer()
    own = admin.as_token(await factory.token("developer", developer))

    themselves = await change_developer(own, "revoke", gid(developer))
    someone_else = await change_developer(own, "revoke", gid(other))

    assert error_code(themselves) == "FORBIDDEN"
    assert error_code(someone_else) == "NOT_FOUND"


# -- credentials -------------------------------------------------------------------------------

CREATE_CREDENTIAL = f"""mutation($id: ID!) {{ createCredential(input: {{applicationId: $id,
  name: "ci"}}) {{ {CREDENTIAL_PAYLOAD} }} }}"""


async def test_a_credential_shows_its_secret_once_and_stores_only_a_digest(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()

    payload = data(await admin(CREATE_CREDENTIAL, id=gid(application)), "createCredential")
    listing = await admin(
        """query($id: ID!) { application(id: $id) { credentials { id name clientId status } } }""",
        id=gid(application),
    )

    secret = payload["secret"]
    assert secret and payload["credential"]["clientId"]
    stored = await Credential.get(client_id=payload["credential"]["clientId"])
    assert stored.secret_hash == digest(secret)
    assert secret not in stored.secret_hash
    assert data(listing, "application")["credentials"] == [payload["credential"]]
    assert secret not in str(listing)


async def test_a_credential_can_be_revoked_once(admin: GraphQLClient, factory: Factory) -> None:
    application = await factory.application()
    created = data(await admin(CREATE_CREDENTIAL, id=gid(application)), "createCredential")
    revoke = f"""mutation($id: ID!) {{ revokeCredential(input: {{id: $id}}) {{
                  {CREDENTIAL_PAYLOAD} }} }}"""

    first = data(await admin(revoke, id=created["credential"]["id"]), "revokeCredential")
    again = data(await admin(revoke, id=created["credential"]["id"]), "revokeCredential")

    assert (first["changed"], first["credential"]["status"], first["secret"]) == (
        True,
        "REVOKED",
        None,
    )
    assert (again["changed"], again["credential"]["status"]) == (False, "REVOKED")


async def test_a_developer_manages_only_their_own_credentials(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    own = admin.as_token(await factory.token("developer", developer))
    mine = await factory.application(developer)
    foreign = await factory.application()

    created = data(await own(CREATE_CREDENTIAL, id=gid(mine)), "createCredential")
    refused = data(await own(CREATE_CREDENTIAL, id=gid(foreign)), "createCredential")
    deleted = await delete(own, "deleteCredential", created["credential"]["id"])

    assert created["changed"] is True
    assert error_code(refused) == "NOT_FOUND"
    assert deleted["changed"] is True
    assert await Credential.all().count() == 0


async def test_an_unknown_credential_is_not_found(admin: GraphQLClient) -> None:
    payload = await delete(admin, "deleteCredential", global_ids.encode("Credential", 77))

    assert error_code(payload) == "NOT_FOUND"


async def test_the_application_events_survive_an_application_edit(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    application = await row.application

    await admin(UPDATE_APPLICATION, input={"id": gid(application), "name": "Renamed"})

    details = await read_application(admin, gid(application))
    assert [e["action"] for e in details["events"]] == ["APPROVE", "REQUEST"]
    assert details["connections"][0]["status"] == "APPROVED"
