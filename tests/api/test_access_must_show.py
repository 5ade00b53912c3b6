"""What issue 5 must show, each as its own test: without a token `applications` answers
UNAUTHENTICATED; with a developer token another developer's application id answers NOT_FOUND
(never FORBIDDEN); a query of depth 20 is refused."""

from __future__ import annotations

from tests.api.test_limits import document_of_depth
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid


async def test_without_a_token_applications_answers_unauthenticated(
    anonymous: GraphQLClient, factory: Factory
) -> None:
    await factory.application()

    body = await anonymous("{ applications(first: 10) { totalCount nodes { id name } } }")

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_a_developer_token_gets_not_found_for_another_developers_application(
    anonymous: GraphQLClient, factory: Factory
) -> None:
    me, other = await factory.developer(), await factory.developer()
    foreign = await factory.application(other)
    developer = anonymous.as_token(await factory.token("developer", me))

    body = await developer("query($id: ID!) { application(id: $id) { id name } }", id=gid(foreign))

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert foreign.name not in str(body)


async def test_a_query_of_depth_20_is_refused(admin: GraphQLClient) -> None:
    body = await admin(document_of_depth(20))

    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
