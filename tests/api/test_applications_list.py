"""The Applications section: filters, order, cursor pages, totalCount, and bad paging input.

Also the reading parts of C-11 (applications whose connections are all revoked or all rejected
stay listed and reachable) and C-20 (names are unique per developer only).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.models import AccessStatus, Application, Developer, Service, ServiceVersion
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid

LIST = """
query($first: Int, $after: String, $last: Int, $before: String, $offset: Int,
      $search: String, $searchDevelopers: Boolean! = false, $filter: ApplicationFilterInput,
      $orderBy: ApplicationOrderInput) {
  applications(first: $first, after: $after, last: $last, before: $before, offset: $offset,
               search: $search, searchDevelopers: $searchDevelopers, filter: $filter,
               orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name developer { id name } } }
  }
}
"""

DETAILS = """
query($id: ID!) {
  application(id: $id) {
    name
    developer { name }
    connectionCounts { revoked rejected total }
    connections { status availableActions serviceVersion { version service { name } } }
  }
}
"""


async def page_of(client: GraphQLClient, **arguments: Any) -> dict[str, Any]:
    body = await client(LIST, **arguments)
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["applications"]
    return page


async def names(client: GraphQLClient, **arguments: Any) -> list[str]:
    page = await page_of(client, first=100, **arguments)
    found = [edge["node"]["name"] for edge in page["edges"]]
    assert page["totalCount"] == len(found)
    return found


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    assert body["data"] is None
    error: dict[str, Any] = body["errors"][0]
    return error


# Filters ------------------------------------------------------------------------------------


@dataclass
class Portal:
    ada: Developer
    bob: Developer
    s1: Service
    s2: Service
    v1a: ServiceVersion
    v1b: ServiceVersion
    v2a: ServiceVersion


@pytest.fixture
async def portal(factory: Factory) -> Portal:
    """pending-app (Ada): v1a pending; approved-app (Ada): v1b approved;
    mixed-app (Bob): v1a approved, v2a revoked; idle-app (Bob): none; rejected-app (Bob): v2a
    rejected."""
    ada = await factory.developer(name="Ada")
    bob = await factory.developer(name="Bob")
    s1 = await factory.service("S1")
    s2 = await factory.service("S2")
    v1a = await factory.version(s1, "a")
    v1b = await factory.version(s1, "b")
    v2a = await factory.version(s2, "a")
    pending = await factory.application(ada, name="pending-app")
    approved = await factory.application(ada, name="approved-app")
    mixed = await factory.application(bob, name="mixed-app")
    await factory.application(bob, name="idle-app")
    rejected = await factory.application(bob, name="rejected-app")
    await factory.connection(pending, v1a, AccessStatus.PENDING)
    await factory.connection(approved, v1b, AccessStatus.APPROVED)
    await factory.connection(mixed, v1a, AccessStatus.APPROVED)
    await factory.connection(mixed, v2a, AccessStatus.REVOKED)
    await factory.connection(rejected, v2a, AccessStatus.REJECTED)
    return Portal(ada, bob, s1, s2, v1a, v1b, v2a)


async def test_unfiltered_list_holds_every_application_by_name(
    admin: GraphQLClient, portal: Portal
) -> None:
    assert await names(admin) == [
        "approved-app",
        "idle-app",
        "mixed-app",
        "pending-app",
        "rejected-app",
    ]


async def test_filter_by_developer_lists_only_their_applications(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"developerIds": [gid(portal.ada)]})

    assert found == ["approved-app", "pending-app"]


async def test_filter_by_several_developers_lists_any_of_them(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"developerIds": [gid(portal.ada), gid(portal.bob)]})

    assert len(found) == 5


async def test_filter_by_status_lists_applications_with_a_connection_in_it(
    admin: GraphQLClient, portal: Portal
) -> None:
    assert await names(admin, filter={"status": ["APPROVED"]}) == ["approved-app", "mixed-app"]


async def test_filter_by_several_statuses_lists_applications_with_any_of_them(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"status": ["PENDING", "REJECTED"]})

    assert found == ["pending-app", "rejected-app"]


async def test_filter_by_status_never_lists_applications_without_connections(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"status": ["PENDING", "APPROVED", "REJECTED", "REVOKED"]})

    assert "idle-app" not in found
    assert len(found) == 4


async def test_filter_by_service_covers_all_its_versions(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"serviceIds": [gid(portal.s1)]})

    assert found == ["approved-app", "mixed-app", "pending-app"]


async def test_filter_by_service_version_lists_applications_connected_to_it(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"serviceVersionIds": [gid(portal.v2a)]})

    assert found == ["mixed-app", "rejected-app"]


async def test_filter_by_status_and_service_needs_one_connection_meeting_both(
    admin: GraphQLClient, portal: Portal
) -> None:
    """mixed-app is revoked on S2 and approved on S1: it has no revoked connection to S1."""
    on_s1 = await names(admin, filter={"status": ["REVOKED"], "serviceIds": [gid(portal.s1)]})
    on_s2 = await names(admin, filter={"status": ["REVOKED"], "serviceIds": [gid(portal.s2)]})

    assert on_s1 == []
    assert on_s2 == ["mixed-app"]


async def test_filter_by_developer_and_status_needs_both(
    admin: GraphQLClient, portal: Portal
) -> None:
    found = await names(admin, filter={"developerIds": [gid(portal.bob)], "status": ["APPROVED"]})

    assert found == ["mixed-app"]


async def test_filter_combines_with_search(admin: GraphQLClient, portal: Portal) -> None:
    found = await names(admin, search="E", filter={"status": ["APPROVED", "PENDING"]})

    assert found == ["approved-app", "mixed-app", "pending-app"]
    assert await names(admin, search="pend", filter={"status": ["APPROVED"]}) == []


async def test_filter_with_empty_lists_matches_nothing(
    admin: GraphQLClient, portal: Portal
) -> None:
    """A list filter means "any of these": any of none is none, never "all"."""
    for flt in ({"developerIds": []}, {"status": []}, {"serviceIds": []}):
        assert await names(admin, filter=flt) == [], flt


async def test_filter_with_an_id_of_another_type_is_refused_as_validation(
    admin: GraphQLClient, portal: Portal
) -> None:
    body = await admin(LIST, filter={"developerIds": [gid(portal.s1)]})

    error = error_of(body)
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "filter.developerIds"


async def _created(application: Application, moment: datetime) -> None:
    await Application.filter(id=application.id).update(created_at=moment)


@pytest.fixture
async def dated(factory: Factory) -> datetime:
    """jan-1 00:00Z, jan-2 00:00Z, jan-3 00:00:00.5Z; returns jan-2."""
    owner = await factory.developer()
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for day, name in enumerate(["jan-1", "jan-2", "jan-3"]):
        extra = timedelta(microseconds=500_000) if name == "jan-3" else timedelta()
        await _created(await factory.application(owner, name=name), base + timedelta(day) + extra)
    return base + timedelta(days=1)


async def test_created_after_includes_the_moment_itself(
    admin: GraphQLClient, dated: datetime
) -> None:
    found = await names(admin, filter={"createdAfter": dated.isoformat()})

    assert found == ["jan-2", "jan-3"]


async def test_created_before_excludes_the_moment_itself(
    admin: GraphQLClient, dated: datetime
) -> None:
    found = await names(admin, filter={"createdBefore": dated.isoformat()})

    assert found == ["jan-1"]


async def test_created_range_combines_both_ends(admin: GraphQLClient, dated: datetime) -> None:
    flt = {
        "createdAfter": (dated - timedelta(hours=1)).isoformat(),
        "createdBefore": (dated + timedelta(days=1, seconds=1)).isoformat(),
    }

    assert await names(admin, filter=flt) == ["jan-2", "jan-3"]


async def test_created_after_means_the_same_instant_in_any_offset(
    admin: GraphQLClient, dated: datetime
) -> None:
    in_kolkata = dated.astimezone(datetime.fromisoformat("2024-01-01T00:00+05:30").tzinfo)

    found = await names(admin, filter={"createdAfter": in_kolkata.isoformat()})

    assert in_kolkata.isoformat().endswith("+05:30")
    assert found == ["jan-2", "jan-3"]


async def test_created_after_without_offset_is_refused_as_validation(
    admin: GraphQLClient, dated: datetime
) -> None:
    body = await admin(LIST, filter={"createdAfter": "2024-01-02T00:00:00"})

    error = error_of(body)
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "filter.createdAfter"


# C-11 and C-20 ----------------------------------------------------------------------------


@pytest.fixture
async def unreachable_looking(factory: Factory) -> dict[str, Application]:
    """C-11: A's only connections are revoked; B's only connection is rejected."""
    owner = await factory.developer()
    a = await factory.application(owner, name="Only Revoked")
    b = await factory.application(owner, name="Only Rejected")
    await factory.connection(a, status=AccessStatus.REVOKED)
    await factory.connection(a, status=AccessStatus.REVOKED)
    await factory.connection(b, status=AccessStatus.REJECTED)
    await factory.connection(await factory.application(owner, name="Live"))
    return {"a": a, "b": b}


@pytest.mark.usefixtures("unreachable_looking")
async def test_c11_application_with_only_revoked_connections_is_listed_by_revoked(
    admin: GraphQLClient,
) -> None:
    assert await names(admin, filter={"status": ["REVOKED"]}) == ["Only Revoked"]


@pytest.mark.usefixtures("unreachable_looking")
async def test_c11_application_with_only_rejected_connections_is_listed_by_rejected(
    admin: GraphQLClient,
) -> None:
    assert await names(admin, filter={"status": ["REJECTED"]}) == ["Only Rejected"]


@pytest.mark.usefixtures("unreachable_looking")
async def test_c11_applications_without_live_connections_are_listed_unfiltered(
    admin: GraphQLClient,
) -> None:
    assert await names(admin) == ["Live", "Only Rejected", "Only Revoked"]


async def test_c11_details_of_an_application_with_only_revoked_connections_load(
    admin: GraphQLClient, unreachable_looking: dict[str, Application]
) -> None:
    body = await admin(DETAILS, id=gid(unreachable_looking["a"]))

    assert "errors" not in body, body
    details = body["data"]["application"]
    assert details["connectionCounts"] == {"revoked": 2, "rejected": 0, "total": 2}
    assert [c["status"] for c in details["connections"]] == ["REVOKED", "REVOKED"]
    assert all("APPROVE" in c["availableActions"] for c in details["connections"])
    assert all(c["serviceVersion"]["service"]["name"] for c in details["connections"])


async def test_c11_details_of_an_application_with_only_rejected_connections_load(
    admin: GraphQLClient, unreachable_looking: dict[str, Application]
) -> None:
    body = await admin(DETAILS, id=gid(unreachable_looking["b"]))

    assert "errors" not in body, body
    details = body["data"]["application"]
    assert details["connectionCounts"] == {"revoked": 0, "rejected": 1, "total": 1}
    assert [c["status"] for c in details["connections"]] == ["REJECTED"]


async def test_c20_search_for_a_shared_name_returns_each_developer_s_application(
    admin: GraphQLClient, factory: Factory
) -> None:
    d1 = await factory.developer(name="D1")
    d2 = await factory.developer(name="D2")
    first = await factory.application(d1, name="App 1")
    second = await factory.application(d2, name="App 1")
    await factory.application(d1, name="Other")

    page = await page_of(admin, first=10, search="App 1")

    found = {edge["node"]["id"]: edge["node"]["developer"]["name"] for edge in page["edges"]}
    assert found == {gid(first): "D1", gid(second): "D2"}
    assert page["totalCount"] == 2


async def test_developer_token_lists_only_their_own_applications(
    admin: GraphQLClient, factory: Factory, portal: Portal
) -> None:
    as_ada = admin.as_token(await factory.token("developer", portal.ada))

    assert await names(as_ada) == ["approved-app", "pending-app"]
    assert await names(as_ada, filter={"developerIds": [gid(portal.bob)]}) == []


# Order ------------------------------------------------------------------------------------

ORDERS = [
    (field, direction)
    for field in ("NAME", "CREATED_AT", "UPDATED_AT", "DEVELOPER_NAME", "ID")
    for direction in ("ASC", "DESC")
]


def _key(field: str, row: Application) -> Any:
    return {
        "NAME": row.name_folded,
        "CREATED_AT": row.created_at,
        "UPDATED_AT": row.updated_at,
        "DEVELOPER_NAME": row.developer.name_folded,
        "ID": row.id,
    }[field]


@pytest.fixture
async def sortable(factory: Factory) -> list[Application]:
    """Seven applications with ties in every key, so that only the id decides some places.

    Names are lower-case ASCII letters, whose order every collation agrees on.
    """
    carol = await factory.developer(name="carol")
    alice = await factory.developer(name="Alice")
    bob = await factory.developer(name="bob")
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    plan = [
        (carol, "delta", t0, t0 + timedelta(days=3)),
        (alice, "alpha", t0 + timedelta(seconds=1), t0 + timedelta(days=1)),
        (bob, "charlie", t0, t0 + timedelta(days=3)),
        (carol, "bravo", t0 + timedelta(microseconds=7), t0 + timedelta(days=2)),
        (bob, "alpha", t0 + timedelta(seconds=1), t0 + timedelta(days=1)),
        (alice, "Alpha", t0 - timedelta(days=1), t0 + timedelta(days=3)),
        (carol, "echo", t0, t0),
    ]
    for developer, name, created, updated in plan:
        application = await factory.application(developer, name=name)
        await Application.filter(id=application.id).update(created_at=created, updated_at=updated)
    return list(await Application.all().select_related("developer"))


def expected_order(rows: list[Application], field: str, direction: str) -> list[str]:
    ordered = sorted(rows, key=lambda row: (_key(field, row), row.id))
    if direction == "DESC":
        ordered.reverse()
    return [gid(row) for row in ordered]


async def test_order_by_each_field_both_ways_ends_with_the_id_as_tie_breaker(
    admin: GraphQLClient, sortable: list[Application]
) -> None:
    for field, direction in ORDERS:
        page = await page_of(admin, first=100, orderBy={"field": field, "direction": direction})

        found = [edge["node"]["id"] for edge in page["edges"]]
        assert found == expected_order(sortable, field, direction), (field, direction)


async def test_order_is_stable_across_repeated_reads(
    admin: GraphQLClient, sortable: list[Application]
) -> None:
    for field, direction in ORDERS:
        order = {"field": field, "direction": direction}
        first = await page_of(admin, first=100, orderBy=order)
        second = await page_of(admin, first=100, orderBy=order)
        assert first["edges"] == second["edges"], order


# Cursor pages -------------------------------------------------------------------------------


@pytest.fixture
async def varied(factory: Factory) -> None:
    """Names with punctuation, spaces, case and non-ASCII, and ties in every key, so that
    cursors must compare exactly as the database orders."""
    developers = [await factory.developer(name=n) for n in ("Zoë", "zoe", "Ærø", "al_b")]
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    labels = ["App 1", "app 1", "App_1", "App%1", "über", "Über", "O'Brien", "a b", "ab", "A-b"]
    for index, name in enumerate(labels):
        application = await factory.application(developers[index % len(developers)], name=name)
        created = t0 + timedelta(seconds=index % 3, microseconds=(index % 2) * 250_000)
        updated = t0 + timedelta(days=index % 2)
        await Application.filter(id=application.id).update(created_at=created, updated_at=updated)


async def walk_forward(client: GraphQLClient, order: dict[str, str], size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = await page_of(client, first=size, after=after, orderBy=order)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
        assert len(seen) < 100, "the walk does not end"


async def walk_backward(client: GraphQLClient, order: dict[str, str], size: int) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        page = await page_of(client, last=size, before=before, orderBy=order)
        seen = [edge["node"]["id"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]
        assert len(seen) < 100, "the walk does not end"


@pytest.mark.usefixtures("varied")
async def test_paging_forward_walks_the_unpaged_order_for_every_order(
    admin: GraphQLClient,
) -> None:
    for field, direction in ORDERS:
        order = {"field": field, "direction": direction}
        unpaged = [
            e["node"]["id"] for e in (await page_of(admin, first=100, orderBy=order))["edges"]
        ]
        assert len(unpaged) == 10
        assert await walk_forward(admin, order, 3) == unpaged, order


@pytest.mark.usefixtures("varied")
async def test_paging_backward_walks_the_unpaged_order_for_every_order(
    admin: GraphQLClient,
) -> None:
    for field, direction in ORDERS:
        order = {"field": field, "direction": direction}
        unpaged = [
            e["node"]["id"] for e in (await page_of(admin, first=100, orderBy=order))["edges"]
        ]
        assert await walk_backward(admin, order, 3) == unpaged, order


@pytest.mark.usefixtures("varied")
async def test_paging_between_two_cursors_returns_the_rows_between(
    admin: GraphQLClient,
) -> None:
    everything = (await page_of(admin, first=100))["edges"]

    page = await page_of(
        admin, first=100, after=everything[2]["cursor"], before=everything[7]["cursor"]
    )

    assert page["edges"] == everything[3:7]


@pytest.mark.usefixtures("varied")
async def test_total_count_is_the_whole_list_on_every_page(admin: GraphQLClient) -> None:
    first = await page_of(admin, first=3)
    second = await page_of(admin, first=3, after=first["pageInfo"]["endCursor"])
    filtered = await page_of(admin, first=1, search="app")

    assert first["totalCount"] == second["totalCount"] == 10
    assert filtered["totalCount"] == 4


@pytest.mark.usefixtures("varied")
async def test_page_info_of_the_first_page(admin: GraphQLClient) -> None:
    page = await page_of(admin, first=3)

    info = page["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert info["startCursor"] == page["edges"][0]["cursor"]
    assert info["endCursor"] == page["edges"][-1]["cursor"]


@pytest.mark.usefixtures("varied")
async def test_page_info_of_the_last_page_going_forward(admin: GraphQLClient) -> None:
    start = await page_of(admin, first=8)
    page = await page_of(admin, first=3, after=start["pageInfo"]["endCursor"])

    assert len(page["edges"]) == 2
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.usefixtures("varied")
async def test_page_info_of_the_last_items_going_backward(admin: GraphQLClient) -> None:
    page = await page_of(admin, last=3)

    everything = (await page_of(admin, first=100))["edges"]
    assert page["edges"] == everything[-3:]
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False


async def test_page_info_of_an_empty_list(admin: GraphQLClient) -> None:
    page = await page_of(admin, first=10)

    assert page["totalCount"] == 0
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


@pytest.mark.usefixtures("varied")
async def test_first_zero_returns_no_edges_but_counts_and_says_more_follow(
    admin: GraphQLClient,
) -> None:
    page = await page_of(admin, first=0)

    assert page["edges"] == []
    assert page["totalCount"] == 10
    assert page["pageInfo"]["hasNextPage"] is True


# Refused paging arguments -------------------------------------------------------------------


async def test_first_of_100_is_accepted(admin: GraphQLClient) -> None:
    assert (await page_of(admin, first=100))["edges"] == []


@pytest.mark.parametrize("argument", ["first", "last"])
async def test_page_size_over_100_is_refused_as_validation(
    admin: GraphQLClient, argument: str
) -> None:
    error = error_of(await admin(LIST, **{argument: 101}))

    assert error["extensions"] == {"code": "VALIDATION", "field": argument}
    assert "100" in error["message"]


@pytest.mark.parametrize("argument", ["first", "last"])
async def test_negative_page_size_is_refused_as_validation(
    admin: GraphQLClient, argument: str
) -> None:
    error = error_of(await admin(LIST, **{argument: -1}))

    assert error["extensions"] == {"code": "VALIDATION", "field": argument}


async def test_first_and_last_together_are_refused_as_validation(admin: GraphQLClient) -> None:
    error = error_of(await admin(LIST, first=2, last=2))

    assert error["extensions"]["code"] == "VALIDATION"
    assert "first" in error["message"] and "last" in error["message"]


def _forged(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "garbage": "not-a-cursor",
    "non-ascii": "ü∂ƒ",
    "empty": "",
    "base64 of text": base64.urlsafe_b64encode(b"hello").decode(),
    "too long": "A" * 2_000,
    "wrong shape": _forged(1),
    "object": base64.urlsafe_b64encode(b'{"a": 1, "b": 2}').decode(),
    "id not a number": _forged("name_folded", "x", "1"),
    "id a boolean": _forged("name_folded", "x", True),
    "id beyond 32 bits": _forged("name_folded", "x", 2**40),
    "id zero": _forged("name_folded", "x", 0),
    "value a number": _forged("name_folded", 1.5, 1),
    "value null": _forged("name_folded", None, 1),
    "value with NUL": _forged("name_folded", "a\x00b", 1),
    "another field": _forged("id", "x", 1),
    "a time for a name": _forged("name_folded", {"t": "2024-01-01T00:00:00+00:00"}, 1),
}


@pytest.mark.usefixtures("varied")
@pytest.mark.parametrize("argument", ["after", "before"])
async def test_bad_cursor_is_refused_as_validation(admin: GraphQLClient, argument: str) -> None:
    wrong = {}
    for label, cursor in BAD_CURSORS.items():
        body = await admin(LIST, first=None if argument == "before" else 3, **{argument: cursor})
        error = (body.get("errors") or [{}])[0]
        if error.get("extensions") != {"code": "VALIDATION", "field": argument}:
            wrong[label] = body
    assert wrong == {}


@pytest.mark.usefixtures("varied")
async def test_cursor_of_another_order_is_refused_as_validation(admin: GraphQLClient) -> None:
    by_name = await page_of(admin, first=2)

    for field in ("CREATED_AT", "UPDATED_AT", "DEVELOPER_NAME"):
        body = await admin(
            LIST, first=2, after=by_name["pageInfo"]["endCursor"], orderBy={"field": field}
        )
        assert error_of(body)["extensions"] == {"code": "VALIDATION", "field": "after"}, field


@pytest.mark.usefixtures("varied")
async def test_time_cursor_without_offset_is_refused_as_validation(
    admin: GraphQLClient,
) -> None:
    naive = _forged("created_at", {"t": "2024-05-01T00:00:00"}, 1)

    body = await admin(LIST, first=2, after=naive, orderBy={"field": "CREATED_AT"})

    assert error_of(body)["extensions"] == {"code": "VALIDATION", "field": "after"}


@pytest.mark.usefixtures("varied")
async def test_cursor_order_is_checked_for_descending_too(admin: GraphQLClient) -> None:
    """Ascending and descending share cursors: a cursor names a row, not a direction."""
    ascending = await page_of(admin, first=4)
    everything = await page_of(admin, first=100, orderBy={"field": "NAME", "direction": "DESC"})

    page = await page_of(
        admin,
        first=100,
        after=ascending["edges"][3]["cursor"],
        orderBy={"field": "NAME", "direction": "DESC"},
    )

    ids = [e["node"]["id"] for e in everything["edges"]]
    position = ids.index(ascending["edges"][3]["node"]["id"])
    assert [e["node"]["id"] for e in page["edges"]] == ids[position + 1 :]


# Offset pages -------------------------------------------------------------------------------


@pytest.mark.usefixtures("varied")
async def test_offset_pages_tile_the_unpaged_order_for_every_order(
    admin: GraphQLClient,
) -> None:
    for field, direction in ORDERS:
        order = {"field": field, "direction": direction}
        unpaged = [
            e["node"]["id"] for e in (await page_of(admin, first=100, orderBy=order))["edges"]
        ]
        pages = [
            await page_of(admin, first=3, offset=offset, orderBy=order) for offset in (0, 3, 6, 9)
        ]

        assert [e["node"]["id"] for p in pages for e in p["edges"]] == unpaged, order
        assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, True, False]
        assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True]


@pytest.mark.usefixtures("varied")
async def test_offset_counts_from_the_cursor_when_both_are_given(admin: GraphQLClient) -> None:
    order = {"field": "NAME"}
    unpaged = [e["node"]["id"] for e in (await page_of(admin, first=100, orderBy=order))["edges"]]
    cursor = (await page_of(admin, first=2, orderBy=order))["pageInfo"]["endCursor"]

    page = await page_of(admin, first=3, after=cursor, offset=4, orderBy=order)

    assert [e["node"]["id"] for e in page["edges"]] == unpaged[6:9]


@pytest.mark.usefixtures("varied")
async def test_offset_past_the_end_returns_an_empty_page_with_the_total(
    admin: GraphQLClient,
) -> None:
    page = await page_of(admin, first=5, offset=500)

    assert page["edges"] == []
    assert page["totalCount"] == 10
    assert page["pageInfo"]["hasNextPage"] is False


@pytest.mark.usefixtures("varied")
async def test_offset_keeps_filters_and_search(admin: GraphQLClient) -> None:
    everything = await names(admin, search="app")

    page = await page_of(admin, first=2, offset=1, search="app")

    assert [e["node"]["name"] for e in page["edges"]] == everything[1:3]


@pytest.mark.parametrize(
    "arguments",
    [{"first": 3, "offset": -1}, {"first": 3, "offset": 1_000_001}, {"last": 3, "offset": 2}],
)
async def test_bad_offset_is_refused_as_validation(
    admin: GraphQLClient, arguments: dict[str, int]
) -> None:
    error = error_of(await admin(LIST, **arguments))

    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "offset"
