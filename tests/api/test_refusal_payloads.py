"""A refused status change that leaves the connection in place (CONFLICT, INVALID_TRANSITION)
returns the connection as it now is, as ALREADY_CONNECTED does, so a client need not query
again to redraw it."""

from __future__ import annotations

from app.models import AccessStatus
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change


async def test_a_conflict_returns_the_connection_as_it_now_is(
    admin: GraphQLClient, factory: Factory
) -> None:
    connection = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(admin, "revoke", gid(connection), expectedStatus="PENDING")

    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert payload["changed"] is False
    assert payload["serviceConnection"]["id"] == gid(connection)
    assert payload["serviceConnection"]["status"] == "APPROVED"
    assert payload["serviceConnection"]["availableActions"] == ["REVOKE", "DELETE"]


async def test_an_invalid_transition_returns_the_connection_as_it_now_is(
    admin: GraphQLClient, factory: Factory
) -> None:
    connection = await factory.connection(status=AccessStatus.REJECTED)

    payload = await change(admin, "revoke", gid(connection))

    assert [e["code"] for e in payload["errors"]] == ["INVALID_TRANSITION"]
    assert payload["serviceConnection"]["id"] == gid(connection)
    assert payload["serviceConnection"]["status"] == "REJECTED"


async def test_a_refusal_for_a_connection_not_visible_returns_none(
    admin: GraphQLClient, factory: Factory
) -> None:
    """NOT_FOUND (another developer's connection) stays without a connection."""
    connection = await factory.connection()
    stranger = admin.as_token(await factory.token("developer", await factory.developer()))

    payload = await change(stranger, "approve", gid(connection))

    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert payload["serviceConnection"] is None
