"""Per-token request rate limit: a token bucket per bearer token (or client address without
one), answering 429 with Retry-After when it runs dry.

Every request also draws from a bucket of its client address, `address_multiple` times as
large and as fast: otherwise each made-up token would get a fresh bucket of its own, and one
client could look up tokens (or spread load over many) without any limit. Behind a reverse
proxy every client has the proxy's address (uvicorn runs without proxy headers): raise the
multiple there, or set it to 0 to switch the address bucket off.

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


def _bearer(header: str | None) -> str | None:
    """The token as authentication reads it: "Bearer  x", "bearer x" and "BEARER x " are one
    token and share one bucket (keyed on the raw header, extra blanks would buy fresh ones)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class RateLimit:
    def __init__(
        self, app: ASGIApp, *, per_minute: int, burst: int, address_multiple: int = 10
    ) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.address_multiple = max(address_multiple, 0)
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _keys(self, scope: Scope) -> list[tuple[str, float, float]]:
        """(bucket, rate, burst) of each bucket the request draws from: its token's (or, with
        no token, its address's at the token rate), and its address's at the multiple."""
        client = scope.get("client")
        address = client[0] if client else "-"
        token = _bearer(Headers(scope=scope).get("authorization"))
        own = (
            "t:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
            if token
            else f"a:{address}"
        )
        keys = [(own, self.rate, self.burst)]
        if self.address_multiple:
            multiple = self.address_multiple
            keys.append((f"A:{address}", self.rate * multiple, self.burst * multiple))
        return keys

    def _level(self, key: str, rate: float, burst: float, now: float) -> float:
        tokens, stamp = self.buckets.pop(key, (burst, now))
        return min(burst, tokens + (now - stamp) * rate)

    def _take(self, keys: list[tuple[str, float, float]], now: float) -> float:
        """0 when a request may pass now (it then takes one from every bucket), else the
        seconds until one may (and it takes from none: a refused request costs nothing)."""
        levels = [self._level(key, rate, burst, now) for key, rate, burst in keys]
        wait = max((1 - level) / rate for level, (_, rate, _) in zip(levels, keys, strict=True))
        passes = wait <= 0
        for level, (key, _, _) in zip(levels, keys, strict=True):
            self.buckets[key] = (level - 1 if passes else level, now)
        while len(self.buckets) > _MAX_BUCKETS:  # forget the longest idle
            self.buckets.popitem(last=False)
        return max(wait, 0.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.rate <= 0 or scope["type"] != "http" or scope.get("path") in _EXEMPT:
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "GET" and scope.get("path") == "/graphql":
            await self.app(scope, receive, send)  # the GraphiQL page
            return
        wait = self._take(self._keys(scope), time.monotonic())
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = max(1, math.ceil(wait))
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": (
                            f"Too many requests for this token or client address; retry in "
                            f"{retry} s."
                        ),
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ]
            },
            status_code=429,
            headers={"Retry-After": str(retry)},
        )
        await response(scope, receive, send)
