"""Fuzzing the whole schema in-process, as an admin and as a developer.

Documents come from hypothesis-graphql, one root field at a time (queries and mutations): valid
ones, ones with one schema violation (Mode.NEGATIVE), valid ones whose strings are sent as
variables (where JSON may carry NUL and lone surrogates, which no GraphQL literal can), valid
ones with a few characters mangled, and random text. Ids are placeholders, swapped when the
document is sent for the global id of a live object (the developer's own or another's), or
they are ids of missing objects, ids of other types, or garbage; so resolvers run on real rows.

For every response: no 5xx, no unexpected (masked) error, every error has `extensions.code`,
and no message shows a stack, SQL, a path or a driver's name. Afterwards the database still
satisfies its invariants: no dangling rows, and each connection's newest event says its status.

DEVPORTAL_FUZZ_EXAMPLES sets the documents per role (2,000 by default; 10,000 for a long run).
The run is derandomized, so a failure reproduces. Generating a document costs more than
serving it and is the same on both databases, so the fuzz runs on SQLite alone unless
DEVPORTAL_FUZZ_POSTGRES=1 (with DEVPORTAL_TEST_POSTGRES_URL) adds PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from app import global_ids
from app.api.schema import build_schema
from app.domain import credentials
from app.domain import developers as developers_domain
from app.domain.clock import utcnow
from app.domain.lifecycle import Action
from app.domain.settings_store import portal_settings
from app.domain.viewer import SYSTEM
from app.models import (
    AccessStatus,
    ApiToken,
    Application,
    ConnectionEvent,
    Credential,
    Developer,
    PortalSettings,
    Service,
    ServiceConnection,
    ServiceVersion,
)
from app.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.factories import Factory, kong_entry, traffic

EXAMPLES = int(os.environ.get("DEVPORTAL_FUZZ_EXAMPLES", "2000"))
FUZZ_BACKENDS = ["sqlite"] + (
    ["postgres"] if POSTGRES_URL and os.environ.get("DEVPORTAL_FUZZ_POSTGRES") == "1" else []
)

SDL = build_schema(Settings()).as_str()
SCHEMA = graphql.build_schema(SDL)
ROOT_FIELDS = {
    name: bool(definition.args)
    for root in (SCHEMA.query_type, SCHEMA.mutation_type)
    if root is not None
    for name, definition in root.fields.items()
}

# Object types that have global ids, with the models that hold their rows.
ID_TYPES: dict[str, Any] = {
    "Application": Application,
    "Developer": Developer,
    "Service": Service,
    "ServiceVersion": ServiceVersion,
    "ServiceConnection": ServiceConnection,
    "ConnectionEvent": ConnectionEvent,
    "Credential": Credential,
}
PLACEHOLDER = re.compile(r"ZZID_([A-Za-z]+)_(\d+)_ZZ")

# What no error message may show (unless the document itself contains it).
LEAKS = re.compile(
    r"Traceback|tortoise|sqlite|asyncpg|psycopg|postgres|SELECT |INSERT |UPDATE |DELETE FROM|"
    r'File "|\.py\b|/work/|/usr/|site-packages',
    re.IGNORECASE,
)


# --- Strategies -------------------------------------------------------------------------------


def _string(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


live_ids = st.builds(
    lambda kind, n: f"ZZID_{kind}_{n}_ZZ",
    st.sampled_from(sorted(ID_TYPES)),
    st.integers(min_value=0, max_value=30),
)
ids = st.one_of(
    live_ids,  # most often a live object, resolved when sent
    live_ids,
    live_ids,
    live_ids,
    st.builds(global_ids.encode, st.sampled_from(sorted(ID_TYPES)), st.just(987_654)),
    st.builds(global_ids.encode, st.sampled_from(["Nope", "ApiToken", "X"]), st.integers(1, 5)),
    st.sampled_from(["", " ", "1", "-1", "0", "QXBwbGljYXRpb246MA", "=", "%00", "null"]),
    st.text(max_size=30),
).map(_string)

valid_datetimes = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, None]),
).map(lambda moment: moment.isoformat())
datetimes = st.one_of(
    valid_datetimes,
    valid_datetimes,
    valid_datetimes,
    st.sampled_from(["2024-09-19T00:00:00Z", "2024-02-30T00:00:00Z", "yesterday", "", "T"]),
    st.text(max_size=20),
).map(_string)

SCALARS = {"ID": ids, "DateTime": datetimes}

# One strategy per root field, and one field per document: a strategy over all root fields
# makes documents three times as large and as slow to generate, and draws each field as often.
valid_documents = st.one_of(
    [from_schema(SDL, fields=[name], custom_scalars=SCALARS) for name in ROOT_FIELDS]
)
invalid_documents = st.one_of(
    [
        from_schema(SDL, fields=[name], custom_scalars=SCALARS, mode=Mode.NEGATIVE)
        for name, has_arguments in ROOT_FIELDS.items()
        if has_arguments  # only arguments can be made invalid
    ]
)
NASTY = ["\x00", "\ud800", "\udfff", "\u202e", "\uffff", "\U0001f600", "'; --", "%_\\"]


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """A valid document with a few characters deleted, replaced, or inserted, or cut short."""
    text = draw(valid_documents)
    rng = random.Random(draw(st.integers(0, 2**32)))
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        if not chars:
            break
        at = rng.randrange(len(chars))
        action = rng.choice(["delete", "replace", "insert", "cut"])
        if action == "delete":
            del chars[at]
        elif action == "replace":
            chars[at] = rng.choice('{}()[]:!$@".,#\\ \n0aZ')
        elif action == "insert":
            chars.insert(at, rng.choice('{}()[]:!$@".,#\\ \n0aZ'))
        else:
            del chars[at:]
    return "".join(chars)


@st.composite
def with_variables(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid document whose String arguments are variables, some with text that only JSON
    can carry: NUL characters and lone surrogates."""
    document = graphql.parse(draw(valid_documents))
    type_info = graphql.TypeInfo(SCHEMA)
    variables: dict[str, Any] = {}
    definitions: list[graphql.VariableDefinitionNode] = []

    class Hoist(graphql.Visitor):
        def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> Any:
            input_type = type_info.get_input_type()
            if input_type is None or graphql.get_named_type(input_type).name != "String":
                return None  # ids and times stay literals (ids are placeholders)
            name = f"v{len(variables)}"
            nasty = draw(st.sampled_from(NASTY))
            variables[name] = draw(
                st.sampled_from([node.value, node.value + nasty, nasty + node.value, nasty])
            )
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=variable, type=graphql.parse_type(str(input_type))
                )
            )
            return variable

    hoisted = graphql.visit(document, graphql.TypeInfoVisitor(type_info, Hoist()))
    operations = tuple(
        dataclasses.replace(
            definition,
            variable_definitions=(*(definition.variable_definitions or ()), *definitions),
        )
        if isinstance(definition, graphql.OperationDefinitionNode)
        else definition
        for definition in hoisted.definitions
    )
    return graphql.print_ast(dataclasses.replace(hoisted, definitions=operations)), variables


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(document, variables): mostly valid documents. (A flat `one_of` over all of these
    would weigh each root field's strategy as one branch, and random text as one in 90.)"""
    kind = draw(st.sampled_from(["valid", "valid", "variables", "negative", "mangled", "text"]))
    if kind == "valid":
        return draw(valid_documents), {}
    if kind == "variables":
        return draw(with_variables())
    if kind == "negative":
        return draw(invalid_documents), {}
    if kind == "mangled":
        return draw(mangled()), {}
    return draw(st.text(max_size=200)), {}


# --- Sending and checking ---------------------------------------------------------------------


@dataclass
class Stats:
    documents: int = 0
    mutations: int = 0
    data: int = 0
    send_seconds: float = 0.0
    codes: Counter[str] = field(default_factory=Counter)
    payload_codes: Counter[str] = field(default_factory=Counter)
    root_fields: Counter[str] = field(default_factory=Counter)

    def line(self, role: str, backend: str, seconds: float) -> str:
        def top(counter: Counter[str]) -> str:
            return ", ".join(f"{code} {n}" for code, n in sorted(counter.items()))

        return (
            f"fuzz {role} on {backend}: {self.documents} documents ({self.mutations} "
            f"mutations, {self.data} with data, {len(self.root_fields)}/{len(ROOT_FIELDS)} "
            f"root fields) in {seconds:.1f} s ({self.send_seconds:.1f} s serving); "
            f"errors: {top(self.codes)}; payload errors: {top(self.payload_codes)}"
        )

    def count(self, document: str, body: dict[str, Any]) -> None:
        self.documents += 1
        try:
            parsed: graphql.DocumentNode | None = graphql.parse(document)
        except graphql.GraphQLError:
            parsed = None
        for definition in parsed.definitions if parsed else ():
            if isinstance(definition, graphql.OperationDefinitionNode):
                if definition.operation is graphql.OperationType.MUTATION:
                    self.mutations += 1
                for selection in definition.selection_set.selections:
                    if isinstance(selection, graphql.FieldNode) and (
                        selection.name.value in ROOT_FIELDS
                    ):
                        self.root_fields[selection.name.value] += 1
        if body.get("data"):
            self.data += 1
        for error in body.get("errors") or []:
            self.codes[error["extensions"]["code"]] += 1
        self.payload_codes.update(error["code"] for error in _payload_errors(body.get("data")))


def _payload_errors(value: object) -> Iterator[dict[str, Any]]:
    """The `errors { code message }` items anywhere in the data (mutation payloads)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "errors" and isinstance(item, list):
                yield from (e for e in item if isinstance(e, dict) and "code" in e)
            else:
                yield from _payload_errors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _payload_errors(item)


def check_response(document: str, variables: dict[str, Any], response: httpx.Response) -> None:
    sent = f"{document} {variables}".lower()
    assert response.status_code in (200, 400), (document, response.status_code, response.text)
    body = response.json()
    messages = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, (document, error)
        assert code != "INTERNAL_SERVER_ERROR", (document, variables, error)
        messages.append(str(error.get("message", "")))
    messages += [str(error.get("message", "")) for error in _payload_errors(body.get("data"))]
    for message in messages:
        for leak in LEAKS.findall(message):
            assert leak.lower() in sent, (document, message)


class Fuzzer:
    """Sends documents as one token; keeps the live ids that placeholders resolve to."""

    def __init__(
        self, http: httpx.AsyncClient, token: str, factory: Factory, own: Developer
    ) -> None:
        self.http = http
        self.token = token
        self.factory = factory
        self.own = own
        self.live: dict[str, list[int]] = {}
        self.stats = Stats()

    async def refresh(self) -> None:
        """The newest rows of each type: placeholders name one of 31 (tables only grow)."""
        for name, model in ID_TYPES.items():
            newest = await model.all().order_by("-id").limit(31).values_list("id", flat=True)
            self.live[name] = sorted(newest)

    def resolve(self, document: str) -> str:
        def swap(match: re.Match[str]) -> str:
            kind, n = match[1], int(match[2])
            rows = self.live.get(kind) or []
            return global_ids.encode(kind, rows[n % len(rows)] if rows else 999_999)

        return PLACEHOLDER.sub(swap, document)

    async def send(self, document: str, variables: dict[str, Any]) -> None:
        started = time.monotonic()
        text = self.resolve(document)
        response = await self.http.post(
            "/graphql",
            # ASCII JSON: lone surrogates travel as escapes, as a browser would send them.
            content=json.dumps({"query": text, "variables": variables}, ensure_ascii=True),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        check_response(text, variables, response)
        self.stats.count(text, response.json())
        self.stats.send_seconds += time.monotonic() - started
        if text.lstrip().startswith("mutation"):
            await self.refresh()
            if len(self.live["Application"]) < 4 or len(self.live["ServiceConnection"]) < 4:
                # Deletions used the portal up: more of it (the developer's own, if alive).
                self.own = await seed(self.factory, await Developer.get_or_none(id=self.own.id))
                await self.refresh()


# --- The portal and its invariants ------------------------------------------------------------


async def seed(factory: Factory, own: Developer | None = None) -> Developer:
    """Three developers with applications, connections in every status, credentials, and
    traffic; returns the first developer (the developer token's)."""
    await portal_settings()  # the fuzz may have turned auto-approve on: requests start pending
    await PortalSettings.filter(id=1).update(auto_approve_connections=False)
    developers = [own or await factory.developer()]
    developers += [await factory.developer() for _ in range(2)]
    for developer in developers:  # and may have made new developers start pending
        await developers_domain.change_developer(SYSTEM, Action.APPROVE, developer.id)
    services = [await factory.service() for _ in range(2)]
    versions = [
        await factory.version(service, label, gateway_service_name=f"gw-{service.id}-{label}")
        for service in services
        for label in ("v1", "v2")
    ]
    statuses = list(AccessStatus)
    now_ms = int(utcnow().timestamp() * 1000)
    for d, developer in enumerate(developers):
        for a in range(2):
            application = await factory.application(developer)
            for v, version in enumerate(versions[:3]):
                await factory.connection(
                    application, version, status=statuses[(d + a + v) % len(statuses)]
                )
            await credentials.create_credential(SYSTEM, application.id, f"key {a}")
            await traffic(
                [
                    kong_entry(
                        now_ms - i * 3_600_000,
                        consumer=application.reference_id,
                        service=versions[0].gateway_service_name,
                        status=200 if i % 3 else 500,
                    )
                    for i in range(3)
                ]
            )
    return developers[0]


async def check_invariants() -> None:
    """No dangling rows; each connection's newest event says what its status is, and each
    connection that is gone has a delete as its newest event."""
    developer_ids = await _column(Developer.all(), "id")
    application_ids = await _column(Application.all(), "id")
    version_ids = await _column(ServiceVersion.all(), "id")
    service_ids = await _column(Service.all(), "id")

    assert await _column(Application.all(), "developer_id") <= developer_ids
    assert await _column(ServiceVersion.all(), "service_id") <= service_ids
    assert await _column(Credential.all(), "application_id") <= application_ids
    assert await _column(ApiToken.exclude(developer_id=None), "developer_id") <= developer_ids

    newest: dict[int, ConnectionEvent] = {}
    for event in await ConnectionEvent.all().order_by("created_at", "id"):
        newest[event.connection_id] = event
    live = await ServiceConnection.all()
    for connection in live:
        assert connection.application_id in application_ids, connection.id
        assert connection.service_version_id in version_ids, connection.id
        assert connection.id in newest, f"connection {connection.id} has no event"
        assert newest[connection.id].to_status == connection.status, connection.id
    for connection_id in set(newest) - {connection.id for connection in live}:
        assert newest[connection_id].to_status is None, f"{connection_id} is gone undeleted"


async def _column(query: Any, name: str) -> set[int]:
    return {int(value) for value in await query.values_list(name, flat=True)}


# --- The test ---------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(params=["admin", "developer"])
async def fuzzer(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, factory: Factory, backend: str
) -> AsyncIterator[Fuzzer]:
    """A seeded portal and a token of the role. Once every document has been sent: the count
    is checked and printed, and so are the database's invariants."""
    role = str(request.param)
    own = await seed(factory)
    token = await factory.token(role, own if role == "developer" else None)
    fuzzer = Fuzzer(client, token, factory, own)
    await fuzzer.refresh()
    started = time.monotonic()
    yield fuzzer
    print("\n" + fuzzer.stats.line(role, backend, time.monotonic() - started))
    assert fuzzer.stats.documents >= EXAMPLES
    await check_invariants()


@pytest.mark.parametrize("backend", FUZZ_BACKENDS, indirect=True)
@FUZZ
@given(request=requests())
async def test_fuzzed_documents_never_fail_the_server_or_the_database(
    fuzzer: Fuzzer, request: tuple[str, dict[str, Any]]
) -> None:
    await fuzzer.send(*request)
