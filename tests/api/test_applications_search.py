"""C-13 and developer search: the search text is a literal, case-insensitive substring.

`_`, `%`, `\\` and quotes are plain characters on SQLite and PostgreSQL alike, and no search
text reaches the database as anything but a value.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.models import Developer
from tests.conftest import GraphQLClient
from tests.factories import Factory

C13_NAMES = ["es_test", "esetest", "100% uptime", "back\\slash", "O'Brien app", "über-app"]

SEARCH = """
query($search: String, $searchDevelopers: Boolean! = false) {
  applications(first: 100, search: $search, searchDevelopers: $searchDevelopers) {
    totalCount
    edges { node { name developer { name } } }
  }
}
"""


async def names_found(
    client: GraphQLClient, search: str | None, *, developers: bool = False
) -> list[str]:
    body = await client(SEARCH, search=search, searchDevelopers=developers)
    assert "errors" not in body, body
    page = body["data"]["applications"]
    names = sorted(edge["node"]["name"] for edge in page["edges"])
    assert page["totalCount"] == len(names)
    return names


@pytest.fixture
async def c13(factory: Factory) -> None:
    owner = await factory.developer(name="Search Owner")
    for name in C13_NAMES:
        await factory.application(owner, name=name)


@pytest.mark.usefixtures("c13")
async def test_search_for_es_test_finds_only_es_test(admin: GraphQLClient) -> None:
    assert await names_found(admin, "es_test") == ["es_test"]


@pytest.mark.usefixtures("c13")
async def test_search_treats_underscore_as_a_plain_character(admin: GraphQLClient) -> None:
    assert await names_found(admin, "_") == ["es_test"]


@pytest.mark.usefixtures("c13")
async def test_search_treats_percent_as_a_plain_character(admin: GraphQLClient) -> None:
    assert await names_found(admin, "%") == ["100% uptime"]


@pytest.mark.usefixtures("c13")
async def test_search_treats_backslash_as_a_plain_character(admin: GraphQLClient) -> None:
    assert await names_found(admin, "\\") == ["back\\slash"]


@pytest.mark.usefixtures("c13")
async def test_search_treats_a_quote_as_a_plain_character(admin: GraphQLClient) -> None:
    assert await names_found(admin, "'") == ["O'Brien app"]


@pytest.mark.usefixtures("c13")
async def test_search_folds_case_beyond_ascii(admin: GraphQLClient) -> None:
    assert await names_found(admin, "ÜBER") == ["über-app"]


@pytest.mark.usefixtures("c13")
async def test_search_ignores_case_of_ascii_letters(admin: GraphQLClient) -> None:
    assert await names_found(admin, "o'BRIEN") == ["O'Brien app"]


@pytest.mark.usefixtures("c13")
async def test_no_search_and_empty_search_list_everything(admin: GraphQLClient) -> None:
    assert await names_found(admin, None) == sorted(C13_NAMES)
    assert await names_found(admin, "") == sorted(C13_NAMES)


@pytest.mark.usefixtures("c13")
async def test_search_of_a_space_is_literal_too(admin: GraphQLClient) -> None:
    assert await names_found(admin, " ") == ["100% uptime", "O'Brien app"]


# Texts that break naive LIKE patterns, string literals or encodings; none may reach the
# database as anything but a value. Expected: exactly the names that contain it literally.
NASTY = [
    "%",
    "_",
    "%_",
    "_%",
    "\\",
    "\\\\",
    "\\%",
    "\\_",
    "%%",
    "[a-z]",
    "[!e]",
    "*",
    "?",
    ".*",
    "^es",
    "$",
    "'",
    "''",
    '"',
    "`",
    "'; DROP TABLE application; --",
    '" OR 1=1 --',
    "es_test' OR '1'='1",
    "\\'",
    "ü",
    "Ü",
    "ß",
    "ẞ",
    "İ",
    "ﬁ",
    "😀",
    "日本語",
    "עברית",
    "\u200b",
    "\ufeff",
    "e\u0301",
    "\t",
    "\n",
    "\r\n",
    "\x7f",
    "a" * 200,
    "%" * 200,
]


@pytest.mark.usefixtures("c13")
async def test_no_search_text_causes_a_database_error(admin: GraphQLClient) -> None:
    wrong = {}
    for text in NASTY:
        expected = sorted(name for name in C13_NAMES if text.casefold() in name.casefold())
        body = await admin(SEARCH, search=text)
        found = sorted(
            e["node"]["name"]
            for e in (body.get("data") or {}).get("applications", {}).get("edges", [])
        )
        if "errors" in body or found != expected:
            wrong[text] = body.get("errors") or found
    assert wrong == {}


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


@pytest.mark.usefixtures("c13")
async def test_search_of_200_characters_is_accepted(admin: GraphQLClient) -> None:
    assert await names_found(admin, "x" * 200) == []


@pytest.mark.usefixtures("c13")
async def test_search_over_200_characters_is_refused_as_validation(admin: GraphQLClient) -> None:
    body = await admin(SEARCH, search="x" * 201)

    error = error_of(body)
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "search"
    assert "200" in error["message"]


@pytest.mark.usefixtures("c13")
@pytest.mark.parametrize("text", ["\x00", "es\x00test"], ids=["nul", "inner-nul"])
async def test_search_text_with_nul_is_refused_as_validation(
    admin: GraphQLClient, text: str
) -> None:
    """PostgreSQL text holds no NUL: refused before the query, on SQLite too."""
    body = await admin(SEARCH, search=text)

    error = error_of(body)
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "search"


@pytest.mark.usefixtures("c13")
async def test_search_text_with_a_lone_surrogate_is_refused_as_validation(
    admin: GraphQLClient,
) -> None:
    """JSON may escape half a surrogate pair; UTF-8 cannot hold it, so no driver could."""
    raw = json.dumps({"query": SEARCH, "variables": {"search": "es\ud800"}}, ensure_ascii=True)
    response = await admin.http.post(
        "/graphql",
        content=raw.encode(),
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )

    error = error_of(response.json())
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "search"


@pytest.fixture
async def owners(factory: Factory) -> dict[str, Developer]:
    grace = await factory.developer(name="Grace Hopper", email="grace_h@navy.example")
    alan = await factory.developer(name="Alan Turing", email="alan@bletchley.example")
    await factory.application(grace, name="Compiler")
    await factory.application(grace, name="Debugger")
    await factory.application(alan, name="Bombe")
    return {"grace": grace, "alan": alan}


@pytest.mark.usefixtures("owners")
async def test_search_developers_matches_the_developer_name(admin: GraphQLClient) -> None:
    assert await names_found(admin, "HOPPER", developers=True) == ["Compiler", "Debugger"]


@pytest.mark.usefixtures("owners")
async def test_search_developers_matches_the_developer_email(admin: GraphQLClient) -> None:
    assert await names_found(admin, "bletchley", developers=True) == ["Bombe"]


@pytest.mark.usefixtures("owners")
async def test_search_developers_still_matches_application_names(admin: GraphQLClient) -> None:
    assert await names_found(admin, "bomb", developers=True) == ["Bombe"]


@pytest.mark.usefixtures("owners")
async def test_search_developers_treats_underscore_in_email_literally(
    admin: GraphQLClient,
) -> None:
    assert await names_found(admin, "_", developers=True) == ["Compiler", "Debugger"]


@pytest.mark.usefixtures("owners")
async def test_search_without_search_developers_ignores_developers(admin: GraphQLClient) -> None:
    assert await names_found(admin, "hopper") == []


@pytest.mark.usefixtures("owners")
async def test_search_developers_shows_each_application_with_its_developer(
    admin: GraphQLClient,
) -> None:
    body = await admin(SEARCH, search="e", searchDevelopers=True)

    owners = {
        e["node"]["name"]: e["node"]["developer"]["name"]
        for e in body["data"]["applications"]["edges"]
    }
    assert owners == {
        "Compiler": "Grace Hopper",
        "Debugger": "Grace Hopper",
        "Bombe": "Alan Turing",
    }
