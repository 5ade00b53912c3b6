"""The rate limit's bucket per client address: every request draws from it as well as from its
token's, so made-up tokens (each of which would get a fresh bucket of its own) cannot buy
unlimited token lookups or load. It holds a configurable multiple of a token's rate."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx

from tests.factories import Factory

QUERY = {"query": "{ viewer { role } }"}


async def status(http: httpx.AsyncClient, token: str) -> int:
    response = await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def test_made_up_tokens_from_one_address_share_its_bucket(
    app_with: Callable[..., httpx.AsyncClient],
) -> None:
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1, rate_limit_address_multiple=3)

    statuses = [await status(http, f"dpt_{secrets.token_hex(8)}") for _ in range(4)]

    assert [s == 429 for s in statuses] == [False, False, False, True]


async def test_the_address_bucket_holds_the_multiple_of_a_tokens_bucket(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    tokens = [await factory.token("viewer") for _ in range(3)]
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1, rate_limit_address_multiple=2)

    statuses = [await status(http, token) for token in tokens]

    assert statuses == [200, 200, 429]


async def test_a_refused_request_costs_the_other_buckets_nothing(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    """A token over its own limit must not drain its address's bucket for everyone else."""
    busy, other = await factory.token("viewer"), await factory.token("viewer")
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1, rate_limit_address_multiple=2)

    statuses = [await status(http, busy) for _ in range(5)] + [await status(http, other)]

    assert statuses == [200, 429, 429, 429, 429, 200]


async def test_the_address_bucket_is_off_with_a_multiple_of_0(
    app_with: Callable[..., httpx.AsyncClient], factory: Factory
) -> None:
    tokens = [await factory.token("viewer") for _ in range(4)]
    http = app_with(rate_limit_per_minute=60, rate_limit_burst=1, rate_limit_address_multiple=0)

    statuses = [await status(http, token) for token in tokens]

    assert statuses == [200] * 4
