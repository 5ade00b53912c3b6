"""One object by id (`node`, `application`, ...), the admin's connection queue, developers
with their applications, and the service catalogue."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from app import global_ids
from app.domain.credentials import create_credential
from app.domain.viewer import SYSTEM
from app.models import AccessStatus, ConnectionEvent, Developer, ServiceConnection
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Application { name }
    ... on Developer { name }
    ... on ServiceConnection { status }
    ... on Service { name }
    ... on ServiceVersion { version }
    ... on ConnectionEvent { action toStatus }
    ... on Credential { name }
  }
}
"""


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_node_resolves_every_type_by_its_global_id(
    admin: GraphQLClient, factory: Factory
) -> None:
    developer = await factory.developer(name="Ada")
    service = await factory.service("Weather")
    version = await factory.version(service, "v2")
    application = await factory.application(developer, name="Forecast")
    connection = await factory.connection(application, version, AccessStatus.APPROVED)
    event = await ConnectionEvent.filter(connection_id=connection.id).order_by("-id").first()
    assert event is not None
    credential, _ = await create_credential(SYSTEM, application.id, "ci")
    expected = {
        gid(developer): ("Developer", {"name": "Ada"}),
        gid(service): ("Service", {"name": "Weather"}),
        gid(version): ("ServiceVersion", {"version": "v2"}),
        gid(application): ("Application", {"name": "Forecast"}),
        gid(connection): ("ServiceConnection", {"status": "APPROVED"}),
        gid(event): ("ConnectionEvent", {"action": "APPROVE", "toStatus": "APPROVED"}),
        gid(credential): ("Credential", {"name": "ci"}),
    }

    for node_id, (type_name, fields) in expected.items():
        body = await admin(NODE, id=node_id)
        assert "errors" not in body, body
        assert body["data"]["node"] == {"__typename": type_name, "id": node_id, **fields}


async def test_node_of_an_unknown_id_is_not_found_with_the_code(
    admin: GraphQLClient, factory: Factory
) -> None:
    body = await admin(NODE, id=global_ids.encode("Application", 999_999))

    error = error_of(body)
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    assert body["data"] is None


async def test_node_of_an_unknown_type_is_not_found(admin: GraphQLClient) -> None:
    body = await admin(NODE, id=global_ids.encode("Spaceship", 1))

    assert error_of(body)["extensions"]["code"] == "NOT_FOUND"


MALFORMED_IDS = [
    "",
    "   ",
    "!!!",
    "42",
    "not base64 at all",
    base64.urlsafe_b64encode(b"Application").decode(),
    base64.urlsafe_b64encode(b"Application:").decode(),
    base64.urlsafe_b64encode(b"Application:x").decode(),
    base64.urlsafe_b64encode(b"Application:-1").decode(),
    base64.urlsafe_b64encode(b"Application:0").decode(),
    base64.urlsafe_b64encode(b"Application:99999999999999").decode(),
    base64.urlsafe_b64encode("Application:²".encode()).decode(),
    base64.urlsafe_b64encode("Application:٣".encode()).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe:1").decode(),
    "QXBwbGljYXRpb246MQ" * 20,
]


async def test_node_of_a_malformed_id_is_refused_as_validation(admin: GraphQLClient) -> None:
    wrong = {}
    for value in MALFORMED_IDS:
        body = await admin(NODE, id=value)
        error = (body.get("errors") or [{}])[0]
        if error.get("extensions") != {"code": "VALIDATION", "field": "id"}:
            wrong[value] = body
    assert wrong == {}


TYPED = {
    "application": "Application",
    "developer": "Developer",
    "serviceConnection": "ServiceConnection",
    "service": "Service",
    "serviceVersion": "ServiceVersion",
}


@pytest.mark.parametrize("field", list(TYPED))
async def test_typed_field_refuses_an_id_of_another_type_as_validation(
    admin: GraphQLClient, factory: Factory, field: str
) -> None:
    other = await factory.service() if field != "service" else await factory.developer()

    body = await admin(f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", id=gid(other))

    error = error_of(body)
    assert error["extensions"] == {"code": "VALIDATION", "field": "id"}
    assert TYPED[field] in error["message"]


async def test_application_by_id_loads_its_details(admin: GraphQLClient, factory: Factory) -> None:
    application = await factory.application(name="Details", description="What it does")

    body = await admin(
        "query($id: ID!) { application(id: $id) { id name description referenceId "
        "createdAt updatedAt developer { id } } }",
        id=gid(application),
    )

    assert "errors" not in body, body
    details = body["data"]["application"]
    assert details["id"] == gid(application)
    assert details["description"] == "What it does"
    assert details["referenceId"] == application.reference_id
    assert details["developer"]["id"] == global_ids.encode("Developer", application.developer_id)
    assert details["createdAt"].endswith("+00:00")


async def test_developer_token_gets_not_found_for_another_developer_s_application(
    admin: GraphQLClient, factory: Factory
) -> None:
    me = await factory.developer()
    mine = await factory.application(me, name="Mine")
    theirs = await factory.application(name="Theirs")
    as_me = admin.as_token(await factory.token("developer", me))

    own = await as_me(NODE, id=gid(mine))
    other = await as_me(NODE, id=gid(theirs))

    assert own["data"]["node"]["name"] == "Mine"
    assert error_of(other)["extensions"]["code"] == "NOT_FOUND"


# The admin's queue ----------------------------------------------------------------------------

QUEUE = """
query($first: Int, $after: String, $filter: ServiceConnectionFilterInput,
      $orderBy: ServiceConnectionOrderInput) {
  serviceConnections(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status application { name developer { name } }
                   serviceVersion { version service { name } } } }
  }
}
"""


async def queue(client: GraphQLClient, **arguments: Any) -> dict[str, Any]:
    body = await client(QUEUE, **arguments)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["serviceConnections"]
    return page


@pytest.fixture
async def requests(factory: Factory) -> dict[str, Any]:
    """Five pending requests over two developers and two versions, and three decided ones."""
    ada = await factory.developer(name="Ada")
    bob = await factory.developer(name="Bob")
    v1 = await factory.version(await factory.service("Maps"), "v1")
    v2 = await factory.version(await factory.service("Mail"), "v1")
    apps = [await factory.application(owner) for owner in (ada, ada, bob)]
    pending = [
        await factory.connection(apps[0], v1),
        await factory.connection(apps[1], v1),
        await factory.connection(apps[2], v1),
        await factory.connection(apps[0], v2),
        await factory.connection(apps[2], v2),
    ]
    extra = await factory.application(bob)
    await factory.connection(extra, v1, AccessStatus.APPROVED)
    await factory.connection(extra, v2, AccessStatus.REJECTED)
    await factory.connection(apps[1], v2, AccessStatus.REVOKED)
    return {"ada": ada, "bob": bob, "v1": v1, "v2": v2, "apps": apps, "pending": pending}


async def test_queue_of_pending_requests_lists_only_pending_oldest_first(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    page = await queue(admin, first=100, filter={"status": ["PENDING"]})

    assert [e["node"]["id"] for e in page["edges"]] == [gid(c) for c in requests["pending"]]
    assert {e["node"]["status"] for e in page["edges"]} == {"PENDING"}
    assert page["totalCount"] == 5


async def test_queue_shows_application_developer_version_and_service(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    page = await queue(admin, first=1, filter={"status": ["PENDING"]})

    node = page["edges"][0]["node"]
    assert node["application"]["developer"]["name"] == "Ada"
    assert node["serviceVersion"] == {"version": "v1", "service": {"name": "Maps"}}


async def test_queue_pages_walk_the_whole_queue(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await queue(admin, first=2, after=after, filter={"status": ["PENDING"]})
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [gid(c) for c in requests["pending"]]


async def test_queue_newest_first_reverses_the_order(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    page = await queue(
        admin,
        first=100,
        filter={"status": ["PENDING"]},
        orderBy={"field": "CREATED_AT", "direction": "DESC"},
    )

    assert [e["node"]["id"] for e in page["edges"]] == [
        gid(c) for c in reversed(requests["pending"])
    ]


async def test_queue_filters_by_application_version_service_and_developer(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    pending = requests["pending"]
    cases = {
        "applicationId": (gid(requests["apps"][0]), [pending[0], pending[3]]),
        "serviceVersionId": (gid(requests["v2"]), [pending[3], pending[4]]),
        "serviceId": (global_ids.encode("Service", requests["v1"].service_id), pending[:3]),
        "developerId": (gid(requests["bob"]), [pending[2], pending[4]]),
    }
    for name, (value, expected) in cases.items():
        page = await queue(admin, first=100, filter={"status": ["PENDING"], name: value})
        assert [e["node"]["id"] for e in page["edges"]] == [gid(c) for c in expected], name


async def test_queue_of_a_developer_token_holds_only_their_connections(
    admin: GraphQLClient, factory: Factory, requests: dict[str, Any]
) -> None:
    as_bob = admin.as_token(await factory.token("developer", requests["bob"]))

    page = await queue(as_bob, first=100)

    developers = {e["node"]["application"]["developer"]["name"] for e in page["edges"]}
    assert developers == {"Bob"}
    assert (
        page["totalCount"]
        == await ServiceConnection.filter(application__developer_id=requests["bob"].id).count()
    )


async def test_queue_filter_with_an_id_of_another_type_is_refused_as_validation(
    admin: GraphQLClient, requests: dict[str, Any]
) -> None:
    body = await admin(QUEUE, filter={"applicationId": gid(requests["bob"])})

    assert error_of(body)["extensions"] == {
        "code": "VALIDATION",
        "field": "filter.applicationId",
    }


# Developers -------------------------------------------------------------------------------

DEVELOPERS = """
query($search: String, $first: Int, $after: String, $appsFirst: Int, $appsAfter: String,
      $appsLast: Int, $appsBefore: String) {
  developers(search: $search, first: $first, after: $after) {
    totalCount
    edges { node { name email
      applications(first: $appsFirst, after: $appsAfter, last: $appsLast, before: $appsBefore) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { name developer { name } } }
      }
    } }
  }
}
"""


async def developers(client: GraphQLClient, **arguments: Any) -> dict[str, Any]:
    body = await client(DEVELOPERS, **arguments)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["developers"]
    return page


@pytest.fixture
async def people(factory: Factory) -> dict[str, Developer]:
    grace = await factory.developer(name="Grace Hopper", email="grace_h@navy.example")
    alan = await factory.developer(name="Alan Turing", email="alan@bletchley.example")
    await factory.developer(name="Ünal Öz", email="unal@example.com")
    for name in ("Delta", "alpha", "Charlie", "bravo", "Echo"):
        await factory.application(grace, name=name)
    return {"grace": grace, "alan": alan}


@pytest.mark.usefixtures("people")
async def test_developers_are_listed_by_name(admin: GraphQLClient) -> None:
    page = await developers(admin, first=10)

    assert [e["node"]["name"] for e in page["edges"]] == ["Alan Turing", "Grace Hopper", "Ünal Öz"]


@pytest.mark.usefixtures("people")
async def test_developers_search_matches_name_or_email_literally(admin: GraphQLClient) -> None:
    def found(page: dict[str, Any]) -> list[str]:
        return [e["node"]["name"] for e in page["edges"]]

    assert found(await developers(admin, search="TURING")) == ["Alan Turing"]
    assert found(await developers(admin, search="navy.EXAMPLE")) == ["Grace Hopper"]
    assert found(await developers(admin, search="_")) == ["Grace Hopper"]
    assert found(await developers(admin, search="%")) == []
    assert found(await developers(admin, search="ünal")) == ["Ünal Öz"]


@pytest.mark.usefixtures("people")
async def test_developer_applications_are_by_name_with_their_developer(
    admin: GraphQLClient,
) -> None:
    page = await developers(admin, search="grace")

    apps = page["edges"][0]["node"]["applications"]
    assert [e["node"]["name"] for e in apps["edges"]] == [
        "alpha",
        "bravo",
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert {e["node"]["developer"]["name"] for e in apps["edges"]} == {"Grace Hopper"}
    assert apps["totalCount"] == 5


@pytest.mark.usefixtures("people")
async def test_developer_applications_page_forward_and_backward(admin: GraphQLClient) -> None:
    first = (await developers(admin, search="grace", appsFirst=2))["edges"][0]["node"]
    after = first["applications"]["pageInfo"]["endCursor"]
    second = (await developers(admin, search="grace", appsFirst=2, appsAfter=after))["edges"][0]
    before = second["node"]["applications"]["pageInfo"]["startCursor"]
    back = (await developers(admin, search="grace", appsLast=2, appsBefore=before))["edges"][0]

    def names(node: dict[str, Any]) -> list[str]:
        return [e["node"]["name"] for e in node["applications"]["edges"]]

    assert names(first) == ["alpha", "bravo"]
    assert first["applications"]["pageInfo"]["hasNextPage"] is True
    assert names(second["node"]) == ["Charlie", "Delta"]
    assert second["node"]["applications"]["pageInfo"]["hasPreviousPage"] is True
    assert names(back["node"]) == ["alpha", "bravo"]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"appsFirst": 101}, "first"), ({"appsFirst": -1}, "first"), ({"appsAfter": "junk"}, "after")],
)
async def test_developer_applications_refuse_bad_paging_as_validation(
    admin: GraphQLClient, arguments: dict[str, Any], field: str
) -> None:
    body = await admin(DEVELOPERS, **arguments)

    assert error_of(body)["extensions"] == {"code": "VALIDATION", "field": field}


async def test_developer_token_lists_only_itself(
    admin: GraphQLClient, factory: Factory, people: dict[str, Developer]
) -> None:
    as_alan = admin.as_token(await factory.token("developer", people["alan"]))

    page = await developers(as_alan, first=10)

    assert [e["node"]["name"] for e in page["edges"]] == ["Alan Turing"]


# The catalogue ----------------------------------------------------------------------------

SERVICES = """
query($search: String, $first: Int, $after: String) {
  services(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name versions { version effectiveAutoApprove service { name } } } }
  }
}
"""


@pytest.fixture
async def catalogue(factory: Factory) -> None:
    weather = await factory.service("Weather")
    await factory.version(weather, "v2")
    await factory.version(weather, "v1", auto_approve=True)
    await factory.version(await factory.service("Über Maps"), "v1")
    await factory.service("100% Uptime")


@pytest.mark.usefixtures("catalogue")
async def test_services_list_by_name_with_versions_by_label(admin: GraphQLClient) -> None:
    body = await admin(SERVICES, first=10)

    assert "errors" not in body, body
    services = [e["node"] for e in body["data"]["services"]["edges"]]
    assert [s["name"] for s in services] == ["100% Uptime", "Weather", "Über Maps"]
    assert services[0]["versions"] == []
    assert services[1]["versions"] == [
        {"version": "v1", "effectiveAutoApprove": True, "service": {"name": "Weather"}},
        {"version": "v2", "effectiveAutoApprove": False, "service": {"name": "Weather"}},
    ]


@pytest.mark.usefixtures("catalogue")
async def test_services_search_is_literal_and_folds_case_beyond_ascii(
    admin: GraphQLClient,
) -> None:
    def found(body: dict[str, Any]) -> list[str]:
        assert "errors" not in body, body
        return [e["node"]["name"] for e in body["data"]["services"]["edges"]]

    assert found(await admin(SERVICES, search="über")) == ["Über Maps"]
    assert found(await admin(SERVICES, search="%")) == ["100% Uptime"]
    assert found(await admin(SERVICES, search="_")) == []
    assert found(await admin(SERVICES, search="WEATHER")) == ["Weather"]


@pytest.mark.usefixtures("catalogue")
async def test_services_search_pages_like_the_unsearched_list(admin: GraphQLClient) -> None:
    first = await admin(SERVICES, search="a", first=1)
    page = first["data"]["services"]
    second = await admin(SERVICES, search="a", first=1, after=page["pageInfo"]["endCursor"])

    assert page["totalCount"] == 2
    assert [e["node"]["name"] for e in page["edges"]] == ["Weather"]
    assert [e["node"]["name"] for e in second["data"]["services"]["edges"]] == ["Über Maps"]
    assert second["data"]["services"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("first", [-1, 501])
async def test_application_events_refuse_a_count_out_of_range_as_validation(
    admin: GraphQLClient, factory: Factory, first: int
) -> None:
    application = await factory.application()

    body = await admin(
        "query($id: ID!, $n: Int!) { application(id: $id) { events(first: $n) { id } } }",
        id=gid(application),
        n=first,
    )

    assert error_of(body)["extensions"] == {"code": "VALIDATION", "field": "first"}


async def test_application_events_are_newest_first_and_limited(
    admin: GraphQLClient, factory: Factory
) -> None:
    connection = await factory.connection(status=AccessStatus.REVOKED)

    body = await admin(
        "query($id: ID!) { application(id: $id) { events(first: 2) { action } } }",
        id=global_ids.encode("Application", connection.application_id),
    )

    assert body["data"]["application"]["events"] == [{"action": "REVOKE"}, {"action": "APPROVE"}]
