"""Bearer tokens: made, listed and revoked with the CLI, stored as digests, refused once revoked
or expired (over HTTP at the next request; WebSockets: tests/server/test_ws_tokens.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from tortoise.connection import get_connection

from app import global_ids
from app.api.ws import token_signal
from app.domain.clock import utcnow
from app.domain.tokens import authenticate, create_token, revoke_token, token_still_valid
from app.models import ApiToken, Developer, Role
from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Factory
from tests.live_server import REPO

APPLICATIONS = "{ applications { totalCount } }"


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "token", *args],
        cwd=REPO,
        env={**os.environ, "DEVPORTAL_DATABASE_URL": settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def cli_async(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(cli, settings, *args)


def code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["extensions"]["code"])


# The CLI runs in its own process against the test's database file: SQLite only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@sqlite_only
@pytest.mark.parametrize("reference", ["global id", "email"])
async def test_cli_creates_a_developer_token_printed_once(
    db: Settings, factory: Factory, anonymous: GraphQLClient, reference: str
) -> None:
    developer = await factory.developer(email="ada@example.com")
    given = (
        global_ids.encode("Developer", developer.id)
        if reference == "global id"
        else "ADA@example.com"  # emails match case-insensitively
    )

    result = await cli_async(db, "create", "--role", "developer", "--developer", given)

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout.count(token) == 1 and token.startswith("dpt_")
    assert "shown once" in result.stderr and token not in result.stderr
    viewer = await anonymous.as_token(token)("{ viewer { role developer { email } } }")
    assert viewer["data"]["viewer"] == {
        "role": "DEVELOPER",
        "developer": {"email": developer.email},
    }


@sqlite_only
async def test_cli_refuses_a_developer_token_for_an_unknown_developer(db: Settings) -> None:
    result = await cli_async(db, "create", "--role", "developer", "--developer", "no@example.com")

    assert result.returncode == 2
    assert "No developer" in result.stderr
    assert await ApiToken.all().count() == 0


@sqlite_only
async def test_cli_lists_tokens_by_prefix_without_their_text(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN, name="ops")

    result = await cli_async(db, "list")

    assert result.returncode == 0, result.stderr
    assert "admin" in result.stdout and "ops" in result.stdout
    assert text[:10] in result.stdout
    assert text not in result.stdout


@sqlite_only
async def test_a_token_revoked_with_the_cli_is_unauthenticated_on_the_next_request(
    db: Settings, anonymous: GraphQLClient
) -> None:
    token, text = await create_token(Role.ADMIN)
    client = anonymous.as_token(text)
    assert "errors" not in await client(APPLICATIONS)

    result = await cli_async(db, "revoke", str(token.id))

    assert result.returncode == 0, result.stderr
    assert code(await client(APPLICATIONS)) == "UNAUTHENTICATED"


@sqlite_only
async def test_cli_revoking_an_unknown_token_fails(db: Settings) -> None:
    result = await cli_async(db, "revoke", "999")

    assert result.returncode == 2
    assert "no active token 999" in result.stderr


async def test_an_expired_token_is_unauthenticated(anonymous: GraphQLClient) -> None:
    _, text = await create_token(Role.ADMIN, expires_at=utcnow() - timedelta(seconds=1))

    body = await anonymous.as_token(text)(APPLICATIONS)

    assert code(body) == "UNAUTHENTICATED"
    assert "expired" in str(body["errors"])


async def test_a_token_before_its_expiry_is_accepted(anonymous: GraphQLClient) -> None:
    _, text = await create_token(Role.ADMIN, expires_at=utcnow() + timedelta(minutes=5))

    body = await anonymous.as_token(text)(APPLICATIONS)

    assert "errors" not in body, body


async def test_tokens_are_stored_as_digests_only(db: Settings) -> None:
    _, text = await create_token(Role.ADMIN, name="stored")

    rows = await get_connection("default").execute_query_dict("SELECT * FROM api_token")

    assert len(rows) == 1
    assert all(text not in str(value) for value in rows[0].values())
    assert rows[0]["token_hash"] == hashlib.sha256(text.encode()).hexdigest()


async def test_token_still_valid_follows_revocation_expiry_and_deletion(
    factory: Factory, db: Settings
) -> None:
    live, _ = await create_token(Role.ADMIN)
    revoked, _ = await create_token(Role.ADMIN)
    await revoke_token(revoked.id)
    expired, _ = await create_token(Role.ADMIN, expires_at=utcnow() - timedelta(seconds=1))
    developer = await factory.developer()
    orphan, _ = await create_token(Role.DEVELOPER, developer=developer.id)
    await Developer.filter(id=developer.id).delete()  # its tokens go with it

    states = [await token_still_valid(t.id) for t in (live, revoked, expired, orphan)]

    assert states == [True, False, False, False]


async def test_revoking_a_token_signals_whoever_watches_it(db: Settings) -> None:
    token, text = await create_token(Role.ADMIN)
    other, _ = await create_token(Role.ADMIN)

    async with token_signal(token.id) as watched, token_signal(other.id) as unrelated:
        await revoke_token(token.id)

        assert watched.is_set()
        assert not unrelated.is_set()
    with pytest.raises(Exception, match="revoked"):
        await authenticate(text)
