"""How domain errors reach clients: as typed payload errors, or as GraphQL errors with a code."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from app.api.types import enums as _enums  # noqa: F401  (registers ErrorCode)
from app.domain.errors import DomainError, ErrorCode


@strawberry.type(description="An expected failure of a mutation, returned as data.")
class UserError:
    code: ErrorCode = strawberry.field(description="Stable, machine-readable code.")
    message: str = strawberry.field(description="What went wrong, for a person.")
    field: str | None = strawberry.field(
        description="The input field at fault, when one is.", default=None
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


def graphql_error(error: DomainError) -> GraphQLError:
    """A GraphQL error carrying the domain error's code, for queries (which have no payload)."""
    extensions: dict[str, Any] = {"code": error.code.value}
    if error.field is not None:
        extensions["field"] = error.field
    return GraphQLError(error.message, extensions=extensions, original_error=None)
