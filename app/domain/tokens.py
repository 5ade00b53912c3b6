"""Bearer tokens: made by the command line, stored as digests, checked on every request."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from app.domain.clock import utcnow
from app.domain.errors import NotFound, Unauthenticated, ValidationFailed
from app.domain.events import bus
from app.domain.secrets_hash import digest, new_secret
from app.domain.validation import shown, storable
from app.domain.viewer import Viewer
from app.global_ids import decode_any_int
from app.models import ApiToken, Developer, Role

TOKEN_PREFIX = "dpt_"
MAX_TOKEN_NAME_LENGTH = 200  # api_token.name's column


async def create_token(
    role: Role,
    *,
    name: str = "",
    developer: str | int | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its text, shown once. `developer` is an id or an email.

    The name is checked here, not by the column, which would fail as a traceback. (An expiry
    in the past is the command line's to refuse: tests make expired tokens on purpose.)
    """
    name = storable(name, "name").strip()
    if len(name) > MAX_TOKEN_NAME_LENGTH:
        raise ValidationFailed(
            f"The name is {len(name)} characters long; at most {MAX_TOKEN_NAME_LENGTH} are "
            "allowed.",
            field="name",
        )
    developer_id: int | None = None
    if role is Role.DEVELOPER:
        if developer is None:
            raise ValidationFailed("A developer token needs --developer.", field="developer")
        developer_id = await _resolve_developer(developer)
    elif developer is not None:
        raise ValidationFailed("Only a developer token names a developer.", field="developer")
    text = new_secret(TOKEN_PREFIX)
    token = await ApiToken.create(
        name=name,
        role=role,
        developer_id=developer_id,
        token_hash=digest(text),
        prefix=text[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
    )
    return token, text


async def _resolve_developer(ref: str | int) -> int:
    if isinstance(ref, int):
        found = await Developer.get_or_none(id=ref)
    elif "@" in ref:
        matches = await Developer.filter(email_folded=ref.strip().casefold())
        if len(matches) > 1:
            raise ValidationFailed(
                f"{len(matches)} developers share {shown(ref)}; give the developer's id instead.",
                field="developer",
            )
        found = matches[0] if matches else None
    else:
        number = decode_any_int(ref, "Developer")
        found = None if number is None else await Developer.get_or_none(id=number)
    if found is None:
        raise NotFound(f"No developer {shown(str(ref))}.", field="developer")
    return found.id


def _expired(token: ApiToken) -> bool:
    return token.expires_at is not None and token.expires_at <= utcnow()


async def authenticate(text: str) -> Viewer:
    """The viewer a bearer token stands for, or Unauthenticated.

    A developer's token carries their portal access as of now (one joined statement), which
    decides whether they may change anything (lifecycle.require_active).
    """
    token = (
        await ApiToken.filter(token_hash=digest(text.strip())).select_related("developer").first()
    )
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("The bearer token is unknown or revoked.")
    if _expired(token):
        raise Unauthenticated("The bearer token has expired.")
    developer = token.developer if token.developer_id is not None else None
    return Viewer(
        role=token.role,
        developer_id=token.developer_id,
        token_id=token.id,
        expires_at=token.expires_at,
        developer_status=developer.status if developer is not None else None,
    )


async def refreshed(viewer: Viewer) -> Viewer:
    """The viewer with its developer's portal access as of now: a WebSocket authenticates
    once, and a developer suspended since must not write over it."""
    if viewer.developer_id is None:
        return viewer
    developer = await Developer.get_or_none(id=viewer.developer_id)
    status = developer.status if developer is not None else None
    return dataclasses.replace(viewer, developer_status=status)


async def token_still_valid(token_id: int) -> bool:
    """Whether a token accepted earlier still is: not revoked, not expired, not deleted (with
    its developer). Long-lived connections ask this again and again."""
    token = await ApiToken.get_or_none(id=token_id)
    return token is not None and token.revoked_at is None and not _expired(token)


async def revoke_token(token_id: int) -> bool:
    """Revoke a token; every process hears of it ("token" on the bus), so that WebSockets
    opened with it are closed at once rather than at their next periodic check."""
    revoked = await ApiToken.filter(id=token_id, revoked_at=None).update(revoked_at=utcnow()) == 1
    if revoked:
        await bus.announce("token", (token_id,))
    return revoked


async def list_tokens() -> list[ApiToken]:
    return await ApiToken.all().order_by("id")
