"""Messages a person reads: objects are named by the global ids clients know (never by row
numbers), user input is echoed at most about 60 characters long, and the grammar holds."""

from __future__ import annotations

import re
from typing import Any

from app import global_ids
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid
from tests.lifecycle_ops import change

ERRORS = "errors { code message field }"


def payload_error(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    [error] = body["data"][field]["errors"]
    result: dict[str, Any] = error
    return result


async def test_a_mutation_not_found_names_the_global_id(admin: GraphQLClient) -> None:
    missing = global_ids.encode("ServiceConnection", 80)

    payload = await change(admin, "approve", missing)

    [error] = payload["errors"]
    assert error["code"] == "NOT_FOUND"
    assert error["message"] == f"No ServiceConnection with id {missing!r}."


async def test_a_mutation_and_a_query_word_not_found_alike(admin: GraphQLClient) -> None:
    missing = global_ids.encode("Application", 80)

    mutation = payload_error(
        await admin(
            f"mutation($input: IdInput!) {{ deleteApplication(input: $input) {{ {ERRORS} }} }}",
            input={"id": missing},
        ),
        "deleteApplication",
    )
    query = await admin("query($id: ID!) { application(id: $id) { id } }", id=missing)

    assert mutation["message"] == query["errors"][0]["message"]
    assert not re.search(r"\b80\b", mutation["message"])


async def test_a_long_id_is_echoed_at_most_60_characters(admin: GraphQLClient) -> None:
    long_id = "x" * 150

    error = payload_error(
        await admin(
            f"mutation($input: IdInput!) {{ deleteApplication(input: $input) {{ {ERRORS} }} }}",
            input={"id": long_id},
        ),
        "deleteApplication",
    )

    assert error["code"] == "VALIDATION"
    assert "x" * 61 not in error["message"] and "x" * 50 in error["message"]


async def test_an_id_of_another_type_is_named_with_its_article(
    admin: GraphQLClient, factory: Factory
) -> None:
    application = gid(await factory.application())

    error = payload_error(
        await admin(
            f"mutation($input: IdInput!) {{ deleteService(input: $input) {{ {ERRORS} }} }}",
            input={"id": application},
        ),
        "deleteService",
    )

    assert "is the id of an Application, not of a Service." in error["message"]


async def test_a_long_email_is_echoed_at_most_60_characters(admin: GraphQLClient) -> None:
    email = "no-at-sign-" + "e" * 300

    error = payload_error(
        await admin(
            "mutation($input: CreateDeveloperInput!) { createDeveloper(input: $input) "
            f"{{ {ERRORS} }} }}",
            input={"name": "Ada", "email": email},
        ),
        "createDeveloper",
    )

    assert error["field"] == "email"
    assert "e" * 61 not in error["message"]


async def test_the_version_label_length_error_names_the_version_label(
    admin: GraphQLClient, factory: Factory
) -> None:
    error = payload_error(
        await admin(
            "mutation($input: CreateServiceVersionInput!) { createServiceVersion(input: $input) "
            f"{{ {ERRORS} }} }}",
            input={"serviceId": gid(await factory.service()), "version": "v" * 101},
        ),
        "createServiceVersion",
    )

    assert error["field"] == "version"
    assert error["message"].startswith("The version label is 101 characters long")
