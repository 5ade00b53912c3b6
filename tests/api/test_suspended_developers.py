"""A developer whose portal access is pending, rejected or revoked still reads their own data
with their token, but every write answers FORBIDDEN with a message saying why; and no admin
grants their connections access (APPROVE) until the developer is approved again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.domain import credentials
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, Developer
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change, read_connection

SUSPENDED = ["revoked", "pending", "rejected"]

Ids = dict[str, str]

# Each write a developer may make to their own objects: its input type, and its input.
WRITES: dict[str, tuple[str, Callable[[Ids], dict[str, str]]]] = {
    "createApplication": ("CreateApplicationInput", lambda ids: {"name": "New"}),
    "updateApplication": (
        "UpdateApplicationInput",
        lambda ids: {"id": ids["app"], "name": "Renamed"},
    ),
    "deleteApplication": ("IdInput", lambda ids: {"id": ids["app"]}),
    "createCredential": (
        "CreateCredentialInput",
        lambda ids: {"applicationId": ids["app"], "name": "key"},
    ),
    "revokeCredential": ("IdInput", lambda ids: {"id": ids["credential"]}),
    "deleteCredential": ("IdInput", lambda ids: {"id": ids["credential"]}),
    "requestConnection": (
        "RequestConnectionInput",
        lambda ids: {"applicationId": ids["app"], "serviceVersionId": ids["version"]},
    ),
    "deleteConnection": ("ChangeConnectionInput", lambda ids: {"id": ids["connection"]}),
}


async def suspend(developer: Developer, status: str) -> None:
    """Put the developer in `status` as an admin's change would (the row is what counts)."""
    await Developer.filter(id=developer.id).update(status=AccessStatus(status))


async def setup(factory: Factory) -> tuple[Developer, Ids]:
    developer = await factory.developer()
    application = await factory.application(developer)
    credential, _ = await credentials.create_credential(SYSTEM, application.id, "key")
    connection = await factory.connection(application)
    ids = {
        "app": gid(application),
        "credential": gid(credential),
        "version": gid(await factory.version()),
        "connection": gid(connection),
    }
    return developer, ids


async def write(gql: GraphQLClient, mutation: str, ids: Ids) -> dict[str, Any]:
    input_type, make_input = WRITES[mutation]
    body = await gql(
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) "
        "{ errors { code message field } } }",
        input=make_input(ids),
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][mutation]
    return payload


@pytest.mark.parametrize("status", SUSPENDED)
@pytest.mark.parametrize("mutation", list(WRITES))
async def test_every_write_of_a_suspended_developer_is_forbidden(
    admin: GraphQLClient, factory: Factory, mutation: str, status: str
) -> None:
    developer, ids = await setup(factory)
    own = admin.as_token(await factory.token("developer", developer))
    await suspend(developer, status)

    payload = await write(own, mutation, ids)

    [error] = payload["errors"]
    assert error["code"] == "FORBIDDEN"
    assert f"Your portal access is {status}; an admin must approve it" in error["message"]


async def test_a_revoked_developer_still_reads_their_own_applications(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer, ids = await setup(factory)
    own = admin.as_token(await factory.token("developer", developer))
    await suspend(developer, "revoked")

    body = await own("{ applications { nodes { id credentials { id } } } }")

    assert "errors" not in body, body
    [application] = body["data"]["applications"]["nodes"]
    assert application["id"] == ids["app"]
    assert [c["id"] for c in application["credentials"]] == [ids["credential"]]


async def test_a_developer_approved_again_may_write_again_with_the_same_token(
    admin: GraphQLClient, factory: Factory
) -> None:
    """The status is read when the token is authenticated, i.e. at every request."""
    developer, ids = await setup(factory)
    own = admin.as_token(await factory.token("developer", developer))
    await suspend(developer, "revoked")
    assert (await write(own, "createCredential", ids))["errors"]

    await suspend(developer, "approved")

    assert (await write(own, "createCredential", ids))["errors"] == []


async def test_a_suspended_developer_is_offered_no_action(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer, ids = await setup(factory)
    own = admin.as_token(await factory.token("developer", developer))
    await suspend(developer, "revoked")

    connection = await read_connection(own, ids["connection"])

    assert connection["availableActions"] == []


@pytest.mark.parametrize("status", SUSPENDED)
async def test_an_admin_may_not_approve_a_connection_of_a_suspended_developer(
    admin: GraphQLClient, factory: Factory, status: str
) -> None:
    developer, ids = await setup(factory)
    await suspend(developer, status)

    payload = await change(admin, "approve", ids["connection"])

    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("FORBIDDEN", "id")
    assert f"is {status}" in error["message"] and developer.name in error["message"]
    assert (await read_connection(admin, ids["connection"]))["status"] == "PENDING"


async def test_approve_is_not_offered_for_a_connection_of_a_revoked_developer(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer, ids = await setup(factory)
    await suspend(developer, "revoked")

    connection = await read_connection(admin, ids["connection"])

    assert connection["availableActions"] == ["REJECT", "DELETE"]
