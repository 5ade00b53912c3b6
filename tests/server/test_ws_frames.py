"""Every graphql-transport-ws message is a text frame, through real uvicorn: browser clients
(graphql-ws, and so GraphiQL) parse only text frames and reject binary ones."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from app.domain.tokens import create_token
from app.models import Role
from app.settings import Settings
from tests.live_server import live_server

pytestmark = pytest.mark.server


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_acknowledgements_pongs_and_errors_come_as_text_frames(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN)

    with live_server(db) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            payload = {"Authorization": f"Bearer {text}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            ack = await asyncio.wait_for(ws.recv(), timeout=5)
            await ws.send(json.dumps({"type": "ping"}))
            pong = await asyncio.wait_for(ws.recv(), timeout=5)
            bad = {"query": "subscription { noSuchField }"}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": bad}))
            error = await asyncio.wait_for(ws.recv(), timeout=5)

    frames = [ack, pong, error]
    assert all(isinstance(frame, str) for frame in frames), frames
    assert [json.loads(frame)["type"] for frame in frames] == ["connection_ack", "pong", "error"]
