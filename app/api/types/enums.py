"""GraphQL enums; they print as APPROVED / REVOKED while the database stores lower case.

`strawberry.enum` registers the domain's own enums in place, so resolvers return domain
values unchanged; the aliases below name them as the API does.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeAlias

import strawberry

from app.domain.errors import ErrorCode
from app.domain.lifecycle import Action
from app.models import AccessStatus, ActorKind, CredentialStatus, ReasonCode, Role

strawberry.enum(
    AccessStatus,
    name="AccessStatus",
    description="Status of a service connection, or of a developer's access to the portal.",
)
strawberry.enum(
    Action,
    name="ConnectionAction",
    description="What can be done to a connection (or to a developer's access).",
)
strawberry.enum(
    ReasonCode,
    name="ReasonCode",
    description="Why an admin rejected, revoked or deleted; shown to the developer.",
)
strawberry.enum(ActorKind, name="ActorKind", description="Who caused an event.")
strawberry.enum(CredentialStatus, name="CredentialStatus", description="Whether it may be used.")
strawberry.enum(Role, name="Role", description="What a bearer token may do.")
strawberry.enum(
    ErrorCode, name="ErrorCode", description="Stable codes of expected failures (README)."
)

AccessStatusType: TypeAlias = AccessStatus
ActionType: TypeAlias = Action
ReasonCodeType: TypeAlias = ReasonCode
ActorKindType: TypeAlias = ActorKind
CredentialStatusType: TypeAlias = CredentialStatus
RoleType: TypeAlias = Role


@strawberry.enum(description="Sort direction; every order ends with the id as tie-breaker.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"
