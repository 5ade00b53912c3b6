"""Applications of a page with their developers as plain rows, not ORM objects.

Tortoise builds two model objects for each application of a page (the application and its
joined developer), which costs three times the CPU of running the statement. A page reads the
same columns as tuples instead (`values_list`: the same filters, joins and conversions) and
keeps them in slotted rows with the models' attribute names, so the API builds its types from
either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.queryset import QuerySet

from app.models import AccessStatus, Application


@dataclass(slots=True)
class DeveloperRow:
    id: int
    name: str
    name_folded: str
    email: str
    email_folded: str
    status: AccessStatus
    external_id: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class ApplicationRow:
    developer: DeveloperRow
    id: int
    developer_id: int
    name: str
    name_folded: str
    reference_id: str
    description: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def pk(self) -> int:
        return self.id


# The application's columns in the order of ApplicationRow's fields after `developer`, then
# the developer's in DeveloperRow's order.
_APPLICATION = (
    "id",
    "developer_id",
    "name",
    "name_folded",
    "reference_id",
    "description",
    "external_id",
    "created_at",
    "updated_at",
)
_DEVELOPER = tuple(
    f"developer__{name}"
    for name in (
        "id",
        "name",
        "name_folded",
        "email",
        "email_folded",
        "status",
        "external_id",
        "created_at",
        "updated_at",
    )
)
_SPLIT = len(_APPLICATION)


async def application_rows(query: QuerySet[Application]) -> list[ApplicationRow]:
    """The applications `query` selects, in its order, each with its developer."""
    rows = await query.values_list(*_APPLICATION, *_DEVELOPER)
    return [ApplicationRow(DeveloperRow(*values[_SPLIT:]), *values[:_SPLIT]) for values in rows]
