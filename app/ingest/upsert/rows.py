"""What every import upsert shares: the source's times, the importing actor, saving a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from tortoise.models import Model

from app.domain.clock import utcnow
from app.domain.lifecycle import Action
from app.domain.viewer import Viewer
from app.models import AccessStatus, Role

RowT = TypeVar("RowT", bound=Model)

IMPORTER = Viewer(role=Role.INGEST)
"""The actor of imported changes: a role without a person, so history says `system`."""

ACTION_TO = {
    AccessStatus.PENDING: Action.REQUEST,
    AccessStatus.APPROVED: Action.APPROVE,
    AccessStatus.REJECTED: Action.REJECT,
    AccessStatus.REVOKED: Action.REVOKE,
}
"""The action whose target is each status: what an imported status change is recorded as."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """The source's own times of a row; None where the source has none."""

    created_at: datetime | None = None
    updated_at: datetime | None = None


async def create_row(model: type[RowT], stamp: Stamp, **values: Any) -> RowT:
    """Create a row that keeps the source's `created_at` and `updated_at`."""
    if stamp.created_at is not None:
        values["created_at"] = stamp.created_at
    row = await model.create(**values)
    # An auto_now `updated_at` is overridden by save(): only a query-level update sets it.
    moment = stamp.updated_at or stamp.created_at
    if moment is not None and "updated_at" not in values:
        await model.filter(pk=row.pk).update(updated_at=moment)
        row.updated_at = moment
    return row


async def update_row(row: Model, stamp: Stamp, changes: dict[str, object]) -> None:
    """Save `changes`; `updated_at` becomes the source's, or now when it has none."""
    moment = stamp.updated_at or utcnow()
    await type(row).filter(pk=row.pk).update(**changes, updated_at=moment)
    row.update_from_dict({**changes, "updated_at": moment})
