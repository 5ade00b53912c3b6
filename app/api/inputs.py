"""Input types of the read API: filters and orderings."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from app.api.ids import decode_ids
from app.api.types.enums import AccessStatusType, SortDirection
from app.domain.errors import ValidationFailed
from app.domain.listing import (
    ApplicationFilter,
    ApplicationOrder,
    ConnectionFilter,
    ConnectionOrder,
    DeveloperFilter,
)


def utc(moment: datetime | None, field: str) -> datetime | None:
    """The moment in UTC; a time without offset is refused rather than guessed. SQLite compares
    stored times as text, so a filter in another offset would select the wrong rows."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(
            f"{moment.isoformat()} has no UTC offset; add one, e.g. Z or +02:00.", field=field
        )
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        raise ValidationFailed(
            f"{moment.isoformat()} is out of range once converted to UTC.", field=field
        ) from None


@strawberry.input(description="Narrows the Applications list; all given criteria must hold.")
class ApplicationFilterInput:
    developer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these developers' applications."
    )
    status: list[AccessStatusType] | None = strawberry.field(
        default=None,
        description="Only applications with at least one connection in one of these statuses "
        "(to the given services or versions, when those are given too).",
    )
    service_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only applications connected to a version of these services."
    )
    service_version_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only applications connected to these service versions."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Created at or after this time (with a UTC offset)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Created before this time (with a UTC offset)."
    )

    def to_domain(self) -> ApplicationFilter:
        return ApplicationFilter(
            developer_ids=decode_ids(self.developer_ids, "Developer", "filter.developerIds"),
            statuses=list(self.status) if self.status is not None else None,
            service_ids=decode_ids(self.service_ids, "Service", "filter.serviceIds"),
            service_version_ids=decode_ids(
                self.service_version_ids, "ServiceVersion", "filter.serviceVersionIds"
            ),
            created_after=utc(self.created_after, "filter.createdAfter"),
            created_before=utc(self.created_before, "filter.createdBefore"),
        )


@strawberry.enum(description="What the Applications list can be sorted by.")
class ApplicationOrderField(Enum):
    NAME = ApplicationOrder.NAME.value
    CREATED_AT = ApplicationOrder.CREATED.value
    UPDATED_AT = ApplicationOrder.UPDATED.value
    DEVELOPER_NAME = ApplicationOrder.DEVELOPER.value
    ID = ApplicationOrder.ID.value


@strawberry.input(description="Sort order of the Applications list.")
class ApplicationOrderInput:
    field: ApplicationOrderField = strawberry.field(description="The sort key.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Ascending or descending."
    )


@strawberry.input(description="Narrows the list of connections; all given criteria must hold.")
class ServiceConnectionFilterInput:
    status: list[AccessStatusType] | None = strawberry.field(
        default=None, description="Only these statuses (PENDING for the approval queue)."
    )
    application_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this application's connections."
    )
    service_version_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only connections to this service version."
    )
    service_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only connections to versions of this service."
    )
    developer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only connections of this developer's applications."
    )

    def to_domain(self) -> ConnectionFilter:
        def one(value: strawberry.ID | None, type_name: str, field: str) -> list[int] | None:
            return decode_ids([value] if value is not None else None, type_name, field)

        return ConnectionFilter(
            statuses=list(self.status) if self.status is not None else None,
            application_ids=one(self.application_id, "Application", "filter.applicationId"),
            service_version_ids=one(
                self.service_version_id, "ServiceVersion", "filter.serviceVersionId"
            ),
            service_ids=one(self.service_id, "Service", "filter.serviceId"),
            developer_ids=one(self.developer_id, "Developer", "filter.developerId"),
        )


@strawberry.enum(description="What the list of connections can be sorted by.")
class ServiceConnectionOrderField(Enum):
    CREATED_AT = ConnectionOrder.CREATED.value
    UPDATED_AT = ConnectionOrder.UPDATED.value
    STATUS_CHANGED_AT = ConnectionOrder.STATUS_CHANGED.value


@strawberry.input(description="Sort order of the list of connections.")
class ServiceConnectionOrderInput:
    field: ServiceConnectionOrderField = strawberry.field(description="The sort key.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.ASC, description="Ascending or descending."
    )


@strawberry.input(description="Narrows the list of developers.")
class DeveloperFilterInput:
    status: list[AccessStatusType] | None = strawberry.field(
        default=None, description="Only developers whose portal access is in these statuses."
    )

    def to_domain(self) -> DeveloperFilter:
        return DeveloperFilter(statuses=list(self.status) if self.status is not None else None)
