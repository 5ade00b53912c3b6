"""Who is asking: the role of the bearer token and, for developers, which developer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import AccessStatus, ActorKind, Role


@dataclass(frozen=True, slots=True)
class Viewer:
    role: Role
    developer_id: int | None = None
    token_id: int | None = None
    expires_at: datetime | None = None  # the token's expiry: a WebSocket is closed then
    # A developer's portal access when the token was authenticated; None (for a developer)
    # counts as not approved, so a viewer made without it may read but change nothing.
    developer_status: AccessStatus | None = None

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.VIEWER)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def suspended(self) -> bool:
        """A developer whose portal access is not approved: reads their own data, changes
        nothing (lifecycle.require_active says so)."""
        return self.role is Role.DEVELOPER and self.developer_status is not AccessStatus.APPROVED

    def owns(self, developer_id: int) -> bool:
        return self.role is Role.DEVELOPER and self.developer_id == developer_id

    def can_see(self, developer_id: int) -> bool:
        """Whether data that belongs to this developer is visible at all."""
        return self.reads_everything or self.owns(developer_id)

    @property
    def actor_kind(self) -> ActorKind:
        if self.role is Role.DEVELOPER:
            return ActorKind.DEVELOPER
        if self.role is Role.ADMIN:
            return ActorKind.ADMIN
        return ActorKind.SYSTEM

    @property
    def actor_id(self) -> str | None:
        if self.role is Role.DEVELOPER and self.developer_id is not None:
            return str(self.developer_id)
        return None if self.token_id is None else f"token:{self.token_id}"


SYSTEM = Viewer(role=Role.ADMIN)
"""The viewer of the command line and the demo loader: acts as an admin, recorded as such."""

ANONYMOUS = Viewer(role=Role.VIEWER)
"""A request without a token where the settings allow anonymous reads: reads, never writes."""
