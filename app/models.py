"""The tables: developers, services and versions, applications, connections and their history."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

# Tortoise stores each model's docstring as the table's comment, and its SQLite migration
# runner splits statements on ";": model docstrings must not contain a semicolon.


class AccessStatus(StrEnum):
    """Status shared by connections and developers, stored lower-case."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class ReasonCode(StrEnum):
    """Why an admin rejected, revoked or deleted something, shown to the developer."""

    POLICY_VIOLATION = "policy_violation"
    SECURITY_CONCERN = "security_concern"
    ABUSE = "abuse"
    INACTIVE = "inactive"
    DUPLICATE = "duplicate"
    INCOMPLETE_REQUEST = "incomplete_request"
    SERVICE_RETIRED = "service_retired"
    DEVELOPER_REQUEST = "developer_request"
    OTHER = "other"


class ActorKind(StrEnum):
    """Who caused an event."""

    ADMIN = "admin"
    DEVELOPER = "developer"
    SYSTEM = "system"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Developer(Model):
    """A person who owns applications: admins approve their portal access."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=320, db_index=True)
    # casefold()ed copies for literal, case-insensitive search on SQLite and PostgreSQL alike.
    name_folded = fields.CharField(max_length=200)
    email_folded = fields.CharField(max_length=320)
    status = fields.CharEnumField(AccessStatus, max_length=16, default=AccessStatus.APPROVED)
    external_id = fields.CharField(max_length=100, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "developer"
        indexes = [Index(fields=["name_folded", "id"])]


class Service(Model):
    """An API published in the portal."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    description = fields.TextField(default="")
    external_id = fields.CharField(max_length=100, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "service"


class ServiceVersion(Model):
    """A version of a service: applications connect to versions, not to services."""

    id = fields.IntField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "models.Service", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.CharField(max_length=100)
    gateway_service_id = fields.CharField(max_length=100, null=True, db_index=True)
    gateway_service_name = fields.CharField(max_length=200, null=True, db_index=True)
    auto_approve = fields.BooleanField(null=True)
    external_id = fields.CharField(max_length=100, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    service_id: int

    class Meta:
        table = "service_version"
        unique_together = (("service", "version"),)


class Application(Model):
    """A developer's application: it reaches service versions through connections."""

    id = fields.IntField(primary_key=True)
    developer: fields.ForeignKeyRelation[Developer] = fields.ForeignKeyField(
        "models.Developer", related_name="applications", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    # casefold()ed name: case-insensitive search that also folds non-ASCII on SQLite.
    name_folded = fields.CharField(max_length=200, db_index=True)
    reference_id = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    external_id = fields.CharField(max_length=100, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True, db_index=True)

    developer_id: int

    class Meta:
        table = "application"
        unique_together = (("developer", "name"),)
        indexes = [Index(fields=["name_folded", "id"])]


class Credential(Model):
    """A client id and hashed secret of an application: gateway logs name the client id."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="credentials", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    client_id = fields.CharField(max_length=100, unique=True)
    secret_hash = fields.CharField(max_length=200)
    status = fields.CharEnumField(CredentialStatus, max_length=16, default=CredentialStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    application_id: int

    class Meta:
        table = "credential"


class ServiceConnection(Model):
    """An application's registration for a service version, with its current status."""

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="connections", on_delete=fields.CASCADE
    )
    service_version: fields.ForeignKeyRelation[ServiceVersion] = fields.ForeignKeyField(
        "models.ServiceVersion", related_name="connections", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(AccessStatus, max_length=16, db_index=True)
    reason_code = fields.CharEnumField(ReasonCode, max_length=32, null=True)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField()
    status_changed_at = fields.DatetimeField()

    application_id: int
    service_version_id: int

    class Meta:
        table = "service_connection"
        unique_together = (("application", "service_version"),)
        indexes = [Index(fields=["service_version_id", "status"])]


class ConnectionEvent(Model):
    """One change of a connection, kept after the connection, application or version is gone.

    Ids are plain integers, not foreign keys, so that history outlives what it describes,
    the names are copied so that the history still reads well then.
    """

    id = fields.BigIntField(primary_key=True)
    connection_id = fields.IntField(db_index=True)
    application_id = fields.IntField(db_index=True)
    developer_id = fields.IntField(db_index=True)
    service_version_id = fields.IntField(db_index=True)
    application_name = fields.CharField(max_length=200)
    service_name = fields.CharField(max_length=200)
    service_version_name = fields.CharField(max_length=100)
    action = fields.CharField(max_length=16)
    from_status = fields.CharEnumField(AccessStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(AccessStatus, max_length=16, null=True)
    actor_kind = fields.CharEnumField(ActorKind, max_length=16)
    actor_id = fields.CharField(max_length=100, null=True)
    reason_code = fields.CharEnumField(ReasonCode, max_length=32, null=True)
    note = fields.TextField(null=True)
    auto_approved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "connection_event"


class DeveloperEvent(Model):
    """One change of a developer's portal access, kept after the developer is deleted."""

    id = fields.BigIntField(primary_key=True)
    developer_id = fields.IntField(db_index=True)
    developer_name = fields.CharField(max_length=200)
    action = fields.CharField(max_length=16)
    from_status = fields.CharEnumField(AccessStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(AccessStatus, max_length=16, null=True)
    actor_kind = fields.CharEnumField(ActorKind, max_length=16)
    actor_id = fields.CharField(max_length=100, null=True)
    reason_code = fields.CharEnumField(ReasonCode, max_length=32, null=True)
    note = fields.TextField(null=True)
    auto_approved = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "developer_event"


class Role(StrEnum):
    """What a bearer token may do."""

    ADMIN = "admin"
    VIEWER = "viewer"
    DEVELOPER = "developer"
    INGEST = "ingest"


class ApiToken(Model):
    """A bearer token: only its SHA-256 is stored, the token itself is shown once."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=16)
    developer: fields.ForeignKeyNullableRelation[Developer] = fields.ForeignKeyField(
        "models.Developer", related_name="tokens", on_delete=fields.CASCADE, null=True
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    developer_id: int | None

    class Meta:
        table = "api_token"


class PortalSettings(Model):
    """The portal-wide defaults: one row with id 1."""

    id = fields.IntField(primary_key=True)
    auto_approve_connections = fields.BooleanField(default=False)
    auto_approve_developers = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "portal_settings"


HISTOGRAM_COLUMNS = tuple(f"b{i:02d}" for i in range(28))
"""One counter column per latency bucket (app.domain.traffic_math): sums add up in SQL, so an
upsert merges histograms atomically without reading the row first."""


class TrafficRollup(Model):
    """Counters of one (application, service version, period): upserts add to them."""

    id = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name=False, on_delete=fields.CASCADE
    )
    service_version: fields.ForeignKeyRelation[ServiceVersion] = fields.ForeignKeyField(
        "models.ServiceVersion", related_name=False, on_delete=fields.CASCADE
    )
    requests = fields.BigIntField(default=0)
    status_1xx = fields.BigIntField(default=0)
    status_2xx = fields.BigIntField(default=0)
    status_3xx = fields.BigIntField(default=0)
    status_4xx = fields.BigIntField(default=0)
    status_5xx = fields.BigIntField(default=0)
    latency_sum = fields.FloatField(default=0)
    latency_max = fields.FloatField(default=0)
    upstream_latency_sum = fields.FloatField(default=0)
    upstream_latency_count = fields.BigIntField(default=0)
    last_request_ms = fields.BigIntField(default=0)
    # The 28 histogram counters, declared in a loop (the names are HISTOGRAM_COLUMNS).
    for _column in HISTOGRAM_COLUMNS:
        locals()[_column] = fields.BigIntField(default=0)
    del _column

    application_id: int
    service_version_id: int

    class Meta:
        abstract = True


class TrafficHourly(TrafficRollup):
    """Hourly rollup: `hour` counts hours since the Unix epoch (UTC)."""

    hour = fields.IntField()

    class Meta:
        table = "traffic_hourly"
        unique_together = (("application_id", "service_version_id", "hour"),)
        indexes = [
            Index(fields=["application_id", "hour"]),
            Index(fields=["service_version_id", "hour"]),
        ]


class TrafficDaily(TrafficRollup):
    """Daily rollup beside the hourly one, so 30- and 90-day summaries read few rows: `day`
    counts days since the Unix epoch (UTC)."""

    day = fields.IntField()

    class Meta:
        table = "traffic_daily"
        unique_together = (("application_id", "service_version_id", "day"),)
        indexes = [
            Index(fields=["application_id", "day"]),
            Index(fields=["service_version_id", "day"]),
        ]


class UnattributedTraffic(Model):
    """Log entries that matched no application or no service version, counted by reason, so an
    operator sees what the mapping misses instead of losing them in silence."""

    id = fields.BigIntField(primary_key=True)
    reason = fields.CharField(max_length=32)
    consumer = fields.CharField(max_length=200, default="")
    service = fields.CharField(max_length=200, default="")
    hour = fields.IntField()
    requests = fields.BigIntField(default=0)
    last_request_ms = fields.BigIntField(default=0)

    class Meta:
        table = "traffic_unattributed"
        unique_together = (("reason", "consumer", "service", "hour"),)
        indexes = [Index(fields=["hour"])]
