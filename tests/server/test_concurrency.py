"""Concurrent conflicting actions on one connection through the real HTTP server.

Whatever the interleaving, there must be no server error, exactly one event per answer that
says `changed: true`, a history whose events chain (each starts where the one before ended),
and a stored status that is where the last event left it. The figures are printed (run with
`-s` to see them): they go into the issue's note.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from typing import Any

import httpx
import pytest

from app.models import AccessStatus, ConnectionEvent, ServiceConnection
from app.settings import Settings
from tests.factories import Factory, gid
from tests.lifecycle_ops import change_document
from tests.live_server import live_server

pytestmark = pytest.mark.server

CONCURRENT = 50


def _workers(settings: Settings) -> int:
    """Two worker processes on PostgreSQL, so that the race is between processes too."""
    return 1 if settings.is_sqlite else 2


async def _fire(base: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Send every call at once; each answer is the mutation's payload or the failed response."""
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:

        async def one(action: str, fields: dict[str, Any]) -> Any:
            response = await http.post(
                "/graphql",
                json={"query": change_document(action), "variables": {"input": fields}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json() if response.status_code == 200 else None
            if body is None or "errors" in body:
                return response
            return body["data"][f"{action}Connection"]

        return await asyncio.gather(*(one(action, fields) for action, fields in calls))


def _figures(answers: list[Any], new_events: int) -> dict[str, Any]:
    outcome: Counter[str] = Counter()
    for answer in answers:
        if isinstance(answer, httpx.Response):
            outcome[f"server error {answer.status_code}"] += 1
        elif answer["errors"]:
            outcome[answer["errors"][0]["code"]] += 1
        else:
            outcome[f"changed {str(answer['changed']).lower()}"] += 1
    return {"answers": len(answers), **dict(sorted(outcome.items())), "new events": new_events}


async def _assert_consistent(row_id: int, events_before: int, answers: list[Any]) -> None:
    events = await ConnectionEvent.filter(connection_id=row_id).order_by("id")
    new_events = len(events) - events_before
    figures = _figures(answers, new_events)
    print(f"\n{figures}")
    assert not any(isinstance(a, httpx.Response) for a in answers), figures
    assert new_events == figures.get("changed true", 0), figures
    for previous, event in itertools.pairwise(events):
        assert event.from_status == previous.to_status, (previous, event)
    by_time = sorted(events, key=lambda e: (e.created_at, e.id))
    assert [e.id for e in by_time] == [e.id for e in events], "history out of order by time"
    stored = await ServiceConnection.get_or_none(id=row_id)
    last = events[-1]
    assert (stored.status if stored else None) == last.to_status
    if stored is not None:
        assert stored.updated_at == last.created_at


async def test_fifty_concurrent_revokes_and_approves_stay_consistent(
    db: Settings, factory: Factory
) -> None:
    token = await factory.token("admin")
    row = await factory.connection(status=AccessStatus.APPROVED)
    events_before = await ConnectionEvent.filter(connection_id=row.id).count()
    calls = [("revoke" if i % 2 else "approve", {"id": gid(row)}) for i in range(CONCURRENT)]

    with live_server(db, workers=_workers(db)) as base:
        answers = await _fire(base, token, calls)

    await _assert_consistent(row.id, events_before, answers)


async def test_fifty_concurrent_conflicting_actions_stay_consistent(
    db: Settings, factory: Factory
) -> None:
    token = await factory.token("admin")
    row = await factory.connection()
    events_before = await ConnectionEvent.filter(connection_id=row.id).count()
    pick = random.Random(3)
    actions = ["approve"] * 15 + ["revoke"] * 15 + ["reject"] * 12 + ["delete"] * 3
    actions += [pick.choice(["approve", "revoke", "reject"]) for _ in range(5)]
    pick.shuffle(actions)
    calls = []
    for index, action in enumerate(actions):
        fields: dict[str, Any] = {"id": gid(row), "note": f"call {index}"}
        if index % 5 == 0:  # some callers hold a page that may be stale
            fields["expectedStatus"] = pick.choice(["PENDING", "APPROVED", "REVOKED"])
        calls.append((action, fields))

    with live_server(db, workers=_workers(db)) as base:
        answers = await _fire(base, token, calls)

    await _assert_consistent(row.id, events_before, answers)
    deleted = [a for a, (action, _) in zip(answers, calls, strict=True) if action == "delete"]
    assert sum(a["changed"] for a in deleted) <= 1
