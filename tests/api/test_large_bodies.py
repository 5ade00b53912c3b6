"""A large request body is let go as soon as its answer is sent.

graphql-core leaves each execution in a reference cycle that holds the request (and so its
body) and the variables; the server tunes the cycle collector to run rarely, so without a
collection after large bodies, hundreds of them could stay in memory at once."""

from __future__ import annotations

import gc

from starlette.requests import Request

from app.api.view import LARGE_BODY_BYTES
from tests.conftest import GraphQLClient


def large_requests_alive() -> int:
    return sum(
        1
        for o in gc.get_objects()
        if isinstance(o, Request) and len(getattr(o, "_body", b"")) >= LARGE_BODY_BYTES
    )


async def test_a_large_body_is_not_kept_after_its_answer(admin: GraphQLClient) -> None:
    note = "n" * (LARGE_BODY_BYTES + 1)
    # A mutation refused with a typed error (no such connection): its execution is one of
    # those that graphql-core leaves in a cycle.
    query = (
        "mutation M($note: String) { rejectConnection(input: "
        '{id: "U2VydmljZUNvbm5lY3Rpb246OTk5", note: $note}) { __typename } }'
    )
    gc.collect()
    gc.disable()  # only the server's own collection may free it
    try:
        response = await admin.http.post(
            "/graphql",
            json={"query": query, "variables": {"note": note}},
            headers={"Authorization": f"Bearer {admin.token}"},
        )
        assert response.status_code == 200, response.text
        del response

        assert large_requests_alive() == 0
    finally:
        gc.enable()
