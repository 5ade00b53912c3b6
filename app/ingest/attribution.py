"""Which application and service version a log entry belongs to.

An entry's consumer (custom_id, username, id, or authenticated_entity.id) is matched against
applications' reference ids and credentials' client ids; its gateway service (id or name)
against the gateway service of each service version. What matches nothing is unattributed,
with a reason, never dropped in silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ingest.kong import LogEntry
from app.models import Application, Credential, ServiceVersion

ANONYMOUS = "anonymous"
UNKNOWN_CONSUMER = "unknown_consumer"
NO_SERVICE = "no_service"
UNKNOWN_SERVICE = "unknown_service"
REASONS = (ANONYMOUS, UNKNOWN_CONSUMER, NO_SERVICE, UNKNOWN_SERVICE)


@dataclass(frozen=True, slots=True)
class Match:
    application_id: int
    version_id: int
    credential_id: int | None


@dataclass(frozen=True, slots=True)
class Miss:
    reason: str
    consumer: str
    service: str


@dataclass
class AttributionIndex:
    applications: dict[str, int]
    credentials: dict[str, tuple[int, int]]  # client id -> (credential id, application id)
    versions: dict[str, int]

    @classmethod
    async def load(cls) -> AttributionIndex:
        applications = {
            reference: app_id
            for reference, app_id in await Application.all().values_list("reference_id", "id")
        }
        credentials = {
            client_id: (credential_id, app_id)
            for client_id, credential_id, app_id in await Credential.filter(
                status="active"
            ).values_list("client_id", "id", "application_id")
        }
        rows = await ServiceVersion.all().values_list(
            "id", "gateway_service_id", "gateway_service_name"
        )
        versions: dict[str, int] = {}
        # Ids are unique per gateway while names may be reused: an id wins over a name.
        for version_id, _, gateway_name in rows:
            if gateway_name:
                versions.setdefault(gateway_name, version_id)
        for version_id, gateway_id, _ in rows:
            if gateway_id:
                versions[gateway_id] = version_id
        return cls(applications, credentials, versions)

    def classify(self, entry: LogEntry) -> Match | Miss:
        application_id = None
        credential_id = None
        for key in entry.consumer_keys:
            application_id = self.applications.get(key)
            if application_id is not None:
                break
            credential = self.credentials.get(key)
            if credential is not None:
                credential_id, application_id = credential
                break
        version_id = None
        for key in entry.service_keys:
            version_id = self.versions.get(key)
            if version_id is not None:
                break
        if application_id is not None and version_id is not None:
            return Match(application_id, version_id, credential_id)
        consumer = entry.consumer_keys[0] if entry.consumer_keys else ""
        service = entry.service_keys[-1] if entry.service_keys else ""
        if not entry.consumer_keys:
            reason = ANONYMOUS
        elif application_id is None:
            reason = UNKNOWN_CONSUMER
        elif not entry.service_keys:
            reason = NO_SERVICE
        else:
            reason = UNKNOWN_SERVICE
        return Miss(reason, consumer, service)
