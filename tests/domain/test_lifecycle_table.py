"""The transition table of design.md §2, exhaustively: every action from every status.

The expected table is written out here from the design, not derived from the module under
test, so that a change to `app/domain/lifecycle.py` that breaks the design fails a test. Each
case runs twice: against the pure `lifecycle.plan`, and as a GraphQL mutation through the
in-process app, where a refusal must also leave the row and its history untouched.
"""

from __future__ import annotations

import itertools

import pytest

from app.domain import lifecycle
from app.domain.errors import InvalidTransition
from app.domain.lifecycle import Action
from app.domain.viewer import Viewer
from app.models import AccessStatus, ConnectionEvent, Role, ServiceConnection
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change, error_code, read_connection, snapshot

NOOP = "no-op"
INVALID = "INVALID_TRANSITION"
DELETED = "deleted"

# (action, current status) -> the status it leads to, NOOP, INVALID or DELETED (design.md §2).
TABLE: dict[tuple[str, str], str] = {
    ("approve", "pending"): "approved",
    ("approve", "approved"): NOOP,
    ("approve", "rejected"): INVALID,
    ("approve", "revoked"): "approved",
    ("reject", "pending"): "rejected",
    ("reject", "approved"): INVALID,
    ("reject", "rejected"): NOOP,
    ("reject", "revoked"): INVALID,
    ("revoke", "pending"): INVALID,
    ("revoke", "approved"): "revoked",
    ("revoke", "rejected"): INVALID,
    ("revoke", "revoked"): NOOP,
    ("delete", "pending"): DELETED,
    ("delete", "approved"): DELETED,
    ("delete", "rejected"): DELETED,
    ("delete", "revoked"): DELETED,
}

# What an admin may do from each status, in the order the API lists it.
ALLOWED: dict[str, list[str]] = {
    "pending": ["APPROVE", "REJECT", "DELETE"],
    "approved": ["REVOKE", "DELETE"],
    "rejected": ["DELETE"],
    "revoked": ["APPROVE", "DELETE"],
}

ACTIONS = ["approve", "reject", "revoke", "delete"]
STATUSES = ["pending", "approved", "rejected", "revoked"]
CASES = [
    pytest.param(a, s, TABLE[a, s], id=f"{a}-{s}") for a, s in itertools.product(ACTIONS, STATUSES)
]

OWNER = 7
ROLES: dict[str, Viewer] = {
    "admin": Viewer(Role.ADMIN),
    "viewer": Viewer(Role.VIEWER),
    "owning-developer": Viewer(
        Role.DEVELOPER, developer_id=OWNER, developer_status=AccessStatus.APPROVED
    ),
    "foreign-developer": Viewer(
        Role.DEVELOPER, developer_id=OWNER + 1, developer_status=AccessStatus.APPROVED
    ),
}
EXPECTED_ACTIONS: dict[str, dict[str, list[str]]] = {
    "admin": ALLOWED,
    "viewer": {status: [] for status in STATUSES},
    "owning-developer": {status: ["DELETE"] for status in STATUSES},
    "foreign-developer": {status: [] for status in STATUSES},
}


def test_the_table_covers_every_action_and_status() -> None:
    assert set(TABLE) == set(itertools.product(ACTIONS, STATUSES))
    assert {a.value for a in lifecycle.STATUS_ACTIONS} == set(ACTIONS)
    assert {s.value for s in AccessStatus} == set(STATUSES)


@pytest.mark.parametrize(("action", "status", "expected"), CASES)
def test_plan_follows_the_table(action: str, status: str, expected: str) -> None:
    current = AccessStatus(status)
    if expected == INVALID:
        with pytest.raises(InvalidTransition) as raised:
            lifecycle.plan(Action(action), current)
        message = raised.value.message
        assert status.upper() in message
        assert all(allowed in message for allowed in ALLOWED[status])
        assert raised.value.field == "id"
        return
    transition = lifecycle.plan(Action(action), current)
    assert transition.from_status is current
    assert transition.changed is (expected != NOOP)
    if expected == DELETED:
        assert transition.to_status is None
    elif expected == NOOP:
        assert transition.to_status is current
    else:
        assert transition.to_status is AccessStatus(expected)


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_are_those_that_change_something(status: str) -> None:
    allowed = [a.value.upper() for a in lifecycle.allowed_actions(AccessStatus(status))]
    assert allowed == ALLOWED[status]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", list(ROLES))
def test_available_actions_depend_on_role_and_status(role: str, status: str) -> None:
    actions = lifecycle.available_actions(AccessStatus(status), ROLES[role], OWNER)
    assert [a.value.upper() for a in actions] == EXPECTED_ACTIONS[role][status]


@pytest.mark.parametrize(("action", "status", "expected"), CASES)
async def test_mutation_follows_the_table(
    admin: GraphQLClient, factory: Factory, action: str, status: str, expected: str
) -> None:
    row = await factory.connection(status=AccessStatus(status))
    before, events_before = await snapshot(row.id)

    payload = await change(admin, action, gid(row), reasonCode="OTHER", note="table test")

    after, events_after = await snapshot(row.id)
    if expected == INVALID:
        assert error_code(payload) == INVALID
        message = payload["errors"][0]["message"]
        assert status.upper() in message
        assert all(allowed in message for allowed in ALLOWED[status])
        assert payload["changed"] is False
        assert (after, events_after) == (before, events_before)
    elif expected == NOOP:
        assert payload["errors"] == []
        assert payload["changed"] is False
        assert payload["serviceConnection"]["status"] == status.upper()
        assert (after, events_after) == (before, events_before)
    elif expected == DELETED:
        assert payload["errors"] == []
        assert payload["changed"] is True
        assert payload["deletedId"] == gid(row)
        assert after is None
        event = await ConnectionEvent.filter(connection_id=row.id).order_by("-id").first()
        assert event is not None
        assert (event.action, event.from_status, event.to_status) == ("delete", status, None)
        assert events_after == events_before + 1
    else:
        assert payload["errors"] == []
        assert payload["changed"] is True
        assert payload["serviceConnection"]["status"] == expected.upper()
        assert after is not None
        assert after[0] == expected
        assert events_after == events_before + 1


# From each status, the action that would change it: the compare-and-set must stop it.
WOULD_CHANGE = [
    ("approve", "pending"),
    ("revoke", "approved"),
    ("delete", "rejected"),
    ("approve", "revoked"),
    ("reject", "pending"),
]


@pytest.mark.parametrize(("action", "status"), WOULD_CHANGE)
async def test_stale_expected_status_is_a_conflict_that_writes_nothing(
    admin: GraphQLClient, factory: Factory, action: str, status: str
) -> None:
    row = await factory.connection(status=AccessStatus(status))
    stale = next(s for s in STATUSES if s != status)
    before = await snapshot(row.id)

    payload = await change(admin, action, gid(row), expectedStatus=stale.upper())

    assert error_code(payload) == "CONFLICT"
    assert payload["errors"][0]["field"] == "expectedStatus"
    assert status.upper() in payload["errors"][0]["message"]
    assert payload["changed"] is False
    assert await snapshot(row.id) == before


async def test_matching_expected_status_lets_the_change_happen(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)

    payload = await change(admin, "revoke", gid(row), expectedStatus="APPROVED")

    assert payload["errors"] == []
    assert payload["changed"] is True
    assert payload["serviceConnection"]["status"] == "REVOKED"


@pytest.mark.parametrize("role", ["admin", "viewer", "owning-developer"])
async def test_available_actions_in_the_api_per_role(
    admin: GraphQLClient, factory: Factory, role: str
) -> None:
    developer = await factory.developer()
    application = await factory.application(developer)
    rows = {
        status: await factory.connection(application, status=AccessStatus(status))
        for status in STATUSES
    }
    if role == "admin":
        gql = admin
    elif role == "viewer":
        gql = admin.as_token(await factory.token("viewer"))
    else:
        gql = admin.as_token(await factory.token("developer", developer))

    for status, row in rows.items():
        node = await read_connection(gql, gid(row))
        assert node["availableActions"] == EXPECTED_ACTIONS[role][status], status


async def test_a_foreign_developer_cannot_see_the_connection_at_all(
    admin: GraphQLClient, factory: Factory
) -> None:
    row = await factory.connection(status=AccessStatus.APPROVED)
    stranger = admin.as_token(await factory.token("developer", await factory.developer()))

    body = await stranger(
        "query($id: ID!) { serviceConnection(id: $id) { availableActions } }", id=gid(row)
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await ServiceConnection.get(id=row.id)
