"""The `connectionEvents` resolver in-process: what each viewer is sent, and refused filters.

The transport (graphql-transport-ws under uvicorn, LISTEN/NOTIFY) is tested with a real
server in tests/server/test_subscriptions.py; here the stream is read straight from the schema.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from strawberry.types import ExecutionResult

from app import global_ids
from app.api.context import Context
from app.api.schema import build_schema
from app.domain import applications, connections
from app.domain.events import bus
from app.domain.lifecycle import Action
from app.domain.viewer import SYSTEM, Viewer
from app.models import AccessStatus, Role
from app.settings import Settings
from tests.factories import Factory, gid

EVENTS = """subscription($app: ID, $version: ID) {
  connectionEvents(applicationId: $app, serviceVersionId: $version) {
    action fromStatus toStatus connectionId } }"""


async def subscribe(
    settings: Settings, viewer: Viewer, **variables: Any
) -> AsyncGenerator[ExecutionResult, None]:
    """The stream of results, once its resolver is listening on the bus."""
    context = Context(request=None, response=None, settings=settings, viewer=viewer)  # type: ignore[arg-type]
    stream = await build_schema(settings).subscribe(EVENTS, variables, context_value=context)
    assert not isinstance(stream, ExecutionResult), stream
    return stream


async def first(stream: AsyncGenerator[ExecutionResult, None]) -> ExecutionResult:
    return await asyncio.wait_for(anext(stream), timeout=5)


async def listening(before: int) -> None:
    """Wait until one more subscription than `before` is listening on the bus."""
    for _ in range(1000):
        if bus.subscriber_count > before:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the subscription never started listening")


async def test_an_application_filter_streams_only_that_applications_events(
    db: Settings, factory: Factory
) -> None:
    watched = await factory.connection(status=AccessStatus.APPROVED)
    other = await factory.connection(status=AccessStatus.APPROVED)
    stream = await subscribe(db, Viewer(Role.ADMIN), app=gid(await watched.application))
    before = bus.subscriber_count
    result = asyncio.create_task(first(stream))
    await listening(before)

    await connections.change_connection(SYSTEM, Action.REVOKE, other.id)
    await connections.change_connection(SYSTEM, Action.REVOKE, watched.id)

    assert (await result).data == {
        "connectionEvents": {
            "action": "REVOKE",
            "fromStatus": "APPROVED",
            "toStatus": "REVOKED",
            "connectionId": gid(watched),
        }
    }
    await stream.aclose()


async def test_a_developer_is_streamed_only_their_own_events(
    db: Settings, factory: Factory
) -> None:
    developer = await factory.developer()
    mine = await factory.connection(await factory.application(developer))
    foreign = await factory.connection()
    stream = await subscribe(db, Viewer(Role.DEVELOPER, developer_id=developer.id))
    before = bus.subscriber_count
    result = asyncio.create_task(first(stream))
    await listening(before)

    await connections.change_connection(SYSTEM, Action.APPROVE, foreign.id)
    await connections.change_connection(SYSTEM, Action.REJECT, mine.id)

    event = (await result).data
    assert event is not None
    assert event["connectionEvents"]["connectionId"] == gid(mine)
    await stream.aclose()


async def test_deleting_an_application_streams_one_delete_per_connection(
    db: Settings, factory: Factory
) -> None:
    application = await factory.application()
    rows = [await factory.connection(application, status=s) for s in AccessStatus]
    stream = await subscribe(db, Viewer(Role.ADMIN), app=gid(application))
    before = bus.subscriber_count
    results = asyncio.create_task(_take(stream, len(rows)))
    await listening(before)

    await applications.delete_application(SYSTEM, application.id)

    events = [r.data["connectionEvents"] for r in await results if r.data]
    assert sorted(e["connectionId"] for e in events) == sorted(gid(r) for r in rows)
    assert {(e["action"], e["toStatus"]) for e in events} == {("DELETE", None)}
    await stream.aclose()


async def _take(stream: AsyncGenerator[ExecutionResult, None], count: int) -> list[ExecutionResult]:
    return [await first(stream) for _ in range(count)]


@pytest.mark.parametrize("variable", ["app", "version"])
async def test_a_filter_naming_nothing_visible_is_refused(
    db: Settings, factory: Factory, variable: str
) -> None:
    developer = await factory.developer()
    foreign = await factory.application()
    value = gid(foreign) if variable == "app" else global_ids.encode("ServiceVersion", 99_999)
    stream = await subscribe(
        db, Viewer(Role.DEVELOPER, developer_id=developer.id), **{variable: value}
    )

    result = await first(stream)

    assert result.errors is not None
    assert result.errors[0].extensions == {
        "code": "NOT_FOUND",
        "field": "applicationId" if variable == "app" else "serviceVersionId",
    }
