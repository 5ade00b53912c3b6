"""The GraphQL endpoint: Strawberry's ASGI view with our context, authentication and error codes."""

from __future__ import annotations

import gc
import json
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from app.api.context import Context
from app.api.response_cache import CacheKey, ResponseCache, SqliteWriteWatch, operation_type
from app.api.ws import TransportWSHandler
from app.domain.clock import utcnow
from app.domain.errors import Unauthenticated
from app.domain.events import bus
from app.domain.tokens import authenticate
from app.domain.viewer import ANONYMOUS, Viewer
from app.limits import document_too_large
from app.settings import Settings

LARGE_BODY_BYTES = 64 * 1024


def _stdlib_json(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _default_code(error: dict[str, Any]) -> str:
    message = str(error.get("message", ""))
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if "path" not in error:
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL_SERVER_ERROR"


_HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}

SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions need a WebSocket: connect to /graphql with the graphql-transport-ws "
    "protocol (see README)."
)


def http_error(status_code: int, message: str) -> JSONResponse:
    """A refused HTTP request in the shape of a GraphQL response, so that clients parse one
    format: Strawberry would answer these in plain text."""
    code = _HTTP_CODES.get(status_code, "BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status_code
    )


class TextFrameWebSocket(ASGIWebSocketAdapter):
    """Sends each graphql-transport-ws message as a text frame. `encode_json` gives bytes
    (orjson), which Strawberry would send as binary frames, and browser clients (graphql-ws,
    so GraphiQL too) parse only text: "Message is missing the 'type' property"."""

    async def send_json(self, message: Any) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLView(GraphQL[Context, None]):
    # graphql-transport-ws only (the legacy graphql-ws protocol is refused with 4406), with
    # the connection's token watched and codes on every error: see app/api/ws.py.
    graphql_transport_ws_handler_class = TransportWSHandler
    websocket_adapter_class = TextFrameWebSocket

    def __init__(self, schema: Any, settings: Settings, cache: ResponseCache | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            allowed_origins=settings.allowed_origins,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings
        self.cache = cache
        self._sqlite_writes = SqliteWriteWatch() if settings.is_sqlite else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._respond(request)
        except HTTPException as error:
            response = http_error(error.status_code, error.reason)
            if error.status_code == 405:
                response.headers["Allow"] = "GET, POST"
        await response(scope, receive, send)
        if len(getattr(request, "_body", b"")) >= LARGE_BODY_BYTES:
            # graphql-core leaves each execution in a reference cycle that holds the request
            # and its variables; with the collector tuned for serving (app/web.py) a large
            # body could wait many requests for it. Collected at once instead: rare, cheap.
            gc.collect()

    async def _respond(self, request: Request) -> Response:
        """A cached answer if there is one; otherwise Strawberry's, stored if it may be."""
        cache = self.cache
        if cache is None:
            return await self.run(request)
        if self._sqlite_writes is not None and await self._sqlite_writes.changed():
            cache.clear()  # another process wrote to the database file
        # Read before the token is looked up: the viewer (a developer's status) is part of
        # what the answer was computed from, and a write in between must keep it out.
        generation = cache.generation
        lookup = await self._cache_key(request)
        if lookup is None:
            return await self.run(request)
        body = cache.get(lookup)
        if body is not None:
            return Response(body, media_type="application/json")
        response = await self.run(request)
        stored = getattr(request.state, "cacheable", False) and response.status_code == 200
        if stored and bus.hears_everything:
            cache.put(lookup, bytes(response.body), generation)
        return response

    async def _cache_key(self, request: Request) -> CacheKey | None:
        """The key of a single JSON request that a viewer may send, or None: anything else
        (batches, bad bodies, missing tokens) goes through Strawberry untouched."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method != "POST" or media_type != "application/json":
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        query, name, variables = data.get("query"), data.get("operationName"), data.get("variables")
        if not isinstance(query, str) or not isinstance(name, str | None):
            return None
        if not isinstance(variables, dict | None) or data.get("extensions") is not None:
            return None
        viewer = await self._authenticate(request)
        if viewer is None:
            return None
        hour = int(utcnow().timestamp() // 3600)
        return ResponseCache.key(viewer, hour, query, name, variables)

    async def _authenticate(self, request: Request) -> Viewer | None:
        """The request's viewer, remembered on the request so that `get_context` does not
        look the token up a second time."""
        if "viewer" not in request.state._state:
            viewer, error = None, None
            token = bearer_token(request.headers.get("authorization"))
            if token is not None:
                try:
                    viewer = await authenticate(token)
                except Unauthenticated as refused:
                    error = refused.message
            elif self.settings.anonymous_read and "authorization" not in request.headers:
                viewer = ANONYMOUS  # a malformed Authorization header is refused, not ignored
            request.state.viewer, request.state.auth_error = viewer, error
        found: Viewer | None = request.state.viewer
        return found

    def encode_json(self, data: object) -> bytes:
        """orjson: a headline page is 75 KB, which the standard library takes about 1 ms to
        write and orjson a tenth of that."""
        try:
            return orjson.dumps(data)
        except TypeError:  # keys that are not strings, integers beyond 64 bits
            return _stdlib_json(data)

    def decode_json(self, data: str | bytes) -> object:
        """A JSON body that is not an object (or a batch list) is the client's mistake; Strawberry
        would call `.get` on it and answer 500. So are bytes that are not UTF-8 and nesting
        deeper than the parser's recursion allows (`[[[[…` 100,000 deep), which Strawberry
        would answer with a plain-text 500 and a traceback in the log."""
        try:
            decoded = super().decode_json(data)
        except UnicodeDecodeError:
            raise HTTPException(400, "The request body is not UTF-8 encoded JSON.") from None
        except RecursionError:
            raise HTTPException(400, "The request body's JSON is nested too deeply.") from None
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "The request body must be a JSON object with a `query`.")
        return decoded

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, except that a subscription over plain HTTP is refused with a clear 400
        (BAD_REQUEST): Strawberry would run it as a query, and its stream would end in a
        masked internal error. (No HTTP streaming protocol is enabled: see the constructor.)"""
        query = request_data.query
        if query is not None and len(query) > self.settings.max_document_bytes:
            raise HTTPException(
                400, document_too_large(len(query), self.settings.max_document_bytes)
            )
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        if request_adapter.method == "GET":  # queries over GET are off: GET shows GraphiQL
            allowed -= {OperationType.QUERY}
        try:
            result = await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(400, SUBSCRIPTION_OVER_HTTP) from None
            reason = error.as_http_error_reason(request_adapter.method)
            raise HTTPException(400, reason) from None
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise HTTPException(400, "No GraphQL query found in the request") from None
        if not result.errors and request_data.query is not None:
            kind = operation_type(request_data.query, request_data.operation_name)
            request.state.cacheable = kind is OperationType.QUERY
        return result

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = Context(
            request=request,
            response=response if isinstance(response, Response) else None,
            settings=self.settings,
        )
        if isinstance(request, Request):
            context.viewer = await self._authenticate(request)
            context.auth_error = request.state.auth_error
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """WebSocket clients send their token in `connection_params` (browsers set no headers)."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization") or params.get("token")
        token: str | None = None
        if isinstance(raw, str):
            token = bearer_token(raw) if " " in raw.strip() else raw.strip()
        if not token:
            raise ConnectionRejectionError({"message": "Send a bearer token in connection_params."})
        try:
            context.viewer = await authenticate(token)
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        return UNSET  # type: ignore[no-any-return]

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Every error gets a stable `code` in its extensions, also those graphql-core raises."""
        response = await super().process_result(request, result)
        errors: list[dict[str, Any]] = response.get("errors") or []  # type: ignore[assignment]
        for error in errors:
            extensions = error.setdefault("extensions", {})
            extensions.setdefault("code", _default_code(error))
        return response


__all__ = ["GraphQLError", "GraphQLView"]
