"""Every limit at its edge: the last allowed value passes, the first one over is refused with
its code. Depth, aliases, tokens, page size, bulk size, body size, subscriptions per
WebSocket, introspection, masked errors and the per-token rate limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from graphql.language import Lexer, Source, TokenKind
from websockets.asyncio.client import connect

from app import global_ids
from app.domain import listing
from app.settings import Settings
from app.web import create_app
from tests.conftest import GraphQLClient
from tests.factories import Factory
from tests.live_server import live_server


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body.get("errors") or []) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


# --- Depth: the root field is at depth 0, as graphql-depth-limit counts -----------------------


def document_of_depth(depth: int) -> str:
    """applications > nodes > connections > application > connections > ... > id, with the
    leaf `id` at `depth`."""
    fields = ["applications(first: 1)", "nodes"]
    while len(fields) < depth:
        fields.append("connections" if len(fields) % 2 == 0 else "application")
    return "{ " + " { ".join([*fields, "id"]) + " }" * len(fields) + " }"


async def test_a_query_of_the_maximum_depth_12_runs(admin: GraphQLClient, db: Settings) -> None:
    assert db.max_query_depth == 12

    body = await admin(document_of_depth(12))

    assert "errors" not in body, body


async def test_a_query_of_depth_13_is_refused(admin: GraphQLClient) -> None:
    error = only_error(await admin(document_of_depth(13)))

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth of 12" in error["message"]


async def test_a_query_of_depth_20_is_refused(admin: GraphQLClient) -> None:
    error = only_error(await admin(document_of_depth(20)))

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_fragments_count_towards_the_depth(admin: GraphQLClient) -> None:
    """The fragment's leaf sits at depth 13 of the operation."""
    fragment = (
        "fragment Deep on ServiceConnection { application { connections { application { "
        "connections { application { connections { application { connections { id } } } } } } "
        "} } }"
    )
    body = await admin(
        "{ applications(first: 1) { nodes { connections { application { connections "
        "{ ...Deep } } } } } } " + fragment
    )

    assert only_error(body)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# --- Aliases ----------------------------------------------------------------------------------


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(count)) + " }"


async def test_30_aliases_are_allowed(admin: GraphQLClient, db: Settings) -> None:
    assert db.max_aliases == 30

    body = await admin(aliased(30))

    assert "errors" not in body, body
    assert len(body["data"]) == 30


async def test_31_aliases_are_refused(admin: GraphQLClient) -> None:
    error = only_error(await admin(aliased(31)))

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["message"] == "31 aliases found. Allowed: 30"


# --- Tokens -----------------------------------------------------------------------------------


def token_count(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def document_of_tokens(tokens: int) -> str:
    """A list of developer ids long enough for the document to have exactly `tokens`."""
    frame = "{ applications(filter: {developerIds: [%s]}) { totalCount } }"
    ids = [f'"{global_ids.encode("Developer", 10_000 + i)}"' for i in range(tokens)]
    base = token_count(frame % "")
    document = frame % " ".join(ids[: tokens - base])
    assert token_count(document) == tokens
    return document


async def test_a_document_of_5000_tokens_is_parsed(admin: GraphQLClient, db: Settings) -> None:
    assert db.max_tokens == 5000

    body = await admin(document_of_tokens(5000))

    assert "errors" not in body, body["errors"][:1]


async def test_a_document_of_5001_tokens_is_refused(admin: GraphQLClient) -> None:
    error = only_error(await admin(document_of_tokens(5001)))

    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "5000 tokens" in error["message"]


# --- Page size and bulk size ------------------------------------------------------------------


@pytest.mark.parametrize("argument", ["first", "last"])
async def test_a_page_of_100_is_allowed(admin: GraphQLClient, argument: str) -> None:
    body = await admin(f"{{ applications({argument}: 100) {{ totalCount }} }}")

    assert "errors" not in body, body


@pytest.mark.parametrize("argument", ["first", "last"])
async def test_a_page_of_101_is_refused(admin: GraphQLClient, argument: str) -> None:
    error = only_error(await admin(f"{{ applications({argument}: 101) {{ totalCount }} }}"))

    assert error["extensions"] == {"code": "VALIDATION", "field": argument}


async def test_a_nested_page_of_101_is_refused(admin: GraphQLClient, factory: Factory) -> None:
    developer = await factory.developer()
    body = await admin(
        "query($id: ID!) { developer(id: $id) { applications(first: 101) { totalCount } } }",
        id=global_ids.encode("Developer", developer.id),
    )

    assert only_error(body)["extensions"]["code"] == "VALIDATION"


BULK = """mutation($ids: [ID!]!) { approveConnections(input: {ids: $ids}) {
  changedCount errors { code field } results { errors { code } } } }"""


def connection_ids(count: int) -> list[str]:
    return [global_ids.encode("ServiceConnection", 50_000 + i) for i in range(count)]


async def test_a_bulk_change_of_100_ids_is_attempted(admin: GraphQLClient, db: Settings) -> None:
    assert db.max_bulk_ids == 100

    payload = (await admin(BULK, ids=connection_ids(100)))["data"]["approveConnections"]

    assert payload["errors"] == []
    assert len(payload["results"]) == 100  # each NOT_FOUND: none of them exists


async def test_a_bulk_change_of_101_ids_is_refused_whole(admin: GraphQLClient) -> None:
    payload = (await admin(BULK, ids=connection_ids(101)))["data"]["approveConnections"]

    assert payload["errors"] == [{"code": "VALIDATION", "field": "ids"}]
    assert payload["results"] == []


# --- Body size --------------------------------------------------------------------------------


def body_of(size: int) -> bytes:
    """A JSON request of exactly `size` bytes: a query and a padding variable it ignores (a
    padded document would meet the document size limit first)."""
    frame = '{"query": "{ viewer { role } }", "variables": {"padding": "%s"}}'
    body = (frame % ("x" * (size - len(frame % "")))).encode()
    assert len(body) == size
    return body


async def post_raw(admin: GraphQLClient, content: bytes) -> httpx.Response:
    return await admin.http.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )


async def test_a_body_of_exactly_the_cap_is_served(admin: GraphQLClient, db: Settings) -> None:
    response = await post_raw(admin, body_of(db.max_body_bytes))

    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "ADMIN"


async def test_a_body_one_byte_over_the_cap_is_refused_with_413(
    admin: GraphQLClient, db: Settings
) -> None:
    response = await post_raw(admin, body_of(db.max_body_bytes + 1))

    assert response.status_code == 413
    assert only_error(response.json())["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# --- Subscriptions per WebSocket ---------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_subscriptions_up_to_the_cap_run_and_one_more_is_refused_with_a_code(
    db: Settings, factory: Factory
) -> None:
    token = await factory.token("admin")
    query = {"query": "subscription { connectionEvents { id } }"}

    with live_server(db, extra_env={"DEVPORTAL_MAX_SUBSCRIPTIONS": "3"}) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            for n in range(1, 5):
                await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": query}))
            refusal = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            with pytest.raises(TimeoutError):  # the three others run, silently
                await asyncio.wait_for(ws.recv(), timeout=0.5)

    assert refusal["id"] == "4"
    assert refusal["type"] == "error"
    assert refusal["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


# --- Introspection and masked errors -----------------------------------------------------------


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_is_refused_when_switched_off(
    factory: Factory, monkeypatch: pytest.MonkeyPatch, db: Settings
) -> None:
    for name, value in {
        "DEVPORTAL_INTROSPECTION": "0",
        "DEVPORTAL_DATABASE_URL": db.database_url,
        "DEVPORTAL_RATE_LIMIT_PER_MINUTE": "0",
    }.items():
        monkeypatch.setenv(name, value)
    token = await factory.token("admin")
    transport = httpx.ASGITransport(app=create_app())  # the settings of the environment
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.post(
            "/graphql", json={"query": INTROSPECTION}, headers={"Authorization": f"Bearer {token}"}
        )

    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection has been disabled" in errors[0]["message"]
    assert "data" not in response.json() or response.json()["data"] is None


async def test_introspection_answers_when_switched_on(admin: GraphQLClient) -> None:
    body = await admin(INTROSPECTION)

    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


def explode(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fail(*_: Any, **__: Any) -> Any:
        raise RuntimeError('near "SELECT": syntax error in /srv/app/listing.py')

    monkeypatch.setattr(listing, "list_applications", fail)


async def test_an_unexpected_error_is_masked_outside_debug_mode(
    admin: GraphQLClient, monkeypatch: pytest.MonkeyPatch, db: Settings
) -> None:
    assert db.debug is False
    explode(monkeypatch)

    body = await admin("{ applications { totalCount } }")

    assert only_error(body)["message"] == "Internal error."
    assert only_error(body)["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "SELECT" not in json.dumps(body)
    assert "listing.py" not in json.dumps(body)


async def test_an_unexpected_error_shows_its_message_in_debug_mode(
    app_with: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    explode(monkeypatch)
    token = await factory.token("admin")
    http = app_with(debug=True)

    response = await http.post(
        "/graphql",
        json={"query": "{ applications { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )

    error = only_error(response.json())
    assert "syntax error in /srv/app/listing.py" in error["message"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


# --- Rate limit -------------------------------------------------------------------------------


async def test_the_rate_limit_answers_429_with_retry_after(app_with: Any, factory: Factory) -> None:
    token = await factory.token("admin")
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=2)
    headers = {"Authorization": f"Bearer {token}"}

    statuses = [
        (await http.post("/graphql", json={"query": "{ viewer { role } }"}, headers=headers))
        for _ in range(3)
    ]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert int(statuses[2].headers["Retry-After"]) >= 1
    assert statuses[2].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_each_token_has_its_own_bucket(app_with: Any, factory: Factory) -> None:
    first, second = await factory.token("admin"), await factory.token("viewer")
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1)

    async def status(token: str) -> int:
        response: httpx.Response = await http.post(
            "/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code

    assert [await status(first), await status(first), await status(second)] == [200, 429, 200]


async def test_spellings_of_one_token_share_its_bucket(app_with: Any, factory: Factory) -> None:
    """Blanks or the scheme's case must not buy a fresh bucket for the same token."""
    token = await factory.token("admin")
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=2)
    spellings = [f"Bearer {token}", f"bearer  {token}", f"BEARER {token} "]

    statuses = [
        (
            await http.post(
                "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": s}
            )
        ).status_code
        for s in spellings
    ]

    assert statuses == [200, 200, 429]


async def test_health_checks_are_exempt_from_the_rate_limit(app_with: Any) -> None:
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1)

    statuses = [(await http.get("/healthz")).status_code for _ in range(5)]

    assert statuses == [200] * 5


async def test_a_document_over_the_size_limit_is_refused_before_parsing(
    admin: GraphQLClient, db: Settings
) -> None:
    padding = "#" + "x" * db.max_document_bytes + "\n"

    body = await admin(padding + "{ viewer { role } }")

    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "DEVPORTAL_MAX_DOCUMENT_BYTES" in error["message"]
