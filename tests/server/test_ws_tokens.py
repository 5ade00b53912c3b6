"""WebSocket access through real uvicorn: the token in `connection_params` is checked at
`connection_init`, watched afterwards (the socket is closed with 4403 once the token is revoked
or expires), and only allowed origins and the graphql-transport-ws protocol get in."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.domain.clock import utcnow
from app.domain.tokens import create_token, revoke_token
from app.models import Role
from app.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.live_server import REPO, live_server

pytestmark = pytest.mark.server

EVENTS = "subscription { connectionEvents { action connectionId } }"


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def acknowledged(base: str, token: str, **headers: str) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection with the token acknowledged and one subscription."""
    async with connect(
        ws_url(base),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers=headers,
    ) as ws:
        payload = {"Authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"query": EVENTS, "variables": {}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        yield ws


async def close_code(ws: ClientConnection, within: float) -> tuple[int, float]:
    """The close code the server sends, and how many seconds it took to come."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        while True:  # no event is expected; anything else would be read past
            await asyncio.wait_for(ws.recv(), timeout=within)
    assert closed.value.rcvd is not None, "the server did not close the connection"
    return closed.value.rcvd.code, time.monotonic() - started


async def cli(settings: Settings, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        cwd=REPO,
        env={**os.environ, "DEVPORTAL_DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_token_revoked_elsewhere_closes_its_websocket_at_the_next_check(
    db: Settings,
) -> None:
    """SQLite: this process's announcement never reaches the server; its periodic check does."""
    token, text = await create_token(Role.ADMIN)

    with live_server(db, extra_env={"DEVPORTAL_WS_TOKEN_CHECK_SECONDS": "1"}) as base:
        async with acknowledged(base, text) as ws:
            await revoke_token(token.id)
            code, seconds = await close_code(ws, within=10)

    assert code == 4403
    assert seconds < 5


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DEVPORTAL_TEST_POSTGRES_URL")
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_token_revoked_with_the_cli_closes_its_websocket_at_once_on_postgres(
    db: Settings,
) -> None:
    """The CLI's NOTIFY reaches the server: no waiting for the (here hour-long) check."""
    token, text = await create_token(Role.VIEWER, name="watched")

    with live_server(db, extra_env={"DEVPORTAL_WS_TOKEN_CHECK_SECONDS": "3600"}) as base:
        async with acknowledged(base, text) as ws:
            output = await cli(db, "token", "revoke", str(token.id))
            code, seconds = await close_code(ws, within=10)

    assert f"token {token.id} revoked" in output
    assert code == 4403
    assert seconds < 5


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_an_expiring_token_closes_its_websocket_when_it_expires(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN, expires_at=utcnow() + timedelta(seconds=3))

    with live_server(db, extra_env={"DEVPORTAL_WS_TOKEN_CHECK_SECONDS": "3600"}) as base:
        async with acknowledged(base, text) as ws:
            code, seconds = await close_code(ws, within=15)

    assert code == 4403
    assert seconds < 8


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_revoked_token_is_refused_at_connection_init_with_4403(db: Settings) -> None:
    token, text = await create_token(Role.ADMIN)
    await revoke_token(token.id)

    with live_server(db) as base:
        async with connect(ws_url(base), subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            payload = {"Authorization": f"Bearer {text}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            code, _ = await close_code(ws, within=5)

    assert code == 4403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_token_still_valid_keeps_its_websocket_open(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN)

    with live_server(db, extra_env={"DEVPORTAL_WS_TOKEN_CHECK_SECONDS": "1"}) as base:
        async with acknowledged(base, text) as ws:
            with pytest.raises(TimeoutError):  # three checks pass, nothing is sent
                await asyncio.wait_for(ws.recv(), timeout=3.5)
            await ws.send(json.dumps({"type": "ping"}))
            pong = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))

    assert pong["type"] == "pong"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_websocket_from_an_origin_not_allowed_is_refused(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN)
    env = {"DEVPORTAL_ALLOWED_ORIGINS": "https://portal.example"}

    with live_server(db, extra_env=env) as base:
        async with acknowledged(base, text, Origin="https://portal.example") as ws:
            await ws.send(json.dumps({"type": "ping"}))
            allowed = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        with pytest.raises(InvalidStatus) as refused:
            async with acknowledged(base, text, Origin="https://elsewhere.example"):
                pass

    assert allowed["type"] == "pong"
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_legacy_graphql_ws_protocol_is_refused(db: Settings) -> None:
    """Only graphql-transport-ws: the legacy protocol would bypass the token watch."""
    with live_server(db) as base:
        async with connect(ws_url(base), subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            code, _ = await close_code(ws, within=5)

    assert code == 4406


async def test_a_developer_suspended_after_connecting_cannot_write_over_the_socket(
    db: Settings,
) -> None:
    from app.domain import developers
    from app.domain.lifecycle import Action
    from app.domain.viewer import SYSTEM
    from tests.factories import Factory, gid

    factory = Factory()
    developer = await factory.developer()
    application = await factory.application(developer, name="kept")
    _, token = await create_token(Role.DEVELOPER, developer=developer.id)
    rename = (
        'mutation($id: ID!) { updateApplication(input: {id: $id, description: "over ws"}) '
        "{ errors { code } } }"
    )

    with live_server(db) as base:
        async with acknowledged(base, token) as ws:
            await developers.change_developer(SYSTEM, Action.REVOKE, developer.id)
            message = {"query": rename, "variables": {"id": gid(application)}}
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": message}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))

    assert answer["payload"]["data"]["updateApplication"]["errors"][0]["code"] == "FORBIDDEN"
    await application.refresh_from_db()
    assert application.description == ""
