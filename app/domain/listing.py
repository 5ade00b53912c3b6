"""Read use-cases: the Applications section, the admin's queue of connections, developers, services.

Every list is scoped to what the viewer may see and paged by keyset cursors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from app.domain.application_rows import ApplicationRow, application_rows
from app.domain.errors import ValidationFailed
from app.domain.pagination import (
    Page,
    PageRequest,
    SortKey,
    paginate,
    paginate_loaded,
    paginate_rows,
)
from app.domain.validation import is_storable
from app.domain.viewer import Viewer
from app.models import AccessStatus, Application, Developer, Service, ServiceConnection

MAX_SEARCH_LENGTH = 200


class ApplicationOrder(StrEnum):
    NAME = "name"
    CREATED = "created"
    UPDATED = "updated"
    DEVELOPER = "developer"
    ID = "id"


_APPLICATION_KEYS: dict[ApplicationOrder, tuple[str, Callable[[Any], Any], type]] = {
    ApplicationOrder.NAME: ("name_folded", lambda a: a.name_folded, str),
    ApplicationOrder.CREATED: ("created_at", lambda a: a.created_at, datetime),
    ApplicationOrder.UPDATED: ("updated_at", lambda a: a.updated_at, datetime),
    ApplicationOrder.DEVELOPER: (
        "developer__name_folded",
        lambda a: a.developer.name_folded,
        str,
    ),
    ApplicationOrder.ID: ("id", lambda a: a.id, int),
}


APPLICATIONS_BY_NAME = SortKey("name_folded", lambda a: a.name_folded)
"""The order of a developer's own applications: the loader sorts by the same columns."""


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    developer_ids: list[int] | None = None
    statuses: list[AccessStatus] | None = None
    service_ids: list[int] | None = None
    service_version_ids: list[int] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def folded_search(search: str | None) -> str | None:
    """The search text as stored names are folded; None for no search (absent or empty).

    Any other text is literal, spaces included: a search for " " finds names with a space.
    Text that no database column can hold (NUL, lone surrogates) is refused here, so that it
    never reaches a driver as a server error.
    """
    if search is None or search == "":
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise ValidationFailed(
            f"The search text is over {MAX_SEARCH_LENGTH} characters.", field="search"
        )
    if not is_storable(search):
        raise ValidationFailed(
            "The search text holds a NUL character or broken Unicode.", field="search"
        )
    return search.casefold()


def _scope_applications(viewer: Viewer) -> QuerySet[Application]:
    query = Application.all()
    if not viewer.reads_everything:
        query = query.filter(developer_id=viewer.developer_id if viewer.developer_id else -1)
    return query


def _connection_subquery(flt: ApplicationFilter) -> Q | None:
    """Applications having at least one connection that meets every connection criterion."""
    criteria: dict[str, object] = {}
    if flt.statuses is not None:
        criteria["status__in"] = flt.statuses
    if flt.service_ids is not None:
        criteria["service_version__service_id__in"] = flt.service_ids
    if flt.service_version_ids is not None:
        criteria["service_version_id__in"] = flt.service_version_ids
    if not criteria:
        return None
    ids = ServiceConnection.filter(**criteria).values("application_id")
    return Q(id__in=Subquery(ids))


def filter_applications(
    viewer: Viewer,
    *,
    search: str | None = None,
    search_developers: bool = False,
    flt: ApplicationFilter | None = None,
) -> QuerySet[Application]:
    query = _scope_applications(viewer)
    term = folded_search(search)
    if term is not None:
        condition = Q(name_folded__contains=term)
        if search_developers:
            condition |= Q(developer__name_folded__contains=term)
            condition |= Q(developer__email_folded__contains=term)
        query = query.filter(condition)
    flt = flt or ApplicationFilter()
    if flt.developer_ids is not None:
        query = query.filter(developer_id__in=flt.developer_ids)
    if flt.created_after is not None:
        query = query.filter(created_at__gte=flt.created_after)
    if flt.created_before is not None:
        query = query.filter(created_at__lt=flt.created_before)
    connections = _connection_subquery(flt)
    if connections is not None:
        query = query.filter(connections)
    return query


async def list_applications(
    viewer: Viewer,
    page: PageRequest,
    *,
    max_page_size: int,
    search: str | None = None,
    search_developers: bool = False,
    flt: ApplicationFilter | None = None,
    order: ApplicationOrder = ApplicationOrder.NAME,
    descending: bool = False,
) -> Page[ApplicationRow]:
    """A page of applications with their developers joined in the same statement."""
    query = filter_applications(viewer, search=search, search_developers=search_developers, flt=flt)
    path, value, kind = _APPLICATION_KEYS[order]
    return await paginate_rows(
        query,
        SortKey(path, value, descending, kind),
        page,
        max_size=max_page_size,
        read=application_rows,
    )


class ConnectionOrder(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"


_CONNECTION_KEYS: dict[ConnectionOrder, tuple[str, Callable[[Any], Any]]] = {
    ConnectionOrder.CREATED: ("created_at", lambda c: c.created_at),
    ConnectionOrder.UPDATED: ("updated_at", lambda c: c.updated_at),
    ConnectionOrder.STATUS_CHANGED: ("status_changed_at", lambda c: c.status_changed_at),
}


@dataclass(frozen=True, slots=True)
class ConnectionFilter:
    statuses: list[AccessStatus] | None = None
    application_ids: list[int] | None = None
    service_version_ids: list[int] | None = None
    service_ids: list[int] | None = None
    developer_ids: list[int] | None = None


async def list_connections(
    viewer: Viewer,
    page: PageRequest,
    *,
    max_page_size: int,
    flt: ConnectionFilter | None = None,
    order: ConnectionOrder = ConnectionOrder.CREATED,
    descending: bool = False,
) -> Page[ServiceConnection]:
    """The admin's queue across applications; versions and services joined in."""
    flt = flt or ConnectionFilter()
    query = ServiceConnection.all()
    if not viewer.reads_everything:
        query = query.filter(application__developer_id=viewer.developer_id or -1)
    if flt.statuses is not None:
        query = query.filter(status__in=flt.statuses)
    if flt.application_ids is not None:
        query = query.filter(application_id__in=flt.application_ids)
    if flt.service_version_ids is not None:
        query = query.filter(service_version_id__in=flt.service_version_ids)
    if flt.service_ids is not None:
        query = query.filter(service_version__service_id__in=flt.service_ids)
    if flt.developer_ids is not None:
        query = query.filter(application__developer_id__in=flt.developer_ids)
    path, value = _CONNECTION_KEYS[order]
    return await paginate(
        query.select_related("service_version__service"),
        SortKey(path, value, descending, datetime),
        page,
        max_size=max_page_size,
    )


@dataclass(frozen=True, slots=True)
class DeveloperFilter:
    statuses: list[AccessStatus] | None = None
    ids: list[int] | None = field(default=None)


async def list_developers(
    viewer: Viewer,
    page: PageRequest,
    *,
    max_page_size: int,
    search: str | None = None,
    flt: DeveloperFilter | None = None,
) -> Page[Developer]:
    flt = flt or DeveloperFilter()
    query = Developer.all()
    if not viewer.reads_everything:
        query = query.filter(id=viewer.developer_id or -1)
    term = folded_search(search)
    if term is not None:
        query = query.filter(Q(name_folded__contains=term) | Q(email_folded__contains=term))
    if flt.statuses is not None:
        query = query.filter(status__in=flt.statuses)
    if flt.ids is not None:
        query = query.filter(id__in=flt.ids)
    return await paginate(
        query, SortKey("name_folded", lambda d: d.name_folded), page, max_size=max_page_size
    )


SERVICES_BY_NAME = SortKey("name", lambda s: s.name)


async def list_services(
    page: PageRequest, *, max_page_size: int, search: str | None = None
) -> Page[Service]:
    """The catalogue is public to every signed-in viewer.

    Services have no folded name column, and SQLite's UPPER folds ASCII only; the catalogue
    is small, so a search folds the names in Python, as literal as the other searches.
    """
    term = folded_search(search)
    if term is None:
        return await paginate(Service.all(), SERVICES_BY_NAME, page, max_size=max_page_size)
    rows = await Service.all().order_by("name", "id")
    return paginate_loaded(
        [row for row in rows if term in row.name.casefold()],
        SERVICES_BY_NAME,
        page,
        max_size=max_page_size,
    )
