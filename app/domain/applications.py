"""Use-cases of applications: create, edit and delete (editing never touches a connection)."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.domain import lifecycle
from app.domain.cascade import lock_rows, record_cascaded_deletes
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.events import bus
from app.domain.scope import missing, visible_application, visible_developer
from app.domain.validation import clean_description, clean_name, clean_reference, shown
from app.domain.viewer import Viewer
from app.models import Application, Credential, ReasonCode, Role


def _may_edit(viewer: Viewer, developer_id: int) -> bool:
    """Admins, and the owner while their portal access is approved (FORBIDDEN otherwise)."""
    if viewer.is_admin:
        return True
    if not viewer.owns(developer_id):
        return False
    lifecycle.require_active(viewer)
    return True


async def _refuse_taken_name(developer_id: int, name: str, *, except_id: int | None = None) -> None:
    clash = Application.filter(developer_id=developer_id, name=name)
    if except_id is not None:
        clash = clash.exclude(id=except_id)
    if await clash.exists():
        raise ValidationFailed(
            f"The developer already has an application named {shown(name)}.", field="name"
        )


async def create_application(
    viewer: Viewer,
    *,
    name: str,
    developer_id: int | None = None,
    description: str | None = None,
    reference_id: str | None = None,
) -> Application:
    """A developer creates for themselves; an admin names the developer.

    Only an admin chooses a reference id: gateway entries are attributed by it, so whoever
    picks it picks which traffic the application is credited with. Developers get a made-up
    one (a UUID), which also keeps other tenants' reference ids from being probed through
    "is taken" answers.
    """
    if not (viewer.is_admin or viewer.role is Role.DEVELOPER):
        # Before any check of the input: a viewer is refused whatever it sends.
        raise Forbidden("Only a developer or an admin may create applications.")
    lifecycle.require_active(viewer)
    if developer_id is None:
        if viewer.developer_id is None:
            raise ValidationFailed("Say which developer owns the application.", field="developerId")
        developer_id = viewer.developer_id
    developer = await visible_developer(viewer, developer_id)
    if not _may_edit(viewer, developer.id):
        raise Forbidden("Only the developer or an admin may create their applications.")
    chosen = reference_id is not None and reference_id.strip() != ""
    if chosen and not viewer.is_admin:
        raise Forbidden(
            "Only an admin may choose a reference id; leave `referenceId` out and one is made up.",
            field="referenceId",
        )
    name = clean_name(name)
    reference = clean_reference(reference_id) if reference_id and chosen else str(uuid.uuid4())
    await _refuse_taken_name(developer.id, name)
    if await Application.filter(reference_id=reference).exists():
        raise ValidationFailed(f"Reference id {shown(reference)} is taken.", field="referenceId")
    if chosen and await Credential.filter(client_id=reference).exists():
        raise ValidationFailed(
            f"Reference id {shown(reference)} is a credential's client id; gateway traffic "
            "would be credited to the wrong application.",
            field="referenceId",
        )
    try:
        application = await Application.create(
            developer_id=developer.id,
            name=name,
            name_folded=name.casefold(),
            description=clean_description(description),
            reference_id=reference,
        )
    except IntegrityError as exc:  # a concurrent create took the name or reference first
        raise ValidationFailed(
            "An application with this name or reference id was just created.", field="name"
        ) from exc
    await bus.announce("catalog")
    return application


async def update_application(
    viewer: Viewer,
    application_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
) -> tuple[Application, bool]:
    application = await visible_application(viewer, application_id, field="id")
    if not _may_edit(viewer, application.developer_id):
        raise Forbidden("Only the developer or an admin may edit this application.")
    changes: dict[str, str] = {}
    if name is not None:
        cleaned = clean_name(name)
        if cleaned != application.name:
            await _refuse_taken_name(application.developer_id, cleaned, except_id=application.id)
            changes["name"] = cleaned
            changes["name_folded"] = cleaned.casefold()
    if description is not None:
        cleaned_description = clean_description(description)
        if cleaned_description != application.description:
            changes["description"] = cleaned_description
    if not changes:
        return application, False
    application.update_from_dict(changes)
    try:
        await application.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as exc:
        raise ValidationFailed("Another application just took this name.", field="name") from exc
    await bus.announce("catalog")
    return application, True


async def delete_application(viewer: Viewer, application_id: int) -> int:
    """Delete the application with its connections and credentials; their history stays."""
    application = await visible_application(viewer, application_id, field="id")
    if not _may_edit(viewer, application.developer_id):
        raise Forbidden("Only the developer or an admin may delete this application.")
    async with in_transaction():
        if not await lock_rows(Application.filter(id=application.id)):
            # Deleted since we read it: its delete events are written already, by that delete.
            raise missing("Application", application_id, field="id")
        events = await record_cascaded_deletes(
            viewer,
            "The application was deleted.",
            ReasonCode.DEVELOPER_REQUEST if viewer.owns(application.developer_id) else None,
            application_id=application.id,
        )
        await Application.filter(id=application.id).delete()
    await bus.announce("connection", tuple(event.id for event in events))
    await bus.announce("catalog")
    return application.id
