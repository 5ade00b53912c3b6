"""`POST /ingest/kong` (Kong's http-log plugin) through real uvicorn.

One server per database backend serves the whole module (starting uvicorn per test would
cost seconds each); every test makes its own tokens and data in that server's database.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from app.models import ServiceVersion, TrafficHourly, UnattributedTraffic
from app.settings import Settings
from tests.conftest import BACKENDS
from tests.factories import Factory, kong_entry
from tests.live_server import live_server

pytestmark = pytest.mark.server

CAP = 8_000  # DEVPORTAL_INGEST_MAX_BODY_BYTES for this module's server
SERVICE_22_ID = "167290ee-c682-4ebf-bdea-e49a3ac5e260"
SAMPLE_NAMES = (
    "kong-log-3.8-http-docs.json",
    "kong-log-2.2-http-consumer-docs.json",
    "kong-log-3.x-401-keyauth-derived.json",
)


@pytest.fixture(scope="module", params=BACKENDS)
def server_settings(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
) -> Settings:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("ingest-http") / "server.sqlite3"
        shutil.copy(sqlite_template, path)
        return Settings(database_url=f"sqlite://{path}")
    return Settings(database_url=postgres_url)


@pytest.fixture(scope="module")
def server(server_settings: Settings) -> Iterator[str]:
    with live_server(
        server_settings, extra_env={"DEVPORTAL_INGEST_MAX_BODY_BYTES": str(CAP)}
    ) as base:
        yield base


@pytest.fixture
def settings(server_settings: Settings) -> Settings:
    """The `db` fixture opens the server's own database (emptied first on PostgreSQL)."""
    return server_settings


@pytest.fixture
async def http(server: str, db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        yield client


def sample(samples: Path, name: str) -> bytes:
    return (samples / name).read_bytes()


async def post(
    http: httpx.AsyncClient, body: Any, token: str | None = None, **headers: str
) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post("/ingest/kong", content=body, headers=headers)


async def counted_requests() -> int:
    """Requests in every rollup of the (shared) database."""
    rows = await UnattributedTraffic.all().values("requests")
    rows += await TrafficHourly.all().values("requests")
    return sum(row["requests"] for row in rows)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_one_entry_object_is_ingested_and_reported(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("ingest")

    response = await post(http, sample(samples, SAMPLE_NAMES[0]), token)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["entries"], report["attributed"]) == (1, 1, 0)
    assert report["unattributed"] == {"anonymous": 1}
    assert report["malformed"] == 0


async def test_batch_array_is_ingested_and_attributed(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("ingest")
    application = await factory.application(reference_id="foo")
    version = await factory.version(gateway_service_name="httpbin")
    await ServiceVersion.filter(id=version.id).update(gateway_service_id=SERVICE_22_ID)
    batch = [orjson.loads(sample(samples, name)) for name in SAMPLE_NAMES]

    response = await post(http, orjson.dumps(batch), token)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["entries"], report["attributed"]) == (3, 3, 1)
    assert report["unattributed"] == {"anonymous": 2}
    rows = await TrafficHourly.filter(application_id=application.id).values(
        "service_version_id", "requests"
    )
    assert rows == [{"service_version_id": version.id, "requests": 1}]


async def test_keys_no_column_can_hold_leave_their_entries_unattributed_and_answer_200(
    http: httpx.AsyncClient, factory: Factory
) -> None:
    token = await factory.token("ingest")
    await factory.application(reference_id="http-long-keys-app")
    await factory.version(gateway_service_name="http-long-keys-service")
    app, service, ms = "http-long-keys-app", "http-long-keys-service", 1_726_704_000_000
    batch = [
        kong_entry(ms, consumer=app, service=service),
        kong_entry(ms, consumer="c" * 101, service=service),
        kong_entry(ms, consumer="nul\x00consumer", service=service),
        kong_entry(ms, consumer=app, service="s" * 201),
        kong_entry(ms, consumer=app, service="nul\x00service"),
    ]

    response = await post(http, orjson.dumps(batch), token)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["entries"], report["attributed"]) == (5, 1)
    assert report["unattributed"] == {"unknown_consumer": 2, "unknown_service": 2}


async def test_bad_item_of_a_batch_is_reported_and_the_rest_counted(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("admin")
    body = b"[" + sample(samples, SAMPLE_NAMES[0]) + b', {"response": {"status": 200}}]'

    response = await post(http, body, token)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["entries"], report["malformed"]) == (2, 1, 1)
    assert report["malformedExamples"] == [{"line": 2, "reason": "missing started_at"}]


@pytest.mark.parametrize("body", [b"started_at=1726783839538", b"", b'"text"', b"42"])
async def test_body_that_is_not_an_entry_or_a_batch_is_refused_with_400(
    http: httpx.AsyncClient, factory: Factory, body: bytes
) -> None:
    token = await factory.token("ingest")

    response = await post(http, body, token)

    assert response.status_code == 400
    assert error_code(response) == "VALIDATION"


async def test_post_without_a_token_is_refused_with_401(
    http: httpx.AsyncClient, samples: Path
) -> None:
    response = await post(http, sample(samples, SAMPLE_NAMES[0]))

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"


async def test_post_with_an_unknown_token_is_refused_with_401(
    http: httpx.AsyncClient, samples: Path
) -> None:
    response = await post(http, sample(samples, SAMPLE_NAMES[0]), "not-a-token")

    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"


async def test_post_with_a_developer_token_is_refused_with_403(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("developer", await factory.developer())
    before = await counted_requests()

    response = await post(http, sample(samples, SAMPLE_NAMES[0]), token)

    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"
    assert await counted_requests() == before


async def test_body_over_the_cap_is_refused_with_413(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("ingest")
    batch = b"[" + b",".join([sample(samples, SAMPLE_NAMES[0])] * 3) + b"]"
    assert len(batch) > CAP

    response = await post(http, batch, token)

    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_cap_is_refused_with_413(
    http: httpx.AsyncClient, factory: Factory, samples: Path
) -> None:
    token = await factory.token("ingest")
    entry = sample(samples, SAMPLE_NAMES[0])

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap counts bytes
        yield b"["
        for _ in range(3):
            yield entry + b","
        yield entry + b"]"

    response = await post(http, chunks(), token)

    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"
