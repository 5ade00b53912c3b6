"""The real server: `devportal serve` under uvicorn on 127.0.0.1, queried over HTTP.

In-process ASGI tests cannot see failures that only happen under uvicorn (the ORM's context
not active in request tasks, design.md §8), so this starts the real process on the test's
database and reads the Applications page as the issue's acceptance check does.
"""

from __future__ import annotations

import httpx
import pytest

from app.settings import Settings
from tests.factories import Factory
from tests.live_server import live_server

pytestmark = pytest.mark.server

PAGE = """
{
  applications(first: 50) {
    totalCount
    edges { node {
      name
      developer { name email }
      connections { status serviceVersion { version service { name } } }
    } }
  }
}
"""


async def test_real_server_serves_the_applications_page_graphiql_and_readiness(
    db: Settings, factory: Factory
) -> None:
    await factory.portal(55, developers=4, versions=3, connections_each=2)
    token = await factory.token("admin")

    with live_server(db) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            page = await http.post(
                "/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {token}"}
            )
            graphiql = await http.get("/graphql", headers={"Accept": "text/html"})
            ready = await http.get("/readyz")
            anonymous = await http.post("/graphql", json={"query": PAGE})

    assert page.status_code == 200, page.text
    body = page.json()
    assert "errors" not in body, body
    edges = body["data"]["applications"]["edges"]
    assert body["data"]["applications"]["totalCount"] == 55
    assert len(edges) == 50
    for edge in edges:
        node = edge["node"]
        assert node["developer"]["name"]
        assert len(node["connections"]) == 2
        assert all(c["serviceVersion"]["service"]["name"] for c in node["connections"])
    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
