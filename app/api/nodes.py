"""`node(id:)` and the typed `…(id:)` fields: one object by global id, as the viewer sees it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app import global_ids
from app.api.context import Context
from app.api.ids import not_a_valid_id, wrong_type
from app.api.types.application import Application
from app.api.types.connection import ConnectionEvent, ServiceConnection
from app.api.types.credential import Credential
from app.api.types.developer import Developer
from app.api.types.node import Node
from app.api.types.service import Service, ServiceVersion
from app.domain.errors import NotFound
from app.domain.validation import shown
from app.models import ConnectionEvent as ConnectionEventModel
from app.models import Credential as CredentialModel


def _missing(type_name: str, global_id: str) -> NotFound:
    return NotFound(f"No {type_name} with id {shown(global_id)}.", field="id")


async def _application(ctx: Context, number: int) -> Node | None:
    row = await ctx.loaders.application.load(number)
    if row is None or not ctx.require_viewer().can_see(row.developer_id):
        return None
    return Application.from_model(row)


async def _developer(ctx: Context, number: int) -> Node | None:
    row = await ctx.loaders.developer.load(number)
    if row is None or not ctx.require_viewer().can_see(row.id):
        return None
    return Developer.from_model(row)


async def _connection(ctx: Context, number: int) -> Node | None:
    row = await ctx.loaders.connection.load(number)
    if row is None:
        return None
    application = await ctx.loaders.application.load(row.application_id)
    if application is None or not ctx.require_viewer().can_see(application.developer_id):
        return None
    return ServiceConnection.from_model(row)


async def _service(ctx: Context, number: int) -> Node | None:
    row = await ctx.loaders.service.load(number)
    return None if row is None else Service.from_model(row)


async def _version(ctx: Context, number: int) -> Node | None:
    row = await ctx.loaders.service_version.load(number)
    return None if row is None else ServiceVersion.from_model(row)


async def _event(ctx: Context, number: int) -> Node | None:
    row = await ConnectionEventModel.get_or_none(id=number)
    if row is None or not ctx.require_viewer().can_see(row.developer_id):
        return None
    return ConnectionEvent.from_model(row)


async def _credential(ctx: Context, number: int) -> Node | None:
    row = await CredentialModel.get_or_none(id=number).select_related("application")
    if row is None or not ctx.require_viewer().can_see(row.application.developer_id):
        return None
    return Credential.from_model(row)


_RESOLVERS: dict[str, Callable[[Context, int], Awaitable[Node | None]]] = {
    "Application": _application,
    "Developer": _developer,
    "ServiceConnection": _connection,
    "Service": _service,
    "ServiceVersion": _version,
    "ConnectionEvent": _event,
    "Credential": _credential,
}


async def resolve_node(ctx: Context, global_id: str, expected: str | None = None) -> Node:
    """The object, or NOT_FOUND (also for what the viewer may not see: ids leak nothing)."""
    ctx.require_viewer()
    decoded = global_ids.decode(global_id)
    if decoded is None:
        raise not_a_valid_id(global_id, "id")
    type_name, number = decoded
    if expected is not None and type_name != expected:
        raise wrong_type(global_id, type_name, expected, "id")
    resolver = _RESOLVERS.get(type_name)
    node = await resolver(ctx, number) if resolver is not None else None
    if node is None:
        raise _missing(expected or "object", global_id)
    return node
