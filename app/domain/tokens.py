"""Bearer tokens: made by the command line, stored as digests, checked on every request."""

from __future__ import annotations

from datetime import datetime

from app.domain.clock import utcnow
from app.domain.errors import NotFound, Unauthenticated, ValidationFailed
from app.domain.secrets_hash import digest, new_secret
from app.domain.viewer import Viewer
from app.global_ids import decode_any_int
from app.models import ApiToken, Developer, Role

TOKEN_PREFIX = "dpt_"


async def create_token(
    role: Role,
    *,
    name: str = "",
    developer: str | int | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its text, shown once. `developer` is an id or an email."""
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
                f"{len(matches)} developers share {ref}; give the developer's id instead.",
                field="developer",
            )
        found = matches[0] if matches else None
    else:
        number = decode_any_int(ref, "Developer")
        found = None if number is None else await Developer.get_or_none(id=number)
    if found is None:
        raise NotFound(f"No developer {ref!r}.", field="developer")
    return found.id


async def authenticate(text: str) -> Viewer:
    """The viewer a bearer token stands for, or Unauthenticated."""
    token = await ApiToken.get_or_none(token_hash=digest(text.strip()))
    if token is None or token.revoked_at is not None:
        raise Unauthenticated("The bearer token is unknown or revoked.")
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise Unauthenticated("The bearer token has expired.")
    return Viewer(role=token.role, developer_id=token.developer_id, token_id=token.id)


async def revoke_token(token_id: int) -> bool:
    return await ApiToken.filter(id=token_id, revoked_at=None).update(revoked_at=utcnow()) == 1


async def list_tokens() -> list[ApiToken]:
    return await ApiToken.all().order_by("id")
