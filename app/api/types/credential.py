"""Application credentials as the API shows them: never with the secret after creation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app import global_ids
from app.api.types.enums import CredentialStatusType
from app.api.types.node import Node
from app.models import Credential as CredentialModel


@strawberry.type(description="A client id of an application; gateway logs are matched by it.")
class Credential(Node):
    name: str = strawberry.field(description="A label chosen by the developer.")
    client_id: str = strawberry.field(description="The public client id.")
    status: CredentialStatusType = strawberry.field(description="Whether it may be used.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    last_used_at: datetime | None = strawberry.field(
        description="When the gateway last saw it, from ingested traffic."
    )

    @classmethod
    def from_model(cls, row: CredentialModel) -> Credential:
        return cls(
            id=strawberry.ID(global_ids.encode("Credential", row.id)),
            name=row.name,
            client_id=row.client_id,
            status=row.status,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )
