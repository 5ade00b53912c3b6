"""WebSocket messages pass no HTTP middleware (body cap, rate limit): `devportal serve` caps a
message at DEVPORTAL_MAX_BODY_BYTES through uvicorn, which closes the socket with 1009
(message too big) instead of reading megabytes into memory."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.settings import Settings
from tests.live_server import live_server

pytestmark = pytest.mark.server


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_websocket_message_over_the_body_cap_closes_the_socket_with_1009(
    db: Settings,
) -> None:
    with live_server(db, extra_env={"DEVPORTAL_MAX_BODY_BYTES": "4096"}) as base:
        async with connect(
            base.replace("http://", "ws://") + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws:
            padding = "x" * 8192
            await ws.send(json.dumps({"type": "connection_init", "payload": {"pad": padding}}))

            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_websocket_message_under_the_body_cap_is_read(db: Settings) -> None:
    with live_server(db, extra_env={"DEVPORTAL_MAX_BODY_BYTES": "4096"}) as base:
        async with connect(
            base.replace("http://", "ws://") + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"pad": "x" * 2000}}))

            # No token in the payload: refused by the application (4403), not by the size cap.
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
