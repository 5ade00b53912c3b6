"""Use-cases of application credentials: a client id for the gateway and a secret shown once."""

from __future__ import annotations

import secrets

from app.domain.errors import Forbidden, NotFound
from app.domain.events import bus
from app.domain.scope import visible_application, visible_credential
from app.domain.secrets_hash import digest, new_secret
from app.domain.validation import clean_name
from app.domain.viewer import Viewer
from app.models import Credential, CredentialStatus


def _may_manage(viewer: Viewer, developer_id: int) -> bool:
    return viewer.is_admin or viewer.owns(developer_id)


async def create_credential(
    viewer: Viewer, application_id: int, name: str
) -> tuple[Credential, str]:
    """The new credential and its secret; only the secret's digest is kept."""
    application = await visible_application(viewer, application_id)
    if not _may_manage(viewer, application.developer_id):
        raise Forbidden("Only the developer or an admin may create credentials.")
    secret = new_secret("dps_")
    credential = await Credential.create(
        application_id=application.id,
        name=clean_name(name),
        client_id=f"dpc_{secrets.token_hex(12)}",
        secret_hash=digest(secret),
    )
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
        raise NotFound(f"No credential with id {credential_id}.", field="id")  # deleted meanwhile
    await bus.announce("catalog")
    return credential.id
