"""A first end-to-end read through the in-process app."""

from __future__ import annotations

from app.models import AccessStatus
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid


async def test_application_details_show_developer_and_connections(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer(name="Ada")
    application = await factory.application(developer, name="Weather app")
    await factory.connection(application, status=AccessStatus.APPROVED)

    body = await admin(
        """query($id: ID!) { application(id: $id) { name developer { name }
           connections { status serviceVersion { version service { name } } } } }""",
        id=gid(application),
    )

    assert "errors" not in body, body
    details = body["data"]["application"]
    assert details["developer"]["name"] == "Ada"
    assert [c["status"] for c in details["connections"]] == ["APPROVED"]
