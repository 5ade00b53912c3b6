"""Fetching rows as a viewer may see them: what a developer may not see does not exist."""

from __future__ import annotations

from app import global_ids
from app.domain.errors import NotFound
from app.domain.viewer import Viewer
from app.models import Application, Credential, Developer, ServiceConnection, ServiceVersion


def missing(type_name: str, number: int, *, field: str) -> NotFound:
    """NOT_FOUND naming the object by its global id, as clients know it (and as queries say
    it): a row number would mean nothing to them and tell them how many rows there are."""
    return NotFound(
        f"No {type_name} with id {global_ids.encode(type_name, number)!r}.", field=field
    )


async def visible_application(
    viewer: Viewer, application_id: int, *, field: str = "applicationId"
) -> Application:
    """The application, or NotFound on `field`, the input that named it."""
    application = await Application.get_or_none(id=application_id)
    if application is None or not viewer.can_see(application.developer_id):
        raise missing("Application", application_id, field=field)
    return application


async def visible_connection(viewer: Viewer, connection_id: int) -> ServiceConnection:
    """The connection with its application, version and service loaded."""
    connection = (
        await ServiceConnection.filter(id=connection_id)
        .select_related("application", "service_version__service")
        .first()
    )
    if connection is None or not viewer.can_see(connection.application.developer_id):
        raise missing("ServiceConnection", connection_id, field="id")
    return connection


async def visible_developer(viewer: Viewer, developer_id: int) -> Developer:
    developer = await Developer.get_or_none(id=developer_id)
    if developer is None or not viewer.can_see(developer.id):
        raise missing("Developer", developer_id, field="developerId")
    return developer


async def existing_version(version_id: int, *, field: str = "serviceVersionId") -> ServiceVersion:
    """Service versions are the portal's public catalogue: every viewer sees them."""
    version = await ServiceVersion.filter(id=version_id).select_related("service").first()
    if version is None:
        raise missing("ServiceVersion", version_id, field=field)
    return version


async def visible_credential(viewer: Viewer, credential_id: int) -> Credential:
    credential = await Credential.filter(id=credential_id).select_related("application").first()
    if credential is None or not viewer.can_see(credential.application.developer_id):
        raise missing("Credential", credential_id, field="id")
    return credential
