"""The authorization matrix: every root field (Query, Mutation, Subscription) x every role (and
no token) x own / foreign object, each cell asserting "allowed" or the right error code.

The expectations are data: each root field names its family in FIELDS, and FAMILIES says what
each role gets. A root field missing from FIELDS (or an entry naming no field) fails
`test_every_root_field_has_an_entry_in_the_matrix`, so a new field cannot ship unclassified.

A cell's outcome is the first error code found: top-level GraphQL errors (no token, an ingest
token), then the payload's `errors` (mutations answer expected failures as data), then each
bulk result's `errors`; "ok" when there is none. Every developer cell also checks that the
data (error messages aside, as they echo the id sent) names no foreign object.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType
from strawberry.types import ExecutionResult

from app.api.context import Context
from app.api.schema import build_schema
from app.domain import connections, credentials
from app.domain.clock import utcnow
from app.domain.events import bus
from app.domain.lifecycle import Action
from app.domain.tokens import authenticate
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, ConnectionEvent, Developer, ServiceConnection
from app.settings import Settings
from tests.factories import Factory, gid, kong_entry, traffic

OK = "ok"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"

ROLES = ("admin", "viewer", "developer", "ingest", "none")
OWN_FOREIGN = ("own", "foreign")
UNOWNED = ("n/a",)  # no id, or an id of the public catalogue

# What each role gets, per family; a dict value depends on the ownership of the object.
# Every family answers UNAUTHENTICATED without a token and FORBIDDEN to an ingest token.
Expected = str | dict[str, str]
FAMILIES: dict[str, dict[str, Expected]] = {
    # The catalogue, portal settings, the caller itself: every signed-in role reads them.
    "public read": {"admin": OK, "viewer": OK, "developer": OK},
    # One owned object by id: a developer's foreign id does not exist for them.
    "scoped read": {"admin": OK, "viewer": OK, "developer": {"own": OK, "foreign": NOT_FOUND}},
    # Lists: allowed to all; a developer's list holds their own objects only (leak check).
    "scoped list": {"admin": OK, "viewer": OK, "developer": OK},
    # Writes a developer may make to their own applications, connections and credentials.
    "owner write": {
        "admin": OK,
        "viewer": FORBIDDEN,
        "developer": {"own": OK, "foreign": NOT_FOUND},
    },
    # Admin-only writes to owned objects (status changes): the owner may see, not change.
    "admin write (owned)": {
        "admin": OK,
        "viewer": FORBIDDEN,
        "developer": {"own": FORBIDDEN, "foreign": NOT_FOUND},
    },
    # Admin-only writes to the catalogue, settings and registration.
    "admin write": {"admin": OK, "viewer": FORBIDDEN, "developer": FORBIDDEN},
    # Portal-wide operations data no developer owns (e.g. unattributed gateway traffic).
    "operator read": {"admin": OK, "viewer": OK, "developer": FORBIDDEN},
}


@dataclass(frozen=True)
class Case:
    """One row of the matrix: a root field exercised by one document."""

    family: str
    document: str
    variables: dict[str, str] = field(default_factory=dict)  # name -> World key ("{o}" = own)
    ownerships: tuple[str, ...] = OWN_FOREIGN
    connection_status: AccessStatus = AccessStatus.PENDING
    developer_status: AccessStatus = AccessStatus.APPROVED

    def expected(self, role: str, ownership: str) -> str:
        if role == "none":
            return UNAUTHENTICATED
        if role == "ingest":
            return FORBIDDEN
        rule = FAMILIES[self.family][role]
        return rule if isinstance(rule, str) else rule[ownership]


ERRORS = "errors { code }"
ID = "query($id: ID!)"

# Root field name -> its case; "name[variant]" rows test the same root field another way.
FIELDS: dict[str, Case] = {
    # --- Query ---------------------------------------------------------------------------
    "node[Application]": Case(
        "scoped read",
        f"{ID} {{ node(id: $id) {{ id ... on Application {{ name }} }} }}",
        {"id": "app:{o}"},
    ),
    "node[ServiceConnection]": Case(
        "scoped read",
        f"{ID} {{ node(id: $id) {{ id ... on ServiceConnection {{ status }} }} }}",
        {"id": "connection:{o}"},
    ),
    "node[Developer]": Case(
        "scoped read",
        f"{ID} {{ node(id: $id) {{ id ... on Developer {{ name }} }} }}",
        {"id": "developer:{o}"},
    ),
    "node[Credential]": Case(
        "scoped read",
        f"{ID} {{ node(id: $id) {{ id ... on Credential {{ name }} }} }}",
        {"id": "credential:{o}"},
    ),
    "node[ConnectionEvent]": Case(
        "scoped read",
        f"{ID} {{ node(id: $id) {{ id ... on ConnectionEvent {{ applicationName }} }} }}",
        {"id": "event:{o}"},
    ),
    "node[Service]": Case(
        "public read", f"{ID} {{ node(id: $id) {{ id }} }}", {"id": "service"}, UNOWNED
    ),
    "node[ServiceVersion]": Case(
        "public read", f"{ID} {{ node(id: $id) {{ id }} }}", {"id": "version"}, UNOWNED
    ),
    "viewer": Case("public read", "{ viewer { role developer { id name } } }", {}, UNOWNED),
    "application": Case(
        "scoped read",
        f"{ID} {{ application(id: $id) {{ id name developer {{ id name }} "
        "connections { id history { id applicationName } } events { id applicationName } "
        "credentials { id name } connectionCounts { total } traffic { requests } } }",
        {"id": "app:{o}"},
    ),
    "applications": Case(
        "scoped list",
        "query($developer: ID!) { applications(first: 100, filter: {developerIds: "
        "[$developer]}) { totalCount nodes { id name developer { id name } } } }",
        {"developer": "developer:{o}"},
    ),
    "serviceConnection": Case(
        "scoped read",
        f"{ID} {{ serviceConnection(id: $id) {{ id status availableActions "
        "application { id name } history { id applicationName } traffic { requests } } }",
        {"id": "connection:{o}"},
    ),
    "serviceConnections": Case(
        "scoped list",
        "query($developer: ID!) { serviceConnections(first: 100, filter: {developerId: "
        "$developer}) { totalCount nodes { id application { id name } } } }",
        {"developer": "developer:{o}"},
    ),
    "developer": Case(
        "scoped read",
        f"{ID} {{ developer(id: $id) {{ id name applications {{ nodes {{ id name }} }} }} }}",
        {"id": "developer:{o}"},
    ),
    "developers": Case(
        "scoped list",
        "query($search: String!) { developers(first: 100, search: $search) "
        "{ totalCount nodes { id name } } }",
        {"search": "developer name:{o}"},
    ),
    "service": Case(
        "public read",
        f"{ID} {{ service(id: $id) {{ id name versions {{ id }} }} }}",
        {"id": "service"},
        UNOWNED,
    ),
    "serviceVersion": Case(
        "public read",
        f"{ID} {{ serviceVersion(id: $id) {{ id version traffic {{ requests }} }} }}",
        {"id": "version"},
        UNOWNED,
    ),
    "services": Case(
        "public read", "{ services(first: 100) { totalCount nodes { id } } }", {}, UNOWNED
    ),
    "portalSettings": Case(
        "public read", "{ portalSettings { autoApproveConnections } }", {}, UNOWNED
    ),
    "unattributedTraffic": Case(
        "operator read", "{ unattributedTraffic { reason consumer requests } }", {}, UNOWNED
    ),
    # --- Mutation: connections -------------------------------------------------------------
    "requestConnection": Case(
        "owner write",
        "mutation($app: ID!, $version: ID!) { requestConnection(input: {applicationId: $app, "
        f"serviceVersionId: $version}}) {{ {ERRORS} serviceConnection {{ id }} }} }}",
        {"app": "app:{o}", "version": "free version"},
    ),
    "approveConnection": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ approveConnection(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "connection:{o}"},
    ),
    "rejectConnection": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ rejectConnection(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "connection:{o}"},
    ),
    "revokeConnection": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ revokeConnection(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "connection:{o}"},
        connection_status=AccessStatus.APPROVED,
    ),
    "deleteConnection": Case(
        "owner write",
        f"mutation($id: ID!) {{ deleteConnection(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "connection:{o}"},
    ),
    "approveConnections": Case(
        "admin write (owned)",
        "mutation($id: ID!) { approveConnections(input: {ids: [$id]}) "
        f"{{ {ERRORS} results {{ {ERRORS} serviceConnection {{ id }} }} }} }}",
        {"id": "connection:{o}"},
    ),
    "rejectConnections": Case(
        "admin write (owned)",
        "mutation($id: ID!) { rejectConnections(input: {ids: [$id]}) "
        f"{{ {ERRORS} results {{ {ERRORS} serviceConnection {{ id }} }} }} }}",
        {"id": "connection:{o}"},
    ),
    "revokeConnections": Case(
        "admin write (owned)",
        "mutation($id: ID!) { revokeConnections(input: {ids: [$id]}) "
        f"{{ {ERRORS} results {{ {ERRORS} serviceConnection {{ id }} }} }} }}",
        {"id": "connection:{o}"},
        connection_status=AccessStatus.APPROVED,
    ),
    "deleteConnections": Case(
        "owner write",
        "mutation($id: ID!) { deleteConnections(input: {ids: [$id]}) "
        f"{{ {ERRORS} results {{ {ERRORS} }} }} }}",
        {"id": "connection:{o}"},
    ),
    # --- Mutation: applications and credentials --------------------------------------------
    "createApplication": Case(
        "owner write",
        'mutation($developer: ID!) { createApplication(input: {name: "New app", '
        f"developerId: $developer}}) {{ {ERRORS} application {{ id }} }} }}",
        {"developer": "developer:{o}"},
    ),
    "updateApplication": Case(
        "owner write",
        'mutation($id: ID!) { updateApplication(input: {id: $id, description: "Changed"}) '
        f"{{ {ERRORS} application {{ id description }} }} }}",
        {"id": "app:{o}"},
    ),
    "deleteApplication": Case(
        "owner write",
        f"mutation($id: ID!) {{ deleteApplication(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "app:{o}"},
    ),
    "createCredential": Case(
        "owner write",
        'mutation($id: ID!) { createCredential(input: {applicationId: $id, name: "Key"}) '
        f"{{ {ERRORS} credential {{ id }} }} }}",
        {"id": "app:{o}"},
    ),
    "revokeCredential": Case(
        "owner write",
        f"mutation($id: ID!) {{ revokeCredential(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "credential:{o}"},
    ),
    "deleteCredential": Case(
        "owner write",
        f"mutation($id: ID!) {{ deleteCredential(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "credential:{o}"},
    ),
    # --- Mutation: developers (admin) -------------------------------------------------------
    "createDeveloper": Case(
        "admin write",
        'mutation { createDeveloper(input: {name: "New", email: "new@example.com"}) '
        f"{{ {ERRORS} }} }}",
        {},
        UNOWNED,
    ),
    "approveDeveloper": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ approveDeveloper(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "developer:{o}"},
        developer_status=AccessStatus.PENDING,
    ),
    "rejectDeveloper": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ rejectDeveloper(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "developer:{o}"},
        developer_status=AccessStatus.PENDING,
    ),
    "revokeDeveloper": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ revokeDeveloper(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "developer:{o}"},
    ),
    "deleteDeveloper": Case(
        "admin write (owned)",
        f"mutation($id: ID!) {{ deleteDeveloper(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "developer:{o}"},
    ),
    # --- Mutation: the catalogue and settings (admin) ---------------------------------------
    "createService": Case(
        "admin write",
        f'mutation {{ createService(input: {{name: "New service"}}) {{ {ERRORS} }} }}',
        {},
        UNOWNED,
    ),
    "updateService": Case(
        "admin write",
        'mutation($id: ID!) { updateService(input: {id: $id, description: "Changed"}) '
        f"{{ {ERRORS} }} }}",
        {"id": "service"},
        UNOWNED,
    ),
    "deleteService": Case(
        "admin write",
        f"mutation($id: ID!) {{ deleteService(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "service"},
        UNOWNED,
    ),
    "createServiceVersion": Case(
        "admin write",
        'mutation($id: ID!) { createServiceVersion(input: {serviceId: $id, version: "v9"}) '
        f"{{ {ERRORS} }} }}",
        {"id": "service"},
        UNOWNED,
    ),
    "updateServiceVersion": Case(
        "admin write",
        "mutation($id: ID!) { updateServiceVersion(input: {id: $id, autoApprove: true}) "
        f"{{ {ERRORS} }} }}",
        {"id": "version"},
        UNOWNED,
    ),
    "deleteServiceVersion": Case(
        "admin write",
        f"mutation($id: ID!) {{ deleteServiceVersion(input: {{id: $id}}) {{ {ERRORS} }} }}",
        {"id": "version"},
        UNOWNED,
    ),
    "updatePortalSettings": Case(
        "admin write",
        "mutation { updatePortalSettings(input: {autoApproveConnections: true}) "
        f"{{ {ERRORS} }} }}",
        {},
        UNOWNED,
    ),
    # --- Subscription ------------------------------------------------------------------------
    "connectionEvents": Case(
        "scoped read",
        "subscription($app: ID) { connectionEvents(applicationId: $app) "
        "{ id action connectionId applicationName } }",
        {"app": "app:{o}"},
    ),
    "connectionEvents[unfiltered]": Case(
        "scoped list",
        "subscription { connectionEvents { id action connectionId applicationName } }",
        {},
        UNOWNED,
    ),
}


def root_field(key: str) -> str:
    return key.partition("[")[0]


def schema_root_fields() -> set[str]:
    schema = build_schema(Settings())._schema
    roots: list[GraphQLObjectType | None] = [
        schema.query_type,
        schema.mutation_type,
        schema.subscription_type,
    ]
    return {name for root in roots if root is not None for name in root.fields}


CELLS = [
    (key, role, ownership)
    for key, case in FIELDS.items()
    for role in ROLES
    for ownership in case.ownerships
]


# --- The world each cell runs in --------------------------------------------------------------


@dataclass
class World:
    """A developer with their objects, a foreign developer with theirs, the catalogue, and a
    token per role. `values` maps the keys the cases name to global ids (or names)."""

    values: dict[str, str]
    tokens: dict[str, str | None]
    foreign: list[str]  # what a developer's data must never contain

    def variables(self, case: Case, ownership: str) -> dict[str, str]:
        return {
            name: self.values[key.replace("{o}", ownership)] for name, key in case.variables.items()
        }


async def seed(case: Case) -> World:
    factory = Factory()
    values: dict[str, str] = {}
    service = await factory.service()
    version = await factory.version(service, "v1", gateway_service_name=f"gw-{service.id}")
    free = await factory.version(service, "v2")
    values.update(service=gid(service), version=gid(version), **{"free version": gid(free)})
    developers: dict[str, Developer] = {}
    for ownership, label in (("own", "Own"), ("foreign", "Foreign")):
        developer = await factory.developer(name=f"{label} developer {service.id}")
        application = await factory.application(developer, name=f"{label} app")
        connection = await factory.connection(application, version, case.connection_status)
        credential, _ = await credentials.create_credential(SYSTEM, application.id, f"{label} key")
        event = await ConnectionEvent.filter(connection_id=connection.id).first()
        assert event is not None
        await traffic(
            [
                kong_entry(
                    int(utcnow().timestamp() * 1000) - 3_600_000,
                    consumer=application.reference_id,
                    service=version.gateway_service_name,
                )
            ]
        )
        developers[ownership] = developer
        values.update(
            {
                f"developer:{ownership}": gid(developer),
                f"developer name:{ownership}": developer.name,
                f"app:{ownership}": gid(application),
                f"connection:{ownership}": gid(connection),
                f"credential:{ownership}": gid(credential),
                f"event:{ownership}": gid(event),
            }
        )
    if case.developer_status is not AccessStatus.APPROVED:
        await Developer.filter(id__in=[d.id for d in developers.values()]).update(
            status=case.developer_status
        )
    tokens: dict[str, str | None] = {
        "admin": await factory.token("admin"),
        "viewer": await factory.token("viewer"),
        "developer": await factory.token("developer", developers["own"]),
        "ingest": await factory.token("ingest"),
        "none": None,
    }
    foreign = [v for k, v in values.items() if k.endswith(":foreign")] + ["Foreign"]
    return World(values, tokens, foreign)


# --- Running a cell ---------------------------------------------------------------------------


def outcome(body: dict[str, Any], name: str) -> str:
    """The first error code of the response (top-level, payload, bulk result), or "ok"."""
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    payload = (body.get("data") or {}).get(name)
    if isinstance(payload, dict):
        for error in payload.get("errors") or []:
            return str(error["code"])
        for result in payload.get("results") or []:
            for error in result.get("errors") or []:
                return str(error["code"])
    return OK


def without_messages(value: object) -> object:
    """The data without error messages: they echo the id that was sent, which is no leak."""
    if isinstance(value, dict):
        return {k: without_messages(v) for k, v in value.items() if k != "message"}
    if isinstance(value, list):
        return [without_messages(v) for v in value]
    return value


async def run_http(
    http: httpx.AsyncClient, case: Case, world: World, role: str, ownership: str
) -> dict[str, Any]:
    token = world.tokens[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql",
        json={"query": case.document, "variables": world.variables(case, ownership)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def run_subscription(
    settings: Settings, case: Case, world: World, role: str, ownership: str
) -> dict[str, Any]:
    """The first result of the stream: an error, or the event of a change made meanwhile
    (the foreign connection changes first, so that a leak would be the first event)."""
    token = world.tokens[role]
    viewer = await authenticate(token) if token else None
    context = Context(request=None, response=None, settings=settings, viewer=viewer)  # type: ignore[arg-type]
    stream = await build_schema(settings).subscribe(
        case.document, world.variables(case, ownership), context_value=context
    )
    assert not isinstance(stream, ExecutionResult), stream
    before = bus.subscriber_count
    first = asyncio.create_task(_first(stream))
    for _ in range(200):  # listening, or failed before it could
        if bus.subscriber_count > before or first.done():
            break
        await asyncio.sleep(0.005)
    if not first.done():
        for key in ("connection:foreign", "connection:own"):
            await _toggle(world.values[key])
    result = await asyncio.wait_for(first, timeout=5)
    await stream.aclose()
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"extensions": error.extensions or {}} for error in result.errors]
    return body


async def _first(stream: AsyncGenerator[ExecutionResult, None]) -> ExecutionResult:
    return await anext(stream)


async def _toggle(connection_gid: str) -> None:
    from app import global_ids

    decoded = global_ids.decode(connection_gid)
    assert decoded is not None
    row = await ServiceConnection.get(id=decoded[1])
    action = Action.REVOKE if row.status is AccessStatus.APPROVED else Action.APPROVE
    await connections.change_connection(SYSTEM, action, row.id)


def _leaks(body: dict[str, Any], world: World) -> list[str]:
    text = json.dumps(without_messages(body.get("data")))
    return [marker for marker in world.foreign if marker in text]


# --- The tests --------------------------------------------------------------------------------


def test_every_root_field_has_an_entry_in_the_matrix() -> None:
    in_schema = schema_root_fields()
    in_matrix = {root_field(key) for key in FIELDS}

    assert in_schema - in_matrix == set(), "root fields without an authorization entry"
    assert in_matrix - in_schema == set(), "entries for root fields the schema lacks"
    assert {case.family for case in FIELDS.values()} <= set(FAMILIES)


def test_the_matrix_covers_every_field_role_and_ownership() -> None:
    expected = sum(len(ROLES) * len(case.ownerships) for case in FIELDS.values())
    fields = len(schema_root_fields())

    print(f"\nauthorization matrix: {len(CELLS)} cells ({fields} root fields, {len(FIELDS)} rows)")
    assert len(CELLS) == expected
    assert len({(key, role, o) for key, role, o in CELLS}) == len(CELLS)


@pytest.mark.parametrize("key", list(FIELDS))
async def test_authorization_of(key: str, client: httpx.AsyncClient, db: Settings) -> None:
    """Every role and ownership of one root field: allowed, or refused with the right code."""
    case = FIELDS[key]
    name = root_field(key)
    subscription = case.document.startswith("subscription")
    mutation = case.document.startswith("mutation")
    world = await seed(case)
    wrong: list[str] = []
    cells = 0
    for role in ROLES:
        for ownership in case.ownerships:
            if subscription:
                body = await run_subscription(db, case, world, role, ownership)
            else:
                body = await run_http(client, case, world, role, ownership)
            cells += 1
            got, expected = outcome(body, name), case.expected(role, ownership)
            if got != expected:
                wrong.append(f"{role}/{ownership}: expected {expected}, got {got}: {body}")
            if role == "developer" and (leaked := _leaks(body, world)):
                wrong.append(f"{role}/{ownership}: foreign data in the answer: {leaked}")
            if got == OK and (mutation or subscription):
                world = await seed(case)  # the change used the objects up; start afresh

    assert cells == len(ROLES) * len(case.ownerships)
    assert wrong == []


@pytest.mark.parametrize(
    ("role", "actions"),
    [("admin", ["APPROVE", "REJECT", "DELETE"]), ("viewer", []), ("developer", ["DELETE"])],
)
async def test_available_actions_follow_the_role(
    client: httpx.AsyncClient, db: Settings, role: str, actions: list[str]
) -> None:
    """A pending connection of the developer's own application, as each role sees it."""
    case = Case(
        "scoped read",
        f"{ID} {{ serviceConnection(id: $id) {{ availableActions }} }}",
        {"id": "connection:{o}"},
    )
    world = await seed(case)

    body = await run_http(client, case, world, role, "own")

    assert body["data"]["serviceConnection"]["availableActions"] == actions
