"""ASGI middleware that refuses request bodies over a size cap with 413, before they are read."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def document_too_large(size: int, limit: int) -> str:
    """The refusal of a GraphQL document over DEVPORTAL_MAX_DOCUMENT_BYTES. The parser and
    validation caches keep whole documents: without a bound, distinct large documents (a
    comment pads one past the token limit) grew a worker by gigabytes."""
    return (
        f"The GraphQL document is {size:,} characters; at most {limit:,} are accepted "
        "(DEVPORTAL_MAX_DOCUMENT_BYTES)."
    )


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    def _limit(self, path: str) -> int:
        return self.overrides.get(path, self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit or declared < 0:
                    await _too_large(limit, scope, receive, send)
                    return
        received = 0
        started = False

        async def guarded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(limit, scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {
            "errors": [
                {
                    "message": f"The request body is over {limit} bytes.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        },
        status_code=413,
    )
    await response(scope, receive, send)
