"""Per-token request rate limit: a token bucket per bearer token (or client address without
one), answering 429 with Retry-After when it runs dry.

The buckets live in this process: with several workers each enforces the limit on the
requests it serves, which bounds a token to `workers * rate` at worst.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_EXEMPT = {"/healthz", "/readyz", "/"}
_MAX_BUCKETS = 100_000


class RateLimit:
    def __init__(self, app: ASGIApp, *, per_minute: int, burst: int) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _key(self, scope: Scope) -> str:
        authorization = Headers(scope=scope).get("authorization")
        if authorization:
            return "t:" + hashlib.sha256(authorization.encode()).hexdigest()[:32]
        client = scope.get("client")
        return f"a:{client[0] if client else '-'}"

    def _take(self, key: str, now: float) -> float:
        """0 when a request may pass now, else the seconds until one may."""
        tokens, stamp = self.buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self.buckets[key] = (tokens, now)
        if len(self.buckets) > _MAX_BUCKETS:  # forget the longest idle
            self.buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.rate <= 0 or scope["type"] != "http" or scope.get("path") in _EXEMPT:
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "GET" and scope.get("path") == "/graphql":
            await self.app(scope, receive, send)  # the GraphiQL page
            return
        wait = self._take(self._key(scope), time.monotonic())
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Too many requests for this token; retry in {retry} s.",
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ]
            },
            status_code=429,
            headers={"Retry-After": str(retry)},
        )
        await response(scope, receive, send)
