"""DEVPORTAL_ANONYMOUS_READ: requests without a token read as a viewer and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.conftest import GraphQLClient
from tests.factories import Factory, gid

NAMES = "{ applications(first: 10) { nodes { name } } }"
RENAME = """
mutation($id: ID!) { updateApplication(input: {id: $id, name: "taken over"}) {
  errors { code } } }
"""


async def test_without_a_token_a_read_is_refused_by_default(
    app_with: Callable[..., httpx.AsyncClient],
) -> None:
    body = await GraphQLClient(app_with(), None)(NAMES)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_reads_see_what_a_viewer_sees(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    await factory.application(name="public-app")

    body = await GraphQLClient(app_with(anonymous_read=True), None)(NAMES)

    assert body["data"]["applications"]["nodes"] == [{"name": "public-app"}]


async def test_anonymous_requests_change_nothing(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    application = await factory.application(name="kept")

    body = await GraphQLClient(app_with(anonymous_read=True), None)(RENAME, id=gid(application))

    assert body["data"]["updateApplication"]["errors"][0]["code"] == "FORBIDDEN"
    await application.refresh_from_db()
    assert application.name == "kept"


async def test_a_bad_token_is_refused_even_when_anonymous_reads_are_allowed(
    app_with: Callable[..., httpx.AsyncClient],
) -> None:
    body = await GraphQLClient(app_with(anonymous_read=True), "wrong")(NAMES)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_malformed_authorization_header_is_refused_not_read_as_anonymous(
    app_with: Callable[..., httpx.AsyncClient],
) -> None:
    http = app_with(anonymous_read=True)

    response = await http.post(
        "/graphql", json={"query": NAMES}, headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
