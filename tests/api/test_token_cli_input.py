"""`devportal token create` with bad input: a clear message and exit status 2, never a
traceback, and never a token that is expired the moment it is made."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from app.cli import build_parser
from app.domain.clock import utcnow
from app.domain.errors import ValidationFailed
from app.domain.tokens import create_token
from app.models import ApiToken, Role
from app.settings import Settings
from tests.live_server import REPO


def parse_create(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """(exit status, stderr) of parsing `token create --role admin <args>`."""
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["token", "create", "--role", "admin", *args])
    return int(exited.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("expires", "says"),
    [
        ("abc", "is not 30d, 12h, 90m"),
        ("1y", "is not 30d, 12h, 90m"),
        ("99999999d", "too far ahead"),
        ("9999-12-31T23:59:59.999999-00:01", "too far ahead"),
        ("2027-01-01T00:00:00", "no UTC offset"),
        ("0d", "not in the future"),
        ("2001-01-01T00:00:00+00:00", "not in the future"),
    ],
    ids=["text", "years", "overflow", "offset-overflow", "no-offset", "zero", "past"],
)
def test_a_bad_expiry_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], expires: str, says: str
) -> None:
    status, stderr = parse_create(capsys, "--expires", expires)

    assert status == 2
    assert "argument --expires" in stderr and says in stderr
    assert "Traceback" not in stderr


def test_a_relative_expiry_lies_ahead() -> None:
    args = build_parser().parse_args(["token", "create", "--role", "admin", "--expires", "12h"])

    assert timedelta(hours=11, minutes=59) < args.expires - utcnow() <= timedelta(hours=12)


async def test_a_token_name_over_200_characters_is_refused(db: Settings) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await create_token(Role.ADMIN, name="n" * 201)

    assert raised.value.field == "name"
    assert await ApiToken.all().count() == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_cli_refuses_a_name_over_200_characters_with_exit_2(db: Settings) -> None:
    name = "n" * 201

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "token", "create", "--role", "admin", "--name", name],
            cwd=REPO,
            env={**os.environ, "DEVPORTAL_DATABASE_URL": db.database_url},
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = await asyncio.to_thread(run)

    assert result.returncode == 2
    assert "error: The name is 201 characters long" in result.stderr
    assert "Traceback" not in result.stderr
    assert await ApiToken.all().count() == 0
