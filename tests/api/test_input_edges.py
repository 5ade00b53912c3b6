"""Ordinary input at the edges that used to end in a masked INTERNAL_SERVER_ERROR: values
longer than their column, times that leave the calendar once converted to UTC, a credential
created while its application is deleted, and a subscription sent over plain HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from app.domain import applications, credentials, scope
from app.domain.errors import NotFound
from app.domain.viewer import SYSTEM
from app.models import Application, Credential
from tests.conftest import GraphQLClient
from tests.factories import Factory, gid

ERRORS = "errors { code message field }"


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body.get("errors") or []) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


# --- Gateway fields: validation follows the columns (id 100, name 200 characters) ------------


async def create_version(admin: GraphQLClient, service: str, **fields: str) -> dict[str, Any]:
    body = await admin(
        "mutation($input: CreateServiceVersionInput!) { createServiceVersion(input: $input) "
        f"{{ serviceVersion {{ id }} {ERRORS} }} }}",
        input={"serviceId": service, "version": "v9", **fields},
    )
    payload: dict[str, Any] = body["data"]["createServiceVersion"]
    return payload


@pytest.mark.parametrize(
    ("field", "longest"), [("gatewayServiceId", 100), ("gatewayServiceName", 200)]
)
async def test_a_gateway_field_one_over_its_column_is_refused_as_validation(
    admin: GraphQLClient, factory: Factory, field: str, longest: int
) -> None:
    service = gid(await factory.service())

    payload = await create_version(admin, service, **{field: "g" * (longest + 1)})

    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", field)
    assert f"at most {longest}" in error["message"]


@pytest.mark.parametrize(
    ("field", "longest"), [("gatewayServiceId", 100), ("gatewayServiceName", 200)]
)
async def test_a_gateway_field_as_long_as_its_column_is_stored(
    admin: GraphQLClient, factory: Factory, field: str, longest: int
) -> None:
    service = gid(await factory.service())

    payload = await create_version(admin, service, **{field: "g" * longest})

    assert payload["errors"] == []


async def test_updating_a_gateway_service_id_over_100_characters_is_refused(
    admin: GraphQLClient, factory: Factory
) -> None:
    version = gid(await factory.version())

    body = await admin(
        "mutation($input: UpdateServiceVersionInput!) { updateServiceVersion(input: $input) "
        f"{{ {ERRORS} }} }}",
        input={"id": version, "gatewayServiceId": "g" * 150},
    )

    [error] = body["data"]["updateServiceVersion"]["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "gatewayServiceId")


# --- Times beyond the calendar once in UTC ----------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "moment"),
    [("createdAfter", "0001-01-01T00:00:00+05:00"), ("createdBefore", "9999-12-31T23:59:59-05:00")],
)
async def test_a_created_filter_out_of_range_in_utc_is_refused_as_validation(
    admin: GraphQLClient, argument: str, moment: str
) -> None:
    body = await admin(
        "query($filter: ApplicationFilterInput) { applications(filter: $filter) { totalCount } }",
        filter={argument: moment},
    )

    error = only_error(body)
    assert error["extensions"] == {"code": "VALIDATION", "field": f"filter.{argument}"}
    assert "out of range" in error["message"]


async def test_a_cursor_holding_a_time_out_of_range_is_refused_as_validation(
    admin: GraphQLClient,
) -> None:
    forged = json.dumps(["created_at", {"t": "0001-01-01T00:00:00+05:00"}, 1])
    cursor = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")

    body = await admin(
        "query($after: String) { applications(after: $after, "
        "orderBy: {field: CREATED_AT}) { totalCount } }",
        after=cursor,
    )

    assert only_error(body)["extensions"] == {"code": "VALIDATION", "field": "after"}


# --- A credential for an application deleted meanwhile -----------------------------------------


async def test_a_credential_for_an_application_deleted_meanwhile_is_not_found(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The application is read, then deleted by a concurrent deleteApplication, then the
    credential's insert meets the foreign key."""
    application = await factory.application()

    async def read_then_lose(*args: Any, **kwargs: Any) -> Application:
        found = await scope.visible_application(*args, **kwargs)
        await applications.delete_application(SYSTEM, found.id)
        return found

    monkeypatch.setattr(credentials, "visible_application", read_then_lose)

    with pytest.raises(NotFound) as raised:
        await credentials.create_credential(SYSTEM, application.id, "key")

    assert raised.value.field == "applicationId"
    assert gid(application) in raised.value.message
    assert await Credential.all().count() == 0


# --- Subscriptions over plain HTTP -----------------------------------------------------------


async def test_a_subscription_over_http_is_a_bad_request_naming_the_websocket(
    admin: GraphQLClient, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "subscription { connectionEvents { action } }"},
        headers={"Authorization": f"Bearer {admin.token}"},
    )

    assert response.status_code == 400
    error = only_error(response.json())
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "graphql-transport-ws" in error["message"]
