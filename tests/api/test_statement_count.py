"""The Applications page costs the same few SQL statements for 5 or 50 applications (no N+1).

The page below reads every level the Applications section shows: the count, the applications
with their developers, and their connections with versions and services. DataLoaders batch
each level, so the statement count does not grow with the page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.requests import Request

from app.api.context import Context
from app.api.schema import build_schema
from app.domain.viewer import Viewer
from app.models import Role
from app.settings import Settings
from tests.factories import Factory

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
