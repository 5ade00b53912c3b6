"""The HTTP contract: authentication, error codes and statuses, limits, GraphiQL, health checks.

Errors follow GraphQL over HTTP with `application/json` responses: a well-formed HTTP request
answers 200 with `errors` (parse and validation failures included, as Strawberry does); a
request that is not GraphQL over HTTP at all (no JSON, no query, a query over GET) answers
400 with the same JSON error shape. Every error has a stable `code` in its extensions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Message
from tortoise import Tortoise

from app.db import tortoise_config
from app.domain import listing
from app.settings import Settings
from app.web import create_app
from tests.conftest import GraphQLClient
from tests.factories import Factory

APPLICATIONS = "{ applications(first: 1) { totalCount } }"


async def post(
    http: httpx.AsyncClient, token: str | None, payload: Any, **headers: str
) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post("/graphql", json=payload, headers=headers)


def only_error(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_no_token_is_unauthenticated(anonymous: GraphQLClient) -> None:
    body = await anonymous(APPLICATIONS)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Bearer" in body["errors"][0]["message"]


async def test_unknown_token_is_unauthenticated(anonymous: GraphQLClient) -> None:
    body = await anonymous.as_token("dp_not-a-real-token")(APPLICATIONS)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_malformed_document_is_a_parse_error_with_status_200(
    admin: GraphQLClient,
) -> None:
    response = await post(admin.http, admin.token, {"query": "{ applications(first: 1 { id }"})

    error = only_error(response)
    assert response.status_code == 200
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["message"].startswith("Syntax Error")
    assert "data" not in response.json() or response.json()["data"] is None


async def test_unknown_field_is_a_validation_error_with_status_200(
    admin: GraphQLClient,
) -> None:
    response = await post(admin.http, admin.token, {"query": "{ applications { nope } }"})

    error = only_error(response)
    assert response.status_code == 200
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in error["message"]


async def test_parse_and_validation_errors_need_no_token(anonymous: GraphQLClient) -> None:
    """Document errors are found before any resolver runs, so they read the same signed out."""
    parse = await post(anonymous.http, None, {"query": "{"})
    validation = await post(anonymous.http, None, {"query": "{ nope }"})

    assert only_error(parse)["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert only_error(validation)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_wrong_variable_type_is_a_validation_error(admin: GraphQLClient) -> None:
    response = await post(
        admin.http,
        admin.token,
        {
            "query": "query($n: Int) { applications(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        },
    )

    assert response.status_code == 200
    assert only_error(response)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"variables": {}}', "application/json"),
        (b"[1, 2", "application/json"),
        (b"query=1", "text/plain"),
        (b'"{ viewer { role } }"', "application/json"),
        (b"5", "application/json"),
        (b'{"query": "{ viewer { role } }", "variables": [1]}', "application/json"),
        (b'[{"query": "{ viewer { role } }"}]', "application/json"),
    ],
    ids=[
        "broken-json",
        "no-query",
        "broken-batch",
        "wrong-content-type",
        "json-string",
        "json-number",
        "variables-not-object",
        "batch",
    ],
)
async def test_request_that_is_not_graphql_is_a_json_error_with_status_400(
    admin: GraphQLClient, content: bytes, content_type: str
) -> None:
    response = await admin.http.post(
        "/graphql",
        content=content,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 400
    error = only_error(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]


async def test_query_over_get_is_refused_as_a_json_error(admin: GraphQLClient) -> None:
    response = await admin.http.get(
        "/graphql",
        params={"query": APPLICATIONS},
        headers={"Authorization": f"Bearer {admin.token}", "Accept": "application/json"},
    )

    assert response.status_code in (400, 405)
    assert only_error(response)["extensions"]["code"] == "BAD_REQUEST"


async def test_body_over_the_cap_is_refused_with_413_and_a_json_error(
    admin: GraphQLClient, db: Settings
) -> None:
    padding = "#" * (db.max_body_bytes + 1)

    response = await post(admin.http, admin.token, {"query": f"{APPLICATIONS}\n{padding}"})

    assert response.status_code == 413
    error = only_error(response)
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_streamed_body_over_the_cap_is_refused_with_413(db: Settings) -> None:
    """Without Content-Length the cap is counted while the body arrives."""
    app = create_app(Settings(database_url=db.database_url, max_body_bytes=1_000))
    chunks = [b'{"query": "{ applications { totalCount } }", "x": "', b"#" * 600, b"#" * 600]
    messages: list[Message] = []

    async def receive() -> Message:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await app(scope, receive, send)

    assert messages[0]["type"] == "http.response.start"
    assert messages[0]["status"] == 413
    body = b"".join(m.get("body", b"") for m in messages[1:])
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_graphiql_page_is_served_to_a_browser_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_introspection_works_for_graphiql_despite_the_depth_limit(
    admin: GraphQLClient,
) -> None:
    from graphql import get_introspection_query

    body = await admin(get_introspection_query(descriptions=True))

    assert "errors" not in body, body["errors"][:1]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_healthz_answers_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_answers_200_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_readyz_answers_503_with_pending_migrations(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite://{tmp_path / 'empty.sqlite3'}")
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    try:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/readyz")
    finally:
        await Tortoise.close_connections()

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "migrations pending"
    assert "models.0001_initial" in body["pending"]


def _nested(depth: int) -> str:
    """applications > edges > node > connections > application > connections > ... to `depth`."""
    inner = "id"
    levels = 3  # applications, edges, node
    while levels < depth:
        inner = f"connections {{ application {{ {inner} }} }}"
        levels += 2
    return f"{{ applications(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"


async def test_query_of_depth_20_is_refused(admin: GraphQLClient, db: Settings) -> None:
    assert db.max_query_depth < 20
    response = await post(admin.http, admin.token, {"query": _nested(20)})

    error = only_error(response)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_query_within_the_depth_limit_runs(admin: GraphQLClient) -> None:
    body = await admin(_nested(9))

    assert "errors" not in body, body


async def test_too_many_aliases_are_refused(admin: GraphQLClient, db: Settings) -> None:
    aliases = " ".join(f"a{i}: applications(first: 1) {{ totalCount }}" for i in range(40))
    assert db.max_aliases < 40

    response = await post(admin.http, admin.token, {"query": f"{{ {aliases} }}"})

    error = only_error(response)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in error["message"]


async def test_unexpected_error_in_a_resolver_is_masked(
    admin: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(*_: Any, **__: Any) -> Any:
        raise RuntimeError('SELECT secret FROM "application" -- internals')

    monkeypatch.setattr(listing, "list_applications", explode)

    response = await post(admin.http, admin.token, {"query": APPLICATIONS})

    error = only_error(response)
    assert response.status_code == 200
    assert error["message"] == "Internal error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "secret" in caplog.text, "the real error is logged for the operator"


async def test_expected_errors_are_not_masked(admin: GraphQLClient) -> None:
    body = await admin("{ applications(first: -1) { totalCount } }")

    assert body["errors"][0]["message"] != "Internal error."
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_start_page_is_served(client: httpx.AsyncClient, factory: Factory) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_refused_with_405_and_a_json_error(
    admin: GraphQLClient, method: str
) -> None:
    response = await admin.http.request(
        method, "/graphql", headers={"Authorization": f"Bearer {admin.token}"}
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert only_error(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"
