"""The Applications page costs the same few SQL statements for 5 or 50 applications (no N+1).

The page below reads every level the Applications section shows: the count, the applications
with their developers, and their connections with versions and services. DataLoaders batch
each level, so the statement count does not grow with the page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from app.api.context import Context
from app.api.schema import build_schema
from app.domain.clock import utcnow
from app.domain.viewer import Viewer
from app.models import Application, Role, ServiceConnection, ServiceVersion
from app.settings import Settings
from tests.factories import Factory, kong_entry, traffic

PAGE = """
query($first: Int!) {
  applications(first: $first) {
    totalCount
    edges { node {
      name
      developer { name }
      connections { status serviceVersion { version service { name } } }
    } }
  }
}
"""

# The design needs three: the count, applications joined with developers, and connections
# joined with their versions and services.
EXPECTED_STATEMENTS = 3

_NOISE = ("Created connection", "Closed connection")


class _StatementLog(logging.Handler):
    """Collects the SQL that Tortoise's clients log at DEBUG, one record per statement."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(_NOISE):
            self.statements.append(message)


@contextmanager
def counting_statements() -> Iterator[_StatementLog]:
    logger = logging.getLogger("tortoise.db_client")
    handler = _StatementLog()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _run_page(settings: Settings, first: int) -> tuple[dict[str, Any], list[str]]:
    schema = build_schema(settings)
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/graphql"})
    context = Context(request=request, response=None, settings=settings, viewer=Viewer(Role.ADMIN))
    with counting_statements() as log:
        result = await schema.execute(PAGE, variable_values={"first": first}, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, log.statements


@pytest.mark.parametrize("applications", [5, 50])
async def test_applications_page_costs_a_fixed_number_of_statements(
    factory: Factory, db: Settings, applications: int
) -> None:
    await factory.portal(applications, developers=3, versions=4, connections_each=3)

    data, statements = await _run_page(db, first=applications)

    page = data["applications"]
    assert page["totalCount"] == applications
    assert len(page["edges"]) == applications
    assert all(len(edge["node"]["connections"]) == 3 for edge in page["edges"])
    assert all(
        c["serviceVersion"]["service"]["name"]
        for edge in page["edges"]
        for c in edge["node"]["connections"]
    )
    assert len(statements) == EXPECTED_STATEMENTS, "\n".join(statements)


async def test_statement_count_is_the_same_for_5_and_for_50_applications(
    factory: Factory, db: Settings
) -> None:
    await factory.portal(50, developers=3, versions=4, connections_each=3)

    _, five = await _run_page(db, first=5)
    _, fifty = await _run_page(db, first=50)

    assert len(five) == len(fifty) <= 4


# The benchmark's headline page (bench/queries): the same documents, so that what is timed
# is what is counted here.
BENCH_QUERIES = Path(__file__).resolve().parents[2] / "bench" / "queries"
HEADLINE_STATEMENTS = 3
"""Applications joined with developers, connections joined with versions and services, and
the traffic summaries of the page: the issue allows at most 4."""


async def _run_headline(
    settings: Settings, document: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    schema = build_schema(settings)
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/graphql"})
    context = Context(request=request, response=None, settings=settings, viewer=Viewer(Role.ADMIN))
    with counting_statements() as log:
        result = await schema.execute(document, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data, log.statements


@pytest.fixture
async def headline_portal(factory: Factory) -> None:
    """120 applications with 4 connections each; the first 60 have 3 requests each (2 of
    them 500s) on their first connection, within the last two days."""
    await factory.portal(120, developers=7, versions=5, connections_each=4)
    for version in await ServiceVersion.all():
        await ServiceVersion.filter(id=version.id).update(gateway_service_name=f"gw-{version.id}")
    now_ms = int(utcnow().timestamp() * 1000)
    entries = []
    for application in await Application.all().order_by("id").limit(60):
        first = await ServiceConnection.filter(application_id=application.id).order_by("id").first()
        assert first is not None
        for i, status in enumerate((200, 500, 500)):
            entries.append(
                kong_entry(
                    now_ms - 3_600_000 * (application.id % 40 + i),
                    consumer=application.reference_id,
                    service=f"gw-{first.service_version_id}",
                    status=status,
                )
            )
    report = await traffic(entries)
    assert report.attributed == 180, report


@pytest.mark.usefixtures("headline_portal")
@pytest.mark.parametrize("offset", [0, 50, 100])
async def test_headline_page_costs_three_statements_at_any_offset(
    db: Settings, offset: int
) -> None:
    document = (BENCH_QUERIES / "headline.graphql").read_text()

    data, statements = await _run_headline(db, document, {"first": 50, "offset": offset})

    nodes = data["applications"]["nodes"]
    assert len(nodes) == min(50, 120 - offset)
    assert all(len(node["connections"]) == 4 for node in nodes)
    assert len(statements) == HEADLINE_STATEMENTS, "\n".join(statements)


@pytest.mark.usefixtures("headline_portal")
async def test_headline_page_by_cursor_costs_three_statements(db: Settings) -> None:
    document = (BENCH_QUERIES / "headline-cursor.graphql").read_text()
    first, _ = await _run_headline(db, document, {"first": 50})
    after = first["applications"]["pageInfo"]["endCursor"]

    data, statements = await _run_headline(db, document, {"first": 50, "after": after})

    assert len(data["applications"]["nodes"]) == 50
    assert len(statements) == HEADLINE_STATEMENTS, "\n".join(statements)


@pytest.mark.usefixtures("headline_portal")
async def test_headline_traffic_counts_requests_and_errors(db: Settings) -> None:
    document = (BENCH_QUERIES / "headline.graphql").read_text()

    data, _ = await _run_headline(db, document, {"first": 50, "offset": 0})

    summaries = [node["traffic"] for node in data["applications"]["nodes"]]
    assert sum(s["requests"] for s in summaries) == 150
    assert sum(s["errors"] for s in summaries) == 100
