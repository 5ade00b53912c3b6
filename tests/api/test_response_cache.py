"""The response cache: repeated reads are answered from it, and no read after a write is stale.

Every write the API offers (each mutation, as listed by the authorization matrix, which a new
mutation cannot skip), ingestion over HTTP and in the pipeline, and both importers is checked
the same way: a snapshot of everything the frontend reads is cached, the write is made, and
the snapshot read through the cache must equal one read without it, and differ from before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app import global_ids
from app.domain.clock import utcnow
from app.ingest.deck import read_deck
from app.ingest.imports import run_job
from app.ingest.konnect import read_export
from app.models import Application, PortalSettings
from app.settings import Settings
from tests.api.test_authorization_matrix import FIELDS, schema_root_fields, seed
from tests.conftest import GraphQLClient
from tests.factories import Factory, kong_entry, traffic

SNAPSHOT = """
{
  applications(first: 100) {
    totalCount
    nodes {
      id name description
      developer { id name status }
      connections { id status }
      credentials { id name status }
      events { id action }
      traffic { requests errors }
    }
  }
  developers(first: 100) { nodes { id name status } }
  services(first: 100) { nodes { id name description versions { id version autoApprove } } }
  portalSettings { autoApproveConnections autoApproveDevelopers }
  unattributedTraffic { reason consumer service requests }
}
"""

MUTATIONS = [key for key, case in FIELDS.items() if case.document.startswith("mutation")]


def test_every_mutation_of_the_schema_is_checked_for_stale_reads() -> None:
    from app.api.schema import build_schema

    mutation_type = build_schema(Settings())._schema.mutation_type
    assert mutation_type is not None
    assert set(MUTATIONS) == set(mutation_type.fields)
    assert set(MUTATIONS) <= schema_root_fields()


@pytest.fixture
def cached(app_with: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_with(response_cache=True)


@pytest.fixture
def uncached(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return client


async def snapshot(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    body = await GraphQLClient(http, token)(SNAPSHOT)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_a_repeated_read_is_answered_from_the_cache(
    cached: httpx.AsyncClient, factory: Factory
) -> None:
    application = await factory.application(name="before")
    token = await factory.token("admin")
    first = await snapshot(cached, token)

    # Behind the service's back: no announcement, so only the cache can explain the old name.
    await Application.filter(id=application.id).update(name="after")

    assert await snapshot(cached, token) == first


async def test_reads_are_cached_per_viewer_scope(
    cached: httpx.AsyncClient, factory: Factory
) -> None:
    ada = await factory.developer(name="Ada")
    bob = await factory.developer(name="Bob")
    await factory.application(ada, name="ada-app")
    await factory.application(bob, name="bob-app")
    names = "{ applications(first: 10) { nodes { name } } }"

    as_admin = await GraphQLClient(cached, await factory.token("admin"))(names)
    as_ada = await GraphQLClient(cached, await factory.token("developer", ada))(names)
    as_bob = await GraphQLClient(cached, await factory.token("developer", bob))(names)

    assert [n["name"] for n in as_admin["data"]["applications"]["nodes"]] == [
        "ada-app",
        "bob-app",
    ]
    assert [n["name"] for n in as_ada["data"]["applications"]["nodes"]] == ["ada-app"]
    assert [n["name"] for n in as_bob["data"]["applications"]["nodes"]] == ["bob-app"]


async def test_an_answer_with_errors_is_not_cached(
    cached: httpx.AsyncClient, factory: Factory
) -> None:
    client = GraphQLClient(cached, await factory.token("admin"))
    first = await factory.application(name="first")
    details = "query($id: ID!) { application(id: $id) { name } }"
    next_id = global_ids.encode("Application", first.id + 1)

    refused = await client(details, id=next_id)
    second = await factory.application(name="second")

    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert second.id == first.id + 1
    assert (await client(details, id=next_id))["data"]["application"]["name"] == "second"


async def test_a_token_that_is_refused_is_never_answered_from_the_cache(
    cached: httpx.AsyncClient, factory: Factory
) -> None:
    await snapshot(cached, await factory.token("admin"))

    refused = await GraphQLClient(cached, "not-a-token")(SNAPSHOT)

    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("key", MUTATIONS)
async def test_no_read_after_a_mutation_is_stale(
    key: str, cached: httpx.AsyncClient, uncached: httpx.AsyncClient, db: Settings
) -> None:
    case = FIELDS[key]
    world = await seed(case)
    token = world.tokens["admin"]
    assert token is not None
    before = await snapshot(cached, token)
    assert await snapshot(cached, token) == before

    body = await GraphQLClient(cached, token)(case.document, **world.variables(case, "own"))
    assert "errors" not in body, body
    assert not (body["data"][key] or {}).get("errors"), body

    after = await snapshot(cached, token)
    assert after == await snapshot(uncached, token)
    assert after != before, "the mutation changed nothing the snapshot shows"


async def test_no_read_after_traffic_posted_to_the_ingest_endpoint_is_stale(
    cached: httpx.AsyncClient, uncached: httpx.AsyncClient, factory: Factory
) -> None:
    version = await factory.version(gateway_service_name="gw-orders")
    application = await factory.application(name="caller")
    await factory.connection(application, version)
    token = await factory.token("admin")
    before = await snapshot(cached, token)
    entry = kong_entry(
        int(utcnow().timestamp() * 1000) - 60_000,
        consumer=application.reference_id,
        service="gw-orders",
    )

    posted = await cached.post(
        "/ingest/kong", json=entry, headers={"Authorization": f"Bearer {token}"}
    )

    assert posted.status_code == 200, posted.text
    after = await snapshot(cached, token)
    assert after == await snapshot(uncached, token) != before
    assert after["applications"]["nodes"][0]["traffic"]["requests"] == 1


async def test_no_read_after_ingestion_in_the_pipeline_is_stale(
    cached: httpx.AsyncClient, uncached: httpx.AsyncClient, factory: Factory
) -> None:
    version = await factory.version(gateway_service_name="gw-orders")
    application = await factory.application(name="caller")
    await factory.connection(application, version)
    token = await factory.token("admin")
    before = await snapshot(cached, token)

    await traffic(
        [
            kong_entry(
                int(utcnow().timestamp() * 1000) - 60_000,
                consumer=application.reference_id,
                service="gw-orders",
                status=502,
            )
        ]
    )

    after = await snapshot(cached, token)
    assert after == await snapshot(uncached, token) != before
    assert after["applications"]["nodes"][0]["traffic"]["errors"] == 1


async def test_no_read_after_ingesting_only_unattributed_traffic_is_stale(
    cached: httpx.AsyncClient, uncached: httpx.AsyncClient, factory: Factory
) -> None:
    token = await factory.token("admin")
    before = await snapshot(cached, token)

    report = await traffic(
        [kong_entry(int(utcnow().timestamp() * 1000) - 60_000, consumer="nobody", service="gw")]
    )

    assert report.attributed == 0
    after = await snapshot(cached, token)
    assert after == await snapshot(uncached, token) != before
    assert after["unattributedTraffic"][0]["consumer"] == "nobody"


@pytest.mark.parametrize(
    ("reader", "sample"),
    [
        (read_deck, "kong-3.0-declarative-assembled.yaml"),
        (read_export, "konnect-v2-list-developers-docs.json"),
    ],
)
async def test_no_read_after_an_import_is_stale(
    cached: httpx.AsyncClient,
    uncached: httpx.AsyncClient,
    factory: Factory,
    samples: Path,
    reader: Any,
    sample: str,
) -> None:
    token = await factory.token("admin")
    before = await snapshot(cached, token)

    await run_job(reader(samples / sample).job())

    after = await snapshot(cached, token)
    assert after == await snapshot(uncached, token) != before


async def test_a_write_behind_the_service_s_back_is_seen_after_the_maximum_age(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    cached = app_with(response_cache=True, response_cache_seconds=0)
    token = await factory.token("admin")
    await snapshot(cached, token)

    await PortalSettings.filter(id=1).update(auto_approve_connections=True)

    assert (await snapshot(cached, token))["portalSettings"]["autoApproveConnections"] is True


@pytest.mark.parametrize(
    ("content_type", "extra"),
    [("text/json", {}), ("application/json", {"extensions": []})],
)
async def test_a_request_strawberry_refuses_is_refused_with_a_warm_cache(
    cached: httpx.AsyncClient, factory: Factory, content_type: str, extra: dict[str, Any]
) -> None:
    token = await factory.token("admin")
    await snapshot(cached, token)
    body = orjson.dumps({"query": SNAPSHOT, **extra})

    response = await cached.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )

    assert response.status_code == 400, response.text
