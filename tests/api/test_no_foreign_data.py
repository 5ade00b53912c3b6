"""No field hands a developer another developer's data through nesting: node(id:), history,
traffic (also a service version's, which is public), search, counts, a developer's
applications, filters naming another developer, bulk results. (Subscription events:
tests/api/test_subscriptions_inprocess.py and the matrix's connectionEvents rows.)

Two developers use one service version; each has an application with a connection, events, a
credential and traffic. Everything of the foreign developer is named "Foreign ...".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from app.domain import credentials
from app.domain.clock import utcnow
from app.domain.viewer import SYSTEM
from app.models import Application, ConnectionEvent, Developer, ServiceConnection, ServiceVersion
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid, kong_entry, traffic

OWN_REQUESTS = 2
FOREIGN_REQUESTS = 5


@dataclass
class Portal:
    own: Developer
    foreign: Developer
    own_app: Application
    foreign_app: Application
    own_connection: ServiceConnection
    foreign_connection: ServiceConnection
    version: ServiceVersion
    developer: GraphQLClient
    admin: GraphQLClient

    def foreign_ids(self) -> list[str]:
        return [gid(self.foreign), gid(self.foreign_app), gid(self.foreign_connection)]


@pytest.fixture
async def portal(admin: GraphQLClient, factory: Factory) -> Portal:
    version = await factory.version(gateway_service_name="shared-gateway")
    rows: dict[str, Any] = {}
    for label, requests in (("Own", OWN_REQUESTS), ("Foreign", FOREIGN_REQUESTS)):
        developer = await factory.developer(name=f"{label} developer")
        application = await factory.application(developer, name=f"{label} app")
        connection = await factory.connection(application, version)
        await factory.connection(application)  # a second connection, to another version
        await credentials.create_credential(SYSTEM, application.id, f"{label} key")
        now_ms = int(utcnow().timestamp() * 1000)
        await traffic(
            [
                kong_entry(now_ms - 3_600_000, consumer=application.reference_id,
                           service="shared-gateway")
                for _ in range(requests)
            ]
        )  # fmt: skip
        rows[label] = (developer, application, connection)
    token = await factory.token("developer", rows["Own"][0])
    return Portal(
        own=rows["Own"][0],
        foreign=rows["Foreign"][0],
        own_app=rows["Own"][1],
        foreign_app=rows["Foreign"][1],
        own_connection=rows["Own"][2],
        foreign_connection=rows["Foreign"][2],
        version=version,
        developer=admin.as_token(token),
        admin=admin,
    )


def assert_nothing_foreign(body: dict[str, Any], portal: Portal) -> None:
    assert "errors" not in body, body
    text = json.dumps(body["data"])
    assert "Foreign" not in text
    for foreign_id in portal.foreign_ids():
        assert foreign_id not in text


async def test_node_answers_not_found_for_every_kind_of_foreign_object(portal: Portal) -> None:
    foreign_event = await ConnectionEvent.filter(developer_id=portal.foreign.id).first()
    foreign_credential = await portal.foreign_app.credentials.all().first()  # type: ignore[attr-defined]
    ids = [*portal.foreign_ids(), gid(foreign_event), gid(foreign_credential)]

    codes = [
        (await portal.developer("query($id: ID!) { node(id: $id) { id } }", id=id_))["errors"][0][
            "extensions"
        ]["code"]
        for id_ in ids
    ]

    assert codes == ["NOT_FOUND"] * len(ids)


async def test_the_whole_reachable_graph_of_a_developer_holds_nothing_foreign(
    portal: Portal,
) -> None:
    body = await portal.developer(
        """{
          viewer { developer { applications { nodes { id } } } }
          developers(first: 100) { nodes { id name applications { nodes { id name } } } }
          applications(first: 100, searchDevelopers: true) { totalCount nodes {
            id name developer { id name email }
            connections { id application { id name } history { id applicationName connectionId }
                          traffic { requests } serviceVersion { id traffic { requests } } }
            connectionCounts { total } credentials { id name }
            events(first: 500) { id applicationName applicationId connectionId }
            traffic { requests series { requests } } } }
          serviceConnections(first: 100) { totalCount nodes { id application { id name } } }
          services(first: 100) { nodes { id versions { id traffic { requests } } } }
        }"""
    )

    assert_nothing_foreign(body, portal)


async def test_history_and_events_hold_only_the_developers_own_events(portal: Portal) -> None:
    own_events = await ConnectionEvent.filter(developer_id=portal.own.id).count()

    body = await portal.developer(
        "query($id: ID!) { application(id: $id) { events(first: 500) { id } "
        "connections { history { id } } } }",
        id=gid(portal.own_app),
    )

    application = body["data"]["application"]
    assert len(application["events"]) == own_events
    history = [event["id"] for c in application["connections"] for event in c["history"]]
    assert sorted(history) == sorted(event["id"] for event in application["events"])


async def test_connection_traffic_counts_only_the_own_applications_requests(
    portal: Portal,
) -> None:
    body = await portal.developer(
        "query($id: ID!) { serviceConnection(id: $id) { traffic { requests } } }",
        id=gid(portal.own_connection),
    )

    assert body["data"]["serviceConnection"]["traffic"]["requests"] == OWN_REQUESTS


async def test_a_developer_sees_a_service_versions_traffic_from_their_own_applications_only(
    portal: Portal,
) -> None:
    query = (
        "query($id: ID!) { serviceVersion(id: $id) { traffic(window: LAST_7_DAYS) "
        "{ requests series(granularity: HOUR) { requests } } } }"
    )

    mine = (await portal.developer(query, id=gid(portal.version)))["data"]["serviceVersion"]
    everyone = (await portal.admin(query, id=gid(portal.version)))["data"]["serviceVersion"]

    assert mine["traffic"]["requests"] == OWN_REQUESTS
    assert sum(point["requests"] for point in mine["traffic"]["series"]) == OWN_REQUESTS
    assert everyone["traffic"]["requests"] == OWN_REQUESTS + FOREIGN_REQUESTS


async def test_searching_by_a_foreign_developers_name_finds_nothing(portal: Portal) -> None:
    query = (
        '{ applications(search: "Foreign", searchDevelopers: true) { totalCount } '
        'developers(search: "Foreign") { totalCount } }'
    )

    mine = (await portal.developer(query))["data"]
    everyone = (await portal.admin(query))["data"]

    assert (mine["applications"]["totalCount"], mine["developers"]["totalCount"]) == (0, 0)
    assert (everyone["applications"]["totalCount"], everyone["developers"]["totalCount"]) == (1, 1)


async def test_connection_counts_count_only_the_applications_own_connections(
    portal: Portal,
) -> None:
    body = await portal.developer(
        "query($id: ID!) { application(id: $id) { connectionCounts { total pending } } }",
        id=gid(portal.own_app),
    )

    assert body["data"]["application"]["connectionCounts"] == {"total": 2, "pending": 2}


async def test_a_developers_applications_are_their_own_and_another_developer_is_not_found(
    portal: Portal,
) -> None:
    query = "query($id: ID!) { developer(id: $id) { applications { nodes { id } } } }"

    own = await portal.developer(query, id=gid(portal.own))
    foreign = await portal.developer(query, id=gid(portal.foreign))

    assert own["data"]["developer"]["applications"]["nodes"] == [{"id": gid(portal.own_app)}]
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_filters_naming_a_foreign_developer_or_application_find_nothing(
    portal: Portal,
) -> None:
    body = await portal.developer(
        "query($dev: ID!, $app: ID!) { "
        "byDeveloper: serviceConnections(filter: {developerId: $dev}) { totalCount } "
        "byApplication: serviceConnections(filter: {applicationId: $app}) { totalCount } "
        "applications(filter: {developerIds: [$dev]}) { totalCount } }",
        dev=gid(portal.foreign),
        app=gid(portal.foreign_app),
    )

    assert body["data"] == {
        "byDeveloper": {"totalCount": 0},
        "byApplication": {"totalCount": 0},
        "applications": {"totalCount": 0},
    }


async def test_bulk_results_for_foreign_connections_show_nothing_of_them(
    portal: Portal,
) -> None:
    body = await portal.developer(
        "mutation($ids: [ID!]!) { deleteConnections(input: {ids: $ids}) "
        "{ changedCount results { id serviceConnection { id } errors { code } } } }",
        ids=[gid(portal.foreign_connection)],
    )

    payload = body["data"]["deleteConnections"]
    assert payload["changedCount"] == 0
    assert payload["results"][0]["serviceConnection"] is None
    assert payload["results"][0]["errors"] == [{"code": "NOT_FOUND"}]
    assert await ServiceConnection.filter(id=portal.foreign_connection.id).exists()
