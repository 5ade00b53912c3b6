"""Developers for imports, keyed by the source's id only.

Emails are not unique here (Konnect lets several developers share one), so an email never
merges two people. A status change or a new developer records a developer event by `system`.
"""

from __future__ import annotations

from app.domain.history import record_developer_event
from app.domain.lifecycle import Action
from app.domain.validation import clean_email, clean_name
from app.ingest.imports import ItemLog, Outcome, SkipItem, source_id
from app.ingest.upsert.rows import ACTION_TO, IMPORTER, Stamp, create_row, update_row
from app.models import AccessStatus, Developer

DEVELOPERS = "developers"


async def upsert_developer(
    log: ItemLog,
    where: str,
    *,
    external_id: str,
    name: str,
    email: str,
    status: AccessStatus,
    stamp: Stamp,
    origin: str,
) -> Developer:
    """The developer as the source describes them: created, or updated to match."""
    name, email = clean_name(name), clean_email(email)
    source_id(external_id, "the developer's id")
    developer = await Developer.get_or_none(external_id=external_id)
    if developer is None:
        return await _create(log, external_id, name, email, status, stamp, origin)
    wanted: dict[str, object] = {
        "name": name,
        "name_folded": name.casefold(),
        "email": email,
        "email_folded": email.casefold(),
        "status": status,
    }
    if stamp.created_at is not None:
        wanted["created_at"] = stamp.created_at
    changes = {k: v for k, v in wanted.items() if getattr(developer, k) != v}
    if not changes:
        log.count(DEVELOPERS, developer.id, Outcome.UNCHANGED)
        return developer
    before = developer.status
    await update_row(developer, stamp, changes)
    log.count(DEVELOPERS, developer.id, Outcome.UPDATED)
    log.note(where, f"developer {name!r}: {', '.join(sorted(changes))} updated")
    if before is not status:
        event = await record_developer_event(
            developer,
            action=ACTION_TO[status],
            from_status=before,
            to_status=status,
            viewer=IMPORTER,
            note=f"imported from {origin}",
        )
        log.developer_events.append(event.id)
    return developer


async def developer_from_reference(
    log: ItemLog,
    where: str,
    *,
    external_id: str,
    name: str | None,
    email: str | None,
    stamp: Stamp,
    origin: str,
) -> Developer:
    """The developer an item names: found, or created from the reference if it has an email."""
    source_id(external_id, "the developer's id")
    developer = await Developer.get_or_none(external_id=external_id)
    if developer is not None:
        if name and clean_name(name) != developer.name:
            log.warn(where, f"developer {external_id} is {developer.name!r}, named {name!r} here")
        log.count(DEVELOPERS, developer.id, Outcome.UNCHANGED)
        return developer
    if not email:
        raise SkipItem(
            f"developer {external_id} is not in the portal and the item gives no email to "
            "create them with; import the developers page first"
        )
    email = clean_email(email)
    # Only approved developers register applications: the best guess of a status.
    log.note(where, "developer created from this reference as approved")
    return await _create(
        log, external_id, clean_name(name or email), email, AccessStatus.APPROVED, stamp, origin
    )


async def _create(
    log: ItemLog,
    external_id: str,
    name: str,
    email: str,
    status: AccessStatus,
    stamp: Stamp,
    origin: str,
) -> Developer:
    developer = await create_row(
        Developer,
        stamp,
        name=name,
        name_folded=name.casefold(),
        email=email,
        email_folded=email.casefold(),
        status=status,
        external_id=external_id,
    )
    event = await record_developer_event(
        developer,
        action=Action.REQUEST,
        from_status=None,
        to_status=status,
        viewer=IMPORTER,
        note=f"imported from {origin}",
    )
    log.developer_events.append(event.id)
    log.count(DEVELOPERS, developer.id, Outcome.CREATED)
    return developer
