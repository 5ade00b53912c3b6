"""Bodies that are not GraphQL over HTTP in ways the JSON parser itself trips on: bytes that are
not UTF-8 and nesting deeper than its recursion. Each answers 400 in the JSON error shape with
BAD_REQUEST, like any other bad body (test_http_contract.py), never a plain-text 500."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient


async def post_raw(admin: GraphQLClient, content: bytes) -> tuple[int, dict[str, Any]]:
    response = await admin.http.post(
        "/graphql",
        content=content,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {admin.token}"},
    )
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def test_a_body_that_is_not_utf8_is_a_bad_request(admin: GraphQLClient) -> None:
    status, body = await post_raw(admin, b'{"query": "{ viewer { role } }", "x": "\xff\xfe"}')

    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "UTF-8" in error["message"]


async def test_variables_nested_100000_deep_are_a_bad_request(admin: GraphQLClient) -> None:
    depth = 100_000
    nested = "[" * depth + "]" * depth
    content = f'{{"query": "{{ viewer {{ role }} }}", "variables": {{"x": {nested}}}}}'

    status, body = await post_raw(admin, content.encode())

    assert status == 400
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "nested too deeply" in error["message"]
