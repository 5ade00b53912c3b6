"""The per-request (or per-WebSocket) context: settings, the viewer and fresh loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from app.api.loaders import Loaders
from app.domain.errors import Forbidden, Unauthenticated
from app.domain.viewer import Viewer
from app.models import Role
from app.settings import Settings


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | None
    settings: Settings
    viewer: Viewer | None = None
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders()
        return self._loaders

    def forget_loaded(self) -> None:
        """Drop everything loaded so far: called after each write and each subscription event,
        so that no read in the same operation or connection sees data from before it."""
        self._loaders = None

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise Unauthenticated(
                self.auth_error
                or "Sign in: send an `Authorization: Bearer <token>` header (see README)."
            )
        if self.viewer.role is Role.INGEST:
            raise Forbidden("An ingest token may only post traffic to /ingest/kong.")
        return self.viewer
