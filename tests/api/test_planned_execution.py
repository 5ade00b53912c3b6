"""Planned execution answers exactly what graphql-core alone answers.

Each document runs twice on the same data: through the schema as served (prefetching plus
plans, app/api/execution.py) and through the same schema with plans off. The answers,
errors included, must be equal, and for the pages it is built for, the plan must be used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from app.api import execution
from app.api.context import Context
from app.api.schema import build_schema
from app.domain.clock import utcnow
from app.domain.viewer import Viewer
from app.models import AccessStatus, Application, Role, ServiceConnection, ServiceVersion
from app.settings import Settings
from tests.factories import Factory, kong_entry, traffic

BENCH_QUERIES = Path(__file__).resolve().parents[2] / "bench" / "queries"

PAGE_FIELDS = """
  id name createdAt updatedAt description referenceId __typename
  developer { id name email status __typename }
  connections { id status reasonCode note createdAt updatedAt statusChangedAt
    serviceVersion { id version gatewayServiceName autoApprove
      service { id name description } } }
  traffic { requests errors successes clientErrors serverErrors errorRate
    latencyMs { avg p50 p95 p99 max } upstreamLatencyMs { avg } lastRequestAt from to }
"""

DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "every plain field": (f"{{ applications(first: 30) {{ nodes {{ {PAGE_FIELDS} }} }} }}", {}),
    "edges and nodes together": (
        f"{{ applications(first: 10) {{ edges {{ cursor node {{ {PAGE_FIELDS} }} }} "
        "nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
        {},
    ),
    "aliases of one relation with other arguments": (
        "{ applications(first: 20) { nodes { id "
        "week: traffic(window: LAST_7_DAYS) { requests } "
        "month: traffic(window: LAST_30_DAYS) { requests errors } "
        "approved: connections(status: [APPROVED]) { id status } "
        "all: connections { id } } } }",
        {},
    ),
    "arguments from variables": (
        "query($w: TrafficWindow, $s: [AccessStatus!]) { applications(first: 20) { nodes { "
        "traffic(window: $w) { requests } connections(status: $s) { id } } } }",
        {"w": "LAST_90_DAYS", "s": ["PENDING", "REVOKED"]},
    ),
    "fragments and inline fragments": (
        "fragment Dev on Developer { id name } "
        "fragment App on Application { name developer { ...Dev } } "
        "{ applications(first: 20) { nodes { ...App ... on Application { connections { "
        "serviceVersion { ... on ServiceVersion { version service { name } } } } } } } }",
        {},
    ),
    "directives": (
        "query($yes: Boolean!) { applications(first: 20) { nodes { name "
        "developer @include(if: $yes) { name } traffic @skip(if: $yes) { requests } } } }",
        {"yes": True},
    ),
    "resolver fields among plain ones": (
        "{ applications(first: 20) { totalCount nodes { name connectionCounts { total } "
        "connections { availableActions history { action } traffic { requests } "
        "serviceVersion { effectiveAutoApprove } } } } }",
        {},
    ),
    "a bad traffic window is an error at its field": (
        '{ applications(first: 5) { nodes { name traffic(from: "2024-01-02T00:00:00Z", '
        'to: "2024-01-01T00:00:00Z") { requests } } } }',
        {},
    ),
    "the admin queue": (
        "{ serviceConnections(first: 50) { nodes { id status application { name } "
        "serviceVersion { version service { name } } } } }",
        {},
    ),
    "one alias, other arguments under nodes and under edges": (
        "{ applications(first: 20) { "
        "nodes { c: connections(status: [APPROVED]) { status } t: traffic(window: LAST_24_HOURS) "
        "{ requests } } edges { node { c: connections(status: [PENDING]) { status } "
        "t: traffic(window: LAST_90_DAYS) { requests } } } } }",
        {},
    ),
    "a fragment on the Node interface": (
        "{ applications(first: 20) { nodes { c: connections(status: [APPROVED]) { status } } "
        "edges { node { ... on Node { ... on Application { c: connections(status: [PENDING]) "
        "{ status } } } } } } }",
        {},
    ),
    "one alias, two relations": (
        "{ applications(first: 5) { nodes { x: connections { id } } "
        "edges { node { x: developer { id } } } } }",
        {},
    ),
    "headline": ((BENCH_QUERIES / "headline.graphql").read_text(), {"first": 50, "offset": 3}),
    "headline by cursor": ((BENCH_QUERIES / "headline-cursor.graphql").read_text(), {"first": 7}),
    "headline without traffic": (
        (BENCH_QUERIES / "headline-lite.graphql").read_text(),
        {"first": 50, "offset": 0},
    ),
}


@pytest.fixture
async def portal(factory: Factory) -> None:
    """40 applications in every connection status, half of them with traffic."""
    await factory.portal(40, developers=6, versions=5, connections_each=3)
    for version in await ServiceVersion.all():
        await ServiceVersion.filter(id=version.id).update(gateway_service_name=f"gw-{version.id}")
    now_ms = int(utcnow().timestamp() * 1000)
    entries = []
    for application in await Application.all().order_by("id").limit(20):
        connection = await ServiceConnection.filter(application_id=application.id).first()
        assert connection is not None
        for hours_ago, status in ((1, 200), (30, 404), (200, 503), (2_000, 200)):
            entries.append(
                kong_entry(
                    now_ms - 3_600_000 * hours_ago,
                    consumer=application.reference_id,
                    service=f"gw-{connection.service_version_id}",
                    status=status,
                    latency=5 + application.id,
                )
            )
    await traffic(entries)
    await ServiceConnection.filter(id=1).update(status=AccessStatus.REJECTED, note="no")


async def run(settings: Settings, planned: bool, document: str, variables: dict[str, Any]) -> Any:
    schema = build_schema(settings, planned=planned)
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/graphql"})
    context = Context(request=request, response=None, settings=settings, viewer=Viewer(Role.ADMIN))
    result = await schema.execute(document, variable_values=variables, context_value=context)
    errors = [(e.message, e.path, (e.extensions or {}).get("code")) for e in result.errors or []]
    return result.data, errors


@pytest.mark.usefixtures("portal")
@pytest.mark.parametrize("name", list(DOCUMENTS))
async def test_planned_execution_answers_as_graphql_core(db: Settings, name: str) -> None:
    document, variables = DOCUMENTS[name]

    planned = await run(db, True, document, variables)
    plain = await run(db, False, document, variables)

    assert planned == plain
    assert planned[0] is not None or planned[1]


NESTED_DIRECTIVES = """
query Page($full: Boolean!) { applications(first: 10) { nodes { name
  developer { name ... @include(if: $full) { email } }
  traffic { latencyMs { ... @skip(if: $full) { p95 } } } } } }
"""


@pytest.mark.usefixtures("portal")
async def test_a_plan_never_keeps_one_request_s_directives_for_the_next(db: Settings) -> None:
    for full in (False, True, False):
        planned = await run(db, True, NESTED_DIRECTIVES, {"full": full})
        plain = await run(db, False, NESTED_DIRECTIVES, {"full": full})

        assert planned == plain, full
        developer = planned[0]["applications"]["nodes"][0]["developer"]
        assert ("email" in developer) is full


@pytest.mark.usefixtures("portal")
async def test_the_headline_page_is_completed_by_a_plan(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    completed: list[str] = []
    compile_object = execution.PlannedExecutionContext._compile_object

    def recording(self: Any, parent_type: Any, grouped: Any) -> Any:
        plan = compile_object(self, parent_type, grouped)
        completed.append(parent_type.name)
        return plan

    monkeypatch.setattr(execution, "PLANS", execution._PlanCache())
    monkeypatch.setattr(execution.PlannedExecutionContext, "_compile_object", recording)
    document, variables = DOCUMENTS["headline"]

    data, errors = await run(db, True, document, variables)

    assert errors == []
    assert len(data["applications"]["nodes"]) == 37
    assert "ApplicationConnection" in completed  # the whole page, from its root down
