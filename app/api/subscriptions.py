"""Live updates: committed connection events, as the viewer may see them."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from app.api.context import Context
from app.api.ids import decode_id
from app.api.types.connection import ConnectionEvent
from app.domain.events import bus
from app.domain.scope import existing_version, visible_application
from app.models import ConnectionEvent as ConnectionEventModel


@strawberry.type(description="Live updates over graphql-transport-ws.")
class Subscription:
    @strawberry.subscription(
        description="Each committed connection event (request, approve, reject, revoke, "
        "delete), optionally only for one application or service version."
    )
    async def connection_events(
        self,
        info: Info[Context, None],
        application_id: strawberry.ID | None = None,
        service_version_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ConnectionEvent, None]:
        ctx = info.context
        viewer = ctx.require_viewer()
        application = (
            decode_id(application_id, "Application", "applicationId") if application_id else None
        )
        version = (
            decode_id(service_version_id, "ServiceVersion", "serviceVersionId")
            if service_version_id
            else None
        )
        # A filter naming nothing the viewer can see would wait forever in silence: say so.
        if application is not None:
            await visible_application(viewer, application)
        if version is not None:
            await existing_version(version)
        async with bus.subscribe() as queue:
            while True:
                announcement = await queue.get()
                if announcement.kind != "connection" or not announcement.ids:
                    continue
                query = ConnectionEventModel.filter(id__in=announcement.ids)
                if application is not None:
                    query = query.filter(application_id=application)
                if version is not None:
                    query = query.filter(service_version_id=version)
                for row in await query.order_by("id"):
                    if not viewer.can_see(row.developer_id):
                        continue
                    # Resolvers below this event must read the database as it is now.
                    ctx.forget_loaded()
                    yield ConnectionEvent.from_model(row)
