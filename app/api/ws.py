"""graphql-transport-ws with two additions: the connection's bearer token is watched, and every
error sent has a stable `code`, as over HTTP.

A token is checked once, at `connection_init`; a WebSocket may stay open for days. So each
connection watches its token: when it is revoked (announced on the bus as "token", heard at
once by every worker) or expires (a timer), and in any case every `ws_token_check_seconds`
(which also catches a revocation made by a process whose announcements this one cannot hear,
such as the command line on SQLite), the token is looked up again. Once it is no longer valid,
every operation of the connection is stopped and the socket is closed with 4403 Forbidden.

Why close rather than end each subscription with an UNAUTHENTICATED error: the token belongs
to the connection, not to an operation; a closed socket stops queries and mutations sent over
it as well, and idle connections too. graphql-ws clients treat 4403 as retryable (unlike 4401
or 4400), so a client whose `connectionParams` fetches a fresh token reconnects with it, and
one whose token is gone is refused at `connection_init` with the same 4403 as any bad token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from app.api.context import Context
from app.domain.clock import utcnow
from app.domain.events import Announcement, bus
from app.domain.tokens import refreshed, token_still_valid
from app.domain.viewer import Viewer
from app.limits import document_too_large

log = logging.getLogger(__name__)

TOKEN_INVALID_CLOSE_CODE = 4403
TOKEN_INVALID_REASON = "Forbidden: the bearer token was revoked or has expired"
SUBSCRIPTION_LIMIT_MESSAGE = "Subscription limit reached"  # Strawberry's words

_watchers: defaultdict[int, set[asyncio.Event]] = defaultdict(set)
_listening = False


def _on_announcement(announcement: Announcement) -> None:
    if announcement.kind != "token":
        return
    for token_id in announcement.ids:
        for event in _watchers.get(token_id, ()):
            event.set()


@contextlib.asynccontextmanager
async def token_signal(token_id: int) -> AsyncIterator[asyncio.Event]:
    """An event set whenever `token_id` is announced as changed."""
    global _listening
    if not _listening:
        bus.add_listener(_on_announcement)
        _listening = True
    event = asyncio.Event()
    _watchers[token_id].add(event)
    try:
        yield event
    finally:
        _watchers[token_id].discard(event)
        if not _watchers[token_id]:
            del _watchers[token_id]


def _seconds_until(moment: datetime | None, every: float) -> float:
    """How long to wait before the next check: the period, or less when expiry comes first."""
    if moment is None:
        return every
    left = (moment - utcnow()).total_seconds()
    return min(every, max(left, 0.0) + 0.01)


def error_code(error: dict[str, Any]) -> str:
    if error.get("message") == SUBSCRIPTION_LIMIT_MESSAGE:
        return "TOO_MANY_SUBSCRIPTIONS"
    # The same codes as over HTTP; imported here, as the view imports this module.
    from app.api.view import _default_code

    return _default_code(error)


def with_codes(message: Message) -> Message:
    """The message with a `code` in every error's extensions (Strawberry's own errors, such as
    validation failures or the subscription limit, have none)."""
    payload: Any = message.get("payload")
    if message["type"] == "error" and isinstance(payload, list):
        errors = payload
    elif message["type"] == "next" and isinstance(payload, dict):
        errors = payload.get("errors") or []
    else:
        return message
    for error in errors:
        if isinstance(error, dict):
            extensions = error.setdefault("extensions", {})
            extensions.setdefault("code", error_code(error))
    return message


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    token_watch: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        viewer = self.context.viewer
        if (
            self.connection_acknowledged
            and self.token_watch is None
            and viewer is not None
            and viewer.token_id is not None
        ):
            self.token_watch = asyncio.create_task(self.watch_token(viewer))

    async def watch_token(self, viewer: Viewer) -> None:
        assert viewer.token_id is not None
        every = float(max(self.context.settings.ws_token_check_seconds, 1))
        async with token_signal(viewer.token_id) as signal:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(signal.wait(), _seconds_until(viewer.expires_at, every))
                signal.clear()
                try:
                    if not await token_still_valid(viewer.token_id):
                        break
                except Exception:  # the database is away: nothing can be sent without it
                    log.warning("could not check a WebSocket's token; trying again", exc_info=True)
        await self.close_for_token()

    async def close_for_token(self) -> None:
        """Stop every operation first, so that none sends on the socket being closed."""
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may have gone meanwhile
            await self.websocket.close(code=TOKEN_INVALID_CLOSE_CODE, reason=TOKEN_INVALID_REASON)

    async def shutdown(self) -> None:
        watch = self.token_watch
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watch
        await super().shutdown()

    async def send_message(self, message: Message) -> None:
        await super().send_message(with_codes(message))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Each operation on the socket starts with the developer's access as of now (a
        suspended developer reads but does not write), and documents over the size limit
        are refused before they are parsed, as over HTTP."""
        query = (message.get("payload") or {}).get("query")
        limit = self.context.settings.max_document_bytes
        if isinstance(query, str) and len(query) > limit:
            error = GraphQLError(document_too_large(len(query), limit))
            error.extensions = {"code": "BAD_REQUEST"}
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        viewer = self.context.viewer
        if self.connection_acknowledged and viewer is not None:
            self.context.viewer = await refreshed(viewer)
        await super().handle_subscribe(message)
