"""Cases from the field (../shared/cases.md) about the lifecycle, with their expected values,
through the in-process app: C-01, C-02, C-04, C-10, C-17, C-19, C-20."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.domain import settings_store
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, ConnectionEvent, ServiceConnection
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import (
    REQUEST,
    change,
    data,
    error_code,
    read_application,
    read_connection,
    request,
)


async def test_c01_the_next_read_after_a_revoke_says_revoked(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()
    row = await factory.connection(application)
    await change(admin, "approve", gid(row))
    warm = await read_application(admin, gid(application))
    assert [c["status"] for c in warm["connections"]] == ["APPROVED"]

    await change(admin, "revoke", gid(row))

    details = await read_application(admin, gid(application))
    assert [c["status"] for c in details["connections"]] == ["REVOKED"]
    assert details["connections"][0]["availableActions"] == ["APPROVE", "DELETE"]
    assert (await read_connection(admin, gid(row)))["status"] == "REVOKED"
    lists = await admin(
        """query($app: ID!) {
          approved: serviceConnections(filter: {status: [APPROVED]}) { totalCount }
          revoked: serviceConnections(filter: {status: [REVOKED], applicationId: $app}) {
            nodes { id status } }
        }""",
        app=gid(application),
    )
    assert data(lists, "approved") == {"totalCount": 0}
    assert data(lists, "revoked") == {"nodes": [{"id": gid(row), "status": "REVOKED"}]}
    again = await change(admin, "revoke", gid(row))  # an access decision: nothing to revoke
    assert (again["changed"], again["errors"]) == (False, [])
    refused = await change(admin, "reject", gid(row))
    assert "REVOKED" in refused["errors"][0]["message"]


@pytest.mark.parametrize(("auto", "status"), [(False, "PENDING"), (True, "APPROVED")])
async def test_c02_a_request_after_a_delete_is_a_new_connection(
    admin: GraphQLClient, factory: Factory, auto: bool, status: str
) -> None:
    await settings_store.update_portal_settings(SYSTEM, auto_approve_connections=auto)
    application, version = await factory.application(), await factory.version()
    old = (await request(admin, gid(application), gid(version)))["serviceConnection"]
    if not auto:
        await change(admin, "approve", old["id"])

    await change(admin, "delete", old["id"])
    new = await request(admin, gid(application), gid(version))

    assert new["errors"] == []
    assert new["serviceConnection"]["id"] != old["id"]
    assert new["serviceConnection"]["status"] == status
    gone = await admin("query($id: ID!) { serviceConnection(id: $id) { id } }", id=old["id"])
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    details = await read_application(admin, gid(application))
    assert [c["id"] for c in details["connections"]] == [new["serviceConnection"]["id"]]


async def test_c04_revoke_then_approve_with_reads_between(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    steps = [await read_connection(admin, gid(row))]

    await change(admin, "revoke", gid(row))
    steps.append(await read_connection(admin, gid(row)))
    await change(admin, "approve", gid(row))
    steps.append(await read_connection(admin, gid(row)))

    assert [s["status"] for s in steps] == ["APPROVED", "REVOKED", "APPROVED"]
    assert steps[0]["updatedAt"] < steps[1]["updatedAt"] < steps[2]["updatedAt"]
    newest = steps[2]["history"][:2]
    assert [(e["action"], e["fromStatus"], e["toStatus"]) for e in newest] == [
        ("APPROVE", "REVOKED", "APPROVED"),
        ("REVOKE", "APPROVED", "REVOKED"),
    ]
    assert len(steps[2]["history"]) == len(steps[0]["history"]) + 2


async def test_c10_delete_request_approve_leaves_no_trace_of_the_old_row(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    application, version = await row.application, await row.service_version

    await change(admin, "delete", gid(row))
    new = (await request(admin, gid(application), gid(version)))["serviceConnection"]
    approved = await change(admin, "approve", new["id"])

    assert approved["errors"] == []
    assert approved["serviceConnection"]["status"] == "APPROVED"
    assert await ServiceConnection.filter(application_id=application.id).count() == 1


async def test_c17_concurrent_duplicate_requests_make_one_connection(
    admin: GraphQLClient, factory: Factory
) -> None:
    application, version = await factory.application(), await factory.version()

    bodies = await asyncio.gather(
        *(_request_body(admin, gid(application), gid(version)) for _ in range(10))
    )
    bodies.append(await _request_body(admin, gid(application), gid(version)))

    assert all("errors" not in body for body in bodies), bodies  # no server error
    rows = await ServiceConnection.filter(application_id=application.id)
    assert len(rows) == 1
    winner = gid(rows[0])
    created = [p for p in _payloads(bodies) if p["changed"]]
    assert len(created) == 1
    assert created[0]["serviceConnection"]["id"] == winner
    for payload in _payloads(bodies):
        if payload["changed"]:
            continue
        assert error_code(payload) == "ALREADY_CONNECTED"
        assert winner in payload["errors"][0]["message"]
        assert payload["serviceConnection"]["id"] == winner
    assert await ConnectionEvent.filter(application_id=application.id).count() == 1


async def _request_body(gql: GraphQLClient, application_id: str, version_id: str) -> dict[str, Any]:
    return await gql(
        REQUEST, input={"applicationId": application_id, "serviceVersionId": version_id}
    )


def _payloads(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [body["data"]["requestConnection"] for body in bodies]


async def test_c19_each_request_reads_what_the_one_before_wrote(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()
    row = await factory.connection(application, status=AccessStatus.APPROVED)

    first = await read_application(admin, gid(application))
    await change(admin, "revoke", gid(row))
    third = await read_application(admin, gid(application))

    assert [c["status"] for c in first["connections"]] == ["APPROVED"]
    assert [c["status"] for c in third["connections"]] == ["REVOKED"]


async def test_c19_one_operation_that_revokes_then_reads_returns_revoked(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = await factory.application()
    row = await factory.connection(application, status=AccessStatus.APPROVED)

    body = await admin(
        """mutation($app: ID!, $id: ID!) {
          before: updateApplication(input: {id: $app, description: "one"}) {
            application { connections { status } } }
          revokeConnection(input: {id: $id}) {
            serviceConnection { status application { connections { status } } } }
          after: updateApplication(input: {id: $app, description: "two"}) {
            application { connections { status availableActions } } }
        }""",
        app=gid(application),
        id=gid(row),
    )

    assert "errors" not in body, body
    result = body["data"]
    assert result["before"]["application"]["connections"] == [{"status": "APPROVED"}]
    revoked = result["revokeConnection"]["serviceConnection"]
    assert revoked["status"] == "REVOKED"
    assert revoked["application"]["connections"] == [{"status": "REVOKED"}]
    assert result["after"]["application"]["connections"] == [
        {"status": "REVOKED", "availableActions": ["APPROVE", "DELETE"]}
    ]


async def test_c20_same_names_for_two_developers_stay_apart(
    admin: GraphQLClient, factory: Factory
) -> None:
    d1 = await factory.developer(name="D1")
    d2 = await factory.developer(name="D2")
    version = await factory.version()
    r1 = await factory.connection(
        await factory.application(d1, "App 1"), version, AccessStatus.APPROVED
    )
    r2 = await factory.connection(
        await factory.application(d2, "App 1"), version, AccessStatus.APPROVED
    )

    found = data(
        await admin(
            """{ applications(search: "App 1") { totalCount nodes { name developer { name } } } }"""
        ),
        "applications",
    )
    await change(admin, "revoke", gid(r1))

    assert found["totalCount"] == 2
    assert sorted(n["developer"]["name"] for n in found["nodes"]) == ["D1", "D2"]
    assert {n["name"] for n in found["nodes"]} == {"App 1"}
    assert (await ServiceConnection.get(id=r1.id)).status is AccessStatus.REVOKED
    assert (await ServiceConnection.get(id=r2.id)).status is AccessStatus.APPROVED
    assert await ConnectionEvent.filter(connection_id=r2.id, action="revoke").count() == 0
