"""C-08: state survives a restart of the real server on the same database."""

from __future__ import annotations

import httpx
import pytest

from app.models import AccessStatus
from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change, read_connection
from tests.live_server import live_server

pytestmark = pytest.mark.server


async def test_c08_a_revoked_connection_is_still_revoked_after_a_restart(
    db: Settings, factory: Factory
) -> None:
    token = await factory.token("admin")
    row = await factory.connection(status=AccessStatus.APPROVED)

    with live_server(db) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            revoked = await change(
                GraphQLClient(http, token), "revoke", gid(row), reasonCode="ABUSE", note="Stop."
            )
    with live_server(db) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            after = await read_connection(GraphQLClient(http, token), gid(row))

    assert revoked["serviceConnection"]["status"] == "REVOKED"
    assert after["status"] == "REVOKED"
    assert (after["reasonCode"], after["note"]) == ("ABUSE", "Stop.")
    assert [(e["action"], e["toStatus"]) for e in after["history"]] == [
        ("REVOKE", "REVOKED"),
        ("APPROVE", "APPROVED"),
        ("REQUEST", "PENDING"),
    ]
    assert after["history"][0]["note"] == "Stop."
