"""Use-cases of application credentials: a client id for the gateway and a secret shown once."""

from __future__ import annotations

import secrets

from tortoise.exceptions import IntegrityError

from app.domain import lifecycle
from app.domain.errors import Forbidden
from app.domain.events import bus
from app.domain.scope import missing, visible_application, visible_credential
from app.domain.secrets_hash import digest, new_secret
from app.domain.validation import CLIENT_ID_PREFIX, clean_name
from app.domain.viewer import Viewer
from app.models import Application, Credential, CredentialStatus


def _may_manage(viewer: Viewer, developer_id: int) -> bool:
    """Admins, and the owner while their portal access is approved (FORBIDDEN otherwise)."""
    if viewer.is_admin:
        return True
    if not viewer.owns(developer_id):
        return False
    lifecycle.require_active(viewer)
    return True


async def create_credential(
    viewer: Viewer, application_id: int, name: str
) -> tuple[Credential, str]:
    """The new credential and its secret; only the secret's digest is kept."""
    application = await visible_application(viewer, application_id)
    if not _may_manage(viewer, application.developer_id):
        raise Forbidden("Only the developer or an admin may create credentials.")
    name = clean_name(name)
    secret = new_secret("dps_")
    try:
        credential = await Credential.create(
            application_id=application.id,
            name=name,
            client_id=f"{CLIENT_ID_PREFIX}{secrets.token_hex(12)}",
            secret_hash=digest(secret),
        )
    except IntegrityError as exc:
        # Deleted since we read it (a concurrent deleteApplication): the foreign key refused
        # the row. Anything else is not the client's doing.
        if await Application.filter(id=application.id).exists():
            raise
        raise missing("Application", application_id, field="applicationId") from exc
    await bus.announce("catalog")
    return credential, secret


async def revoke_credential(viewer: Viewer, credential_id: int) -> tuple[Credential, bool]:
    credential = await visible_credential(viewer, credential_id)
    if not _may_manage(viewer, credential.application.developer_id):
        raise Forbidden("Only the developer or an admin may revoke credentials.")
    if credential.status is CredentialStatus.REVOKED:
        return credential, False
    rows = await Credential.filter(id=credential.id, status=CredentialStatus.ACTIVE).update(
        status=CredentialStatus.REVOKED
    )
    credential.status = CredentialStatus.REVOKED
    await bus.announce("catalog")
    return credential, rows == 1


async def delete_credential(viewer: Viewer, credential_id: int) -> int:
    credential = await visible_credential(viewer, credential_id)
    if not _may_manage(viewer, credential.application.developer_id):
        raise Forbidden("Only the developer or an admin may delete credentials.")
    if not await Credential.filter(id=credential.id).delete():
        raise missing("Credential", credential_id, field="id")  # deleted meanwhile
    await bus.announce("catalog")
    return credential.id
