"""The response cache across processes, through real uvicorn (`serve` turns the cache on).

A write made by another process must reach every server's cache: on SQLite through
`PRAGMA data_version`, checked before each lookup (so at once); on PostgreSQL through the
notification every server listens for (so within moments).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.domain.clock import utcnow
from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid, kong_entry
from tests.ingest.test_ingest_cli import run_cli
from tests.live_server import live_server

DETAILS = """
query($id: ID!) {
  application(id: $id) { name description traffic(window: LAST_90_DAYS) { requests } }
}
"""

UPDATE = """
mutation($id: ID!, $description: String!) {
  updateApplication(input: {id: $id, description: $description}) { errors { code } }
}
"""


async def details(client: GraphQLClient, application_id: str) -> dict[str, Any]:
    body = await client(DETAILS, id=application_id)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]["application"]
    return data


async def test_a_read_after_the_ingest_command_wrote_is_fresh(
    db: Settings, factory: Factory, tmp_path: Path
) -> None:
    version = await factory.version(gateway_service_name="gw-orders")
    application = await factory.application(name="caller")
    await factory.connection(application, version)
    token = await factory.token("admin")
    log = tmp_path / "kong.ndjson"
    now_ms = int(utcnow().timestamp() * 1000)
    entries = [kong_entry(now_ms - 60_000, consumer=application.reference_id, service="gw-orders")]
    log.write_bytes(b"\n".join(orjson.dumps(entry) for entry in entries * 3))

    with live_server(db) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            client = GraphQLClient(http, token)
            before = await details(client, gid(application))
            assert await details(client, gid(application)) == before

            code, out, err = run_cli(db, str(log))
            assert code == 0, (out, err)

            after, waited = await _until_changed(client, gid(application), before)

    assert (before["traffic"]["requests"], after["traffic"]["requests"]) == (0, 3)
    if db.is_sqlite:
        assert waited == 0, "SQLite's data_version is checked before every lookup"


async def test_a_read_from_one_server_after_a_write_through_another_is_fresh(
    db: Settings, factory: Factory
) -> None:
    application = await factory.application(name="shared")
    token = await factory.token("admin")

    with live_server(db) as reading, live_server(db) as writing:
        async with (
            httpx.AsyncClient(base_url=reading) as read_http,
            httpx.AsyncClient(base_url=writing) as write_http,
        ):
            reader = GraphQLClient(read_http, token)
            writer = GraphQLClient(write_http, token)
            before = await details(reader, gid(application))
            assert await details(reader, gid(application)) == before

            changed = await writer(UPDATE, id=gid(application), description="changed")
            assert changed["data"]["updateApplication"]["errors"] == []

            seen, waited = await _until_changed(reader, gid(application), before)

    assert seen["description"] == "changed"
    if db.is_sqlite:
        assert waited == 0, "SQLite's data_version is checked before every lookup"


async def _until_changed(
    client: GraphQLClient, application_id: str, before: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """The first answer that differs from `before`, and how many reads came before it; a
    PostgreSQL notification takes a moment to arrive."""
    deadline = time.monotonic() + 5
    waited = 0
    while True:
        seen = await details(client, application_id)
        if seen != before or time.monotonic() > deadline:
            return seen, waited
        waited += 1
        await asyncio.sleep(0.02)
