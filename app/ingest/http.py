"""`POST /ingest/kong`: Kong's http-log plugin posts one entry or a batch array here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.domain.errors import Unauthenticated
from app.domain.tokens import authenticate
from app.ingest.kong import MalformedEntry, parse_body
from app.ingest.pipeline import IngestReport, ingest_batch
from app.models import Role


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


async def ingest_kong(request: Request) -> JSONResponse:
    """Only `ingest` and `admin` tokens may post; the body cap is enforced before reading."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "UNAUTHENTICATED", "Send `Authorization: Bearer <ingest token>`.")
    try:
        viewer = await authenticate(token)
    except Unauthenticated as error:
        return _error(401, "UNAUTHENTICATED", error.message)
    if viewer.role not in (Role.INGEST, Role.ADMIN):
        return _error(403, "FORBIDDEN", "Only an ingest or admin token may post traffic.")
    body = await request.body()
    try:
        items = parse_body(body)
    except MalformedEntry as error:
        return _error(400, "VALIDATION", f"The body is not Kong log JSON: {error.reason}.")
    report = IngestReport(lines=len(items))
    await ingest_batch(enumerate(items, 1), report)
    return JSONResponse(report.as_dict())
