"""Reference ids attribute gateway traffic, so who chooses them is an access question: only an
admin chooses one, and none may look like (or be) a credential's client id, which gateway logs
name too and which is matched after reference ids."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain import credentials
from app.domain.viewer import SYSTEM
from app.models import Application
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid

CREATE = """
mutation($input: CreateApplicationInput!) {
  createApplication(input: $input) {
    application { id referenceId }
    errors { code message field }
  }
}"""


async def create(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, input=fields)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createApplication"]
    return payload


async def test_a_developer_choosing_a_reference_id_is_forbidden(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer()
    own = admin.as_token(await factory.token("developer", developer))

    payload = await create(own, name="Mine", referenceId="someone-elses-consumer")

    assert payload["application"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("FORBIDDEN", "referenceId")
    assert "admin" in error["message"]
    assert await Application.filter(developer_id=developer.id).count() == 0


async def test_a_developer_gets_a_made_up_reference_id(
    admin: GraphQLClient, factory: Factory
) -> None:
    own = admin.as_token(await factory.token("developer", await factory.developer()))

    payload = await create(own, name="Mine")

    assert payload["errors"] == []
    assert uuid.UUID(payload["application"]["referenceId"])


async def test_a_developer_cannot_probe_other_tenants_reference_ids(
    admin: GraphQLClient, factory: Factory
) -> None:
    """A taken id and a free one get the same answer: "is taken" can no longer leak one."""
    await factory.application(reference_id="tenant-a-consumer")
    own = admin.as_token(await factory.token("developer", await factory.developer()))

    taken = await create(own, name="One", referenceId="tenant-a-consumer")
    free = await create(own, name="Two", referenceId="nobody-has-this")

    assert taken["errors"][0]["code"] == free["errors"][0]["code"] == "FORBIDDEN"
    assert "tenant-a-consumer" not in taken["errors"][0]["message"]


async def test_an_admin_chooses_a_reference_id(admin: GraphQLClient, factory: Factory) -> None:
    developer = await factory.developer()

    payload = await create(
        admin, name="Chosen", developerId=gid(developer), referenceId="  kong-consumer-7 "
    )

    assert payload["errors"] == []
    assert payload["application"]["referenceId"] == "kong-consumer-7"


async def test_a_reference_id_equal_to_a_client_id_is_refused(
    admin: GraphQLClient, factory: Factory
) -> None:
    """Imported credentials may have client ids without our prefix: equality is checked too."""
    victim = await factory.application()
    credential, _ = await credentials.create_credential(SYSTEM, victim.id, "gateway")
    await type(credential).filter(id=credential.id).update(client_id="legacy-client-1")

    payload = await create(
        admin,
        name="Takeover",
        developerId=gid(await factory.developer()),
        referenceId="legacy-client-1",
    )

    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "referenceId")
    assert "client id" in error["message"]


async def test_a_reference_id_with_the_client_id_prefix_is_refused(
    admin: GraphQLClient, factory: Factory
) -> None:
    payload = await create(
        admin, name="Lookalike", developerId=gid(await factory.developer()), referenceId="DPC_1"
    )

    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "referenceId")
    assert "dpc_" in error["message"]


async def test_a_taken_reference_id_is_refused_echoing_at_most_60_characters(
    admin: GraphQLClient, factory: Factory
) -> None:
    reference = "r" * 100
    await factory.application(reference_id=reference)

    payload = await create(
        admin, name="Second", developerId=gid(await factory.developer()), referenceId=reference
    )

    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "referenceId")
    assert "is taken" in error["message"]
    assert "r" * 61 not in error["message"]
