"""Payload types shared by mutations: the changed object, `changed`, and typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from app.api.context import Context
from app.api.errors import UserError
from app.domain.errors import DomainError

T = TypeVar("T")


@strawberry.type(description="Result of a delete.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        description="Global id of what was deleted; null when nothing was."
    )
    changed: bool = strawberry.field(description="Whether anything was deleted.")
    errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.")


async def attempt(ctx: Context, call: Callable[[], Awaitable[T]]) -> T | UserError:
    """Run a domain call as the signed-in viewer; expected failures become a UserError.

    Whatever was loaded before is forgotten afterwards, so reads later in the same operation
    see the change (C-19).
    """
    try:
        return await call()
    except DomainError as error:
        return UserError.from_domain(error)
    finally:
        ctx.forget_loaded()
