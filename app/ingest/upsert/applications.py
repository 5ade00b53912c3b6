"""Applications for imports, keyed by the source's id, then by reference id.

The portal keeps application names unique per developer; a source may not (the reconstructed
Konnect export has a per-developer duplicate). Rather than drop a valid application, the later
one gets a suffix made from its own source id: "App 1 (b15e2460)". The suffix depends only on
the row itself, so a second run computes the same name and changes nothing; the rename is
reported on every run, because the source still has the clash.
"""

from __future__ import annotations

from app.domain.validation import MAX_NAME_LENGTH, clean_description, clean_name
from app.ingest.imports import ItemLog, Outcome, SkipItem, fits, source_id
from app.ingest.upsert.rows import Stamp, create_row, update_row
from app.models import Application, Developer

APPLICATIONS = "applications"


async def upsert_application(
    log: ItemLog,
    where: str,
    *,
    external_id: str,
    developer: Developer,
    name: str,
    description: str | None,
    reference_id: str | None,
    stamp: Stamp,
) -> Application:
    """The application as the source describes it: created, or updated to match."""
    reference = _clean_reference(reference_id or external_id)
    application = await _find(external_id, reference)
    name = await _free_name(log, where, developer, clean_name(name), external_id, application)
    wanted: dict[str, object] = {
        "developer_id": developer.id,
        "name": name,
        "name_folded": name.casefold(),
        "description": clean_description(description),
        "reference_id": reference,
        "external_id": external_id,
    }
    if application is None:
        return await _create(log, stamp, wanted)
    if stamp.created_at is not None:
        wanted["created_at"] = stamp.created_at
    changes = {k: v for k, v in wanted.items() if getattr(application, k) != v}
    if not changes:
        log.count(APPLICATIONS, application.id, Outcome.UNCHANGED)
        return application
    if "reference_id" in changes:
        await _refuse_taken_reference(reference)
    await update_row(application, stamp, changes)
    log.count(APPLICATIONS, application.id, Outcome.UPDATED)
    log.note(where, f"application {name!r}: {', '.join(sorted(changes))} updated")
    return application


async def application_from_reference(
    log: ItemLog,
    where: str,
    *,
    external_id: str,
    name: str | None,
    developer: Developer,
    stamp: Stamp,
) -> Application:
    """The application an item names: found, or created from the reference.

    A reference carries no reference id: the source id stands in, which is what a Kong
    consumer's custom_id holds for these applications.
    """
    application = await _find(external_id, None)
    if application is not None:
        if name and clean_name(name) != application.name:
            log.warn(
                where, f"application {external_id} is {application.name!r}, named {name!r} here"
            )
        if application.developer_id != developer.id:
            log.warn(
                where,
                f"application {application.name!r} belongs to another developer than "
                f"{developer.name!r} named here; kept its owner",
            )
        log.count(APPLICATIONS, application.id, Outcome.UNCHANGED)
        return application
    if not name:
        raise SkipItem(f"application {external_id} is not in the portal and has no name here")
    clean = await _free_name(log, where, developer, clean_name(name), external_id, None)
    log.note(where, "application created from this reference")
    return await _create(
        log,
        stamp,
        {
            "developer_id": developer.id,
            "name": clean,
            "name_folded": clean.casefold(),
            "description": "",
            "reference_id": _clean_reference(external_id),
            "external_id": external_id,
        },
    )


async def _create(log: ItemLog, stamp: Stamp, values: dict[str, object]) -> Application:
    await _refuse_taken_reference(str(values["reference_id"]))
    application = await create_row(Application, stamp, **values)
    log.count(APPLICATIONS, application.id, Outcome.CREATED)
    return application


async def _refuse_taken_reference(reference: str) -> None:
    clash = await Application.get_or_none(reference_id=reference)
    if clash is not None:
        raise SkipItem(f"reference id {reference} belongs to application {clash.name!r}")


async def _find(external_id: str, reference: str | None) -> Application | None:
    source_id(external_id, "the application's id")
    application = await Application.get_or_none(external_id=external_id)
    if application is None and reference is not None:
        # Made by hand or by an earlier format with this reference id: adopt it.
        application = await Application.get_or_none(reference_id=reference, external_id=None)
    return application


def _clean_reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or not fits(cleaned):
        shown = cleaned if len(cleaned) <= 60 else f"{cleaned[:59]}…"
        raise SkipItem(
            f"reference id {shown!r} is empty, over 100 characters or holds a NUL character"
        )
    return cleaned


async def _free_name(
    log: ItemLog,
    where: str,
    developer: Developer,
    name: str,
    external_id: str,
    application: Application | None,
) -> str:
    """`name`, or `name (<id>)` when another application of the developer has it."""
    suffixes = [f" ({external_id.split('-', 1)[0]})", f" ({external_id})"]
    for candidate in [name, *(name[: MAX_NAME_LENGTH - len(s)] + s for s in suffixes)]:
        clash = Application.filter(developer_id=developer.id, name=candidate)
        if application is not None:
            clash = clash.exclude(id=application.id)
        if not await clash.exists():
            if candidate != name:
                log.warn(
                    where,
                    f"developer {developer.name!r} already has an application named {name!r}; "
                    f"application {external_id} is imported as {candidate!r}",
                )
            return candidate
    raise SkipItem(f"developer {developer.name!r} already has applications named {name!r}")
