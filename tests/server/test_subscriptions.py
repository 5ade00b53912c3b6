"""Live updates over graphql-transport-ws through real uvicorn.

A subscription only starts listening once the server has run its first step, and the
protocol has no message that says so. So each test first makes "warm-up" changes to another
connection until one of their events arrives; from then on every event must arrive.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.models import AccessStatus, ServiceConnection
from app.settings import Settings
from tests.conftest import POSTGRES_URL, GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change
from tests.live_server import live_server

pytestmark = pytest.mark.server

EVENTS = """subscription($app: ID) { connectionEvents(applicationId: $app) {
  action fromStatus toStatus note connectionId applicationId } }"""


@asynccontextmanager
async def subscription(
    base: str, token: str | None, variables: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, acknowledged, with `connectionEvents` subscribed."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        params = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"query": EVENTS, "variables": variables or {}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        yield ws


async def next_event(ws: ClientConnection, seconds: float) -> dict[str, Any] | None:
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=seconds))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    event: dict[str, Any] = message["payload"]["data"]["connectionEvents"]
    return event


async def warm_up(ws: ClientConnection, gql: GraphQLClient, row: ServiceConnection) -> None:
    """Toggle `row` until one of its events comes through: the subscription is listening."""
    for attempt in range(100):
        await change(gql, "revoke" if attempt % 2 == 0 else "approve", gid(row))
        if await next_event(ws, seconds=0.2) is not None:
            return
    raise AssertionError("the subscription never delivered an event")


async def events_until(
    ws: ClientConnection, connection_id: str, seconds: float = 10
) -> list[dict[str, Any]]:
    """Every event received up to and including the first one of `connection_id`."""
    received: list[dict[str, Any]] = []
    while True:
        event = await next_event(ws, seconds)
        assert event is not None, f"no event of {connection_id} within {seconds} s: {received}"
        received.append(event)
        if event["connectionId"] == connection_id:
            return received


async def two_connections(factory: Factory) -> tuple[ServiceConnection, ServiceConnection]:
    """A warm-up connection and the one under test, both approved, of one application."""
    application = await factory.application()
    warm = await factory.connection(application, status=AccessStatus.APPROVED)
    return warm, await factory.connection(application, status=AccessStatus.APPROVED)


def _workers(settings: Settings) -> int:
    return 1 if settings.is_sqlite else 2


async def test_a_subscriber_receives_the_event_of_a_mutation_over_http(
    db: Settings, factory: Factory
) -> None:
    token = await factory.token("admin")
    warm, row = await two_connections(factory)
    application_id = gid(await row.application)

    with live_server(db, workers=_workers(db)) as base:
        async with (
            httpx.AsyncClient(base_url=base) as http,
            subscription(base, token, {"app": application_id}) as ws,
        ):
            gql = GraphQLClient(http, token)
            await warm_up(ws, gql, warm)
            await change(gql, "revoke", gid(row), note="Over HTTP.")
            received = await events_until(ws, gid(row))

    assert received[-1] == {
        "action": "REVOKE",
        "fromStatus": "APPROVED",
        "toStatus": "REVOKED",
        "note": "Over HTTP.",
        "connectionId": gid(row),
        "applicationId": application_id,
    }


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # refused before any query
async def test_a_subscription_without_a_token_is_refused(db: Settings) -> None:
    with live_server(db) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_a_developer_receives_only_their_own_applications_events(
    db: Settings, factory: Factory
) -> None:
    admin_token = await factory.token("admin")
    owner = await factory.developer()
    own_app = await factory.application(owner)
    warm = await factory.connection(own_app, status=AccessStatus.APPROVED)
    mine = await factory.connection(own_app, status=AccessStatus.APPROVED)
    foreign = await factory.connection(status=AccessStatus.APPROVED)
    developer_token = await factory.token("developer", owner)

    with live_server(db) as base:
        async with (
            httpx.AsyncClient(base_url=base) as http,
            subscription(base, developer_token) as ws,
        ):
            gql = GraphQLClient(http, admin_token)
            await warm_up(ws, gql, warm)
            await change(gql, "revoke", gid(foreign))
            await change(gql, "revoke", gid(mine))
            received = await events_until(ws, gid(mine))

    assert gid(foreign) not in {event["connectionId"] for event in received}
    assert received[-1]["action"] == "REVOKE"


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DEVPORTAL_TEST_POSTGRES_URL")
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_an_event_reaches_a_subscriber_of_another_server_process(
    db: Settings, factory: Factory
) -> None:
    """LISTEN/NOTIFY: the mutation goes to one process, the subscription is held by another."""
    token = await factory.token("admin")
    warm, row = await two_connections(factory)

    with live_server(db) as listening, live_server(db) as writing:
        async with (
            httpx.AsyncClient(base_url=writing) as http,
            subscription(listening, token) as ws,
        ):
            gql = GraphQLClient(http, token)
            await warm_up(ws, gql, warm)
            await change(gql, "revoke", gid(row), note="From the other process.")
            received = await events_until(ws, gid(row))

    assert (received[-1]["action"], received[-1]["note"]) == ("REVOKE", "From the other process.")
