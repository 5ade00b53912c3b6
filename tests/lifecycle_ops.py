"""GraphQL documents of the connection lifecycle and small helpers around them.

Shared by the in-process API tests and the real-server tests, so that both exercise the very
same operations a frontend sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.models import ConnectionEvent, ServiceConnection

GraphQL = Callable[..., Awaitable[dict[str, Any]]]

ERRORS = "errors { code message field }"
CONNECTION = "id status reasonCode note createdAt updatedAt statusChangedAt availableActions"
HISTORY = (
    "history { action fromStatus toStatus actorKind actorId reasonCode note autoApproved "
    "createdAt connectionId }"
)

REQUEST = f"""
mutation($input: RequestConnectionInput!) {{
  requestConnection(input: $input) {{ changed {ERRORS} serviceConnection {{ {CONNECTION} }} }}
}}"""


def change_document(action: str) -> str:
    """The single-id mutation of `action` (approve, reject, revoke, delete)."""
    if action == "delete":
        selection = f"changed deletedId {ERRORS}"
    else:
        selection = f"changed {ERRORS} serviceConnection {{ {CONNECTION} }}"
    return (
        f"mutation($input: ChangeConnectionInput!) {{ {action}Connection(input: $input) "
        f"{{ {selection} }} }}"
    )


def bulk_document(action: str) -> str:
    return (
        f"mutation($input: BulkChangeConnectionsInput!) {{ {action}Connections(input: $input) "
        f"{{ changedCount {ERRORS} results {{ id changed {ERRORS} "
        f"serviceConnection {{ id status }} }} }} }}"
    )


CONNECTION_QUERY = f"""
query($id: ID!) {{ serviceConnection(id: $id) {{ {CONNECTION} {HISTORY} }} }}"""

APPLICATION_QUERY = f"""
query($id: ID!) {{
  application(id: $id) {{
    id name
    connections {{ {CONNECTION} serviceVersion {{ id version }} }}
    events {{ action fromStatus toStatus reasonCode note connectionId autoApproved }}
  }}
}}"""


def data(body: dict[str, Any], field: str) -> Any:
    """The field's data, asserting the operation raised no GraphQL error."""
    assert "errors" not in body, body
    return body["data"][field]


async def request(gql: GraphQL, application_id: str, version_id: str) -> dict[str, Any]:
    body = await gql(
        REQUEST, input={"applicationId": application_id, "serviceVersionId": version_id}
    )
    payload: dict[str, Any] = data(body, "requestConnection")
    return payload


async def change(gql: GraphQL, action: str, connection_id: str, **fields: Any) -> dict[str, Any]:
    """Run `<action>Connection` on one id; extra keyword arguments go into the input."""
    body = await gql(change_document(action), input={"id": connection_id, **fields})
    payload: dict[str, Any] = data(body, f"{action}Connection")
    return payload


async def bulk(gql: GraphQL, action: str, ids: list[str], **fields: Any) -> dict[str, Any]:
    body = await gql(bulk_document(action), input={"ids": ids, **fields})
    payload: dict[str, Any] = data(body, f"{action}Connections")
    return payload


async def read_connection(gql: GraphQL, connection_id: str) -> dict[str, Any]:
    node: dict[str, Any] = data(await gql(CONNECTION_QUERY, id=connection_id), "serviceConnection")
    return node


async def read_application(gql: GraphQL, application_id: str) -> dict[str, Any]:
    node: dict[str, Any] = data(await gql(APPLICATION_QUERY, id=application_id), "application")
    return node


def error_code(payload: dict[str, Any]) -> str | None:
    errors = payload["errors"]
    return None if not errors else str(errors[0]["code"])


async def snapshot(connection_id: int) -> tuple[tuple[Any, ...] | None, int]:
    """The stored row (status, reason, note, updated) and the number of its events."""
    row = await ServiceConnection.get_or_none(id=connection_id)
    stored = None if row is None else (row.status, row.reason_code, row.note, row.updated_at)
    return stored, await ConnectionEvent.filter(connection_id=connection_id).count()
