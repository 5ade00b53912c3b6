"""A deterministic demo portal: developers, services, applications and connections with histories.

Built from a fixed seed so that every fresh clone shows the same portal; dates are relative
to now so that it looks current. Names exercise search (`es_test`, `100% uptime`, ...).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.models import Model
from tortoise.transactions import in_transaction

from app.domain.clock import utcnow
from app.domain.lifecycle import Action
from app.domain.settings_store import portal_settings
from app.models import (
    AccessStatus,
    ActorKind,
    Application,
    ConnectionEvent,
    Developer,
    ReasonCode,
    Service,
    ServiceConnection,
    ServiceVersion,
)

SEED = 20241003
DEVELOPERS = 40
APPLICATIONS = 300
CONNECTIONS = 1000

SERVICES = [
    ("Payments", "Charge cards, refund and settle payments."),
    ("Orders", "Create and track customer orders."),
    ("Inventory", "Stock levels across warehouses."),
    ("Shipping", "Rates, labels and tracking of parcels."),
    ("Weather", "Forecasts and historical observations."),
    ("Maps", "Geocoding, routing and map tiles."),
    ("Identity", "Sign-in, users and sessions."),
    ("Notifications", "Email, SMS and push messages."),
    ("Search", "Full-text search over the catalogue."),
    ("Analytics", "Events, funnels and reports."),
    ("Billing", "Invoices, plans and subscriptions."),
    ("Catalog", "Products, prices and categories."),
]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Frances",
    "John",
    "Katherine",
    "Dennis",
    "Hedy",
    "Tim",
    "Sophie",
    "Guido",
    "Anita",
    "Bjarne",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Allen",
    "McCarthy",
    "Johnson",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "van Rossum",
    "Borg",
    "Stroustrup",
]
APP_WORDS = [
    "Dashboard",
    "Mobile",
    "Portal",
    "Sync",
    "Tracker",
    "Bot",
    "Console",
    "Widget",
    "Gateway",
    "Reporter",
    "Planner",
    "Monitor",
    "Checkout",
    "Companion",
    "Studio",
]
APP_PREFIX = [
    "Acme",
    "Blue",
    "Nimbus",
    "Orbit",
    "Pixel",
    "Quartz",
    "Rapid",
    "Summit",
    "Tango",
    "Vertex",
    "Zephyr",
    "Atlas",
    "Cobalt",
    "Delta",
    "Ember",
]
# Names that a literal search must treat as plain text (C-13), and one shared by two developers.
SPECIAL_NAMES = ["es_test", "esetest", "100% uptime", "O'Brien app", "über-app", "back\\slash"]
SHARED_NAME = "Weather Dashboard"


@dataclass
class DemoSummary:
    developers: int
    services: int
    versions: int
    applications: int
    connections: int
    events: int


async def portal_is_empty() -> bool:
    return not await Developer.exists() and not await Service.exists()


def reference_id(index: int) -> str:
    """Reference ids that demo gateway consumers carry as custom_id."""
    return f"app-ref-{index:04d}"


def gateway_service_name(service: str, version: int) -> str:
    return f"{service.lower()}-v{version}"


class DemoConflict(Exception):
    """The database already holds rows the demo would create (its services or reference ids)."""


async def _refuse_clashes() -> None:
    """The demo's service names and reference ids are unique columns: loading it over itself
    (or over data that shares them) would fail half-way with an integrity error."""
    services = await Service.filter(name__in=[name for name, _ in SERVICES]).values_list(
        "name", flat=True
    )
    references = await Application.filter(
        reference_id__in=[reference_id(i + 1) for i in range(APPLICATIONS)]
    ).count()
    if services or references:
        raise DemoConflict(
            f"The database already has {len(services)} of the demo's services and "
            f"{references} of its applications; load the demo into an empty database."
        )


async def load_demo() -> DemoSummary:
    """Load the demo portal in one transaction; DemoConflict if it would clash with data."""
    await _refuse_clashes()
    rng = random.Random(SEED)
    now = utcnow().replace(microsecond=0)
    async with in_transaction():
        settings = await portal_settings()
        settings.auto_approve_connections = False
        await settings.save()
        developers = await _developers(rng, now)
        versions = await _services(rng, now)
        applications = await _applications(rng, now, developers)
        connections, events = await _connections(rng, now, applications, versions)
    return DemoSummary(
        developers=len(developers),
        services=len(SERVICES),
        versions=len(versions),
        applications=len(applications),
        connections=connections,
        events=events,
    )


async def _developers(rng: random.Random, now: datetime) -> list[Developer]:
    rows = []
    for i in range(DEVELOPERS):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        # Three developers share one team address, as Konnect allows.
        email = "team@example.com" if i in (5, 6, 7) else f"dev{i + 1:02d}@example.com"
        status = AccessStatus.APPROVED
        if i >= DEVELOPERS - 3:
            status = [AccessStatus.PENDING, AccessStatus.REJECTED, AccessStatus.REVOKED][
                i - (DEVELOPERS - 3)
            ]
        created = now - timedelta(days=400 - i * 5, hours=rng.randint(0, 23))
        rows.append(
            Developer(
                name=name,
                email=email,
                name_folded=name.casefold(),
                email_folded=email.casefold(),
                status=status,
                created_at=created,
                updated_at=created,
            )
        )
    wanted = [row.updated_at for row in rows]  # read before the insert overwrites them
    await Developer.bulk_create(rows)
    stored = list(await Developer.all().order_by("id"))
    await _restore_updated_at(Developer, stored, wanted)
    return stored


async def _services(rng: random.Random, now: datetime) -> list[ServiceVersion]:
    await Service.bulk_create(
        [
            Service(
                name=name,
                description=text,
                created_at=now - timedelta(days=500),
                updated_at=now - timedelta(days=500),
            )
            for name, text in SERVICES
        ]
    )
    services = list(await Service.all().order_by("id"))
    await _restore_updated_at(Service, services, [now - timedelta(days=500)] * len(services))
    versions = []
    for index, service in enumerate(services):
        for number in range(1, 1 + (index % 3) + 1):
            created = now - timedelta(days=450 - number * 60)
            versions.append(
                ServiceVersion(
                    service_id=service.id,
                    version=f"v{number}",
                    gateway_service_name=gateway_service_name(service.name, number),
                    auto_approve=True if (service.name == "Weather" and number == 1) else None,
                    created_at=created,
                    updated_at=created,
                )
            )
    wanted = [row.updated_at for row in versions]
    await ServiceVersion.bulk_create(versions)
    stored = list(await ServiceVersion.all().select_related("service").order_by("id"))
    await _restore_updated_at(ServiceVersion, stored, wanted)
    return stored


async def _applications(
    rng: random.Random, now: datetime, developers: list[Developer]
) -> list[Application]:
    owners = [d for d in developers if d.status is not AccessStatus.PENDING]
    names: set[tuple[int, str]] = set()
    rows = []
    for i in range(APPLICATIONS):
        developer = owners[i % len(owners)]
        if i < len(SPECIAL_NAMES):
            name = SPECIAL_NAMES[i]
        elif i in (10, 11):
            name = SHARED_NAME  # developers 10 and 11 each own one
        else:
            name = f"{rng.choice(APP_PREFIX)} {rng.choice(APP_WORDS)}"
            while (developer.id, name) in names:
                name = f"{name} {rng.randint(2, 99)}"
        names.add((developer.id, name))
        created = max(developer.created_at, now - timedelta(days=365)) + timedelta(
            days=rng.randint(0, 200), minutes=rng.randint(0, 1440)
        )
        # A month old at least, so that its connections' histories fit before now.
        created = min(created, now - timedelta(days=30, minutes=rng.randint(0, 1440)))
        rows.append(
            Application(
                developer_id=developer.id,
                name=name,
                name_folded=name.casefold(),
                reference_id=reference_id(i + 1),
                description=f"{name}: a demo application of {developer.name}.",
                created_at=created,
                updated_at=min(created + timedelta(days=rng.randint(0, 30)), now),
            )
        )
    wanted = [row.updated_at for row in rows]
    await Application.bulk_create(rows)
    stored = list(await Application.all().order_by("id"))
    await _restore_updated_at(Application, stored, wanted)
    return stored


async def _restore_updated_at(
    model: type[Model], stored: Sequence[Model], wanted: Sequence[datetime]
) -> None:
    """Write the demo's own `updated_at` dates back: `auto_now` stamps every inserted row (and
    the instance given) with the load time, and sorting the demo by "updated" would then show
    nothing. `wanted` must be read before the insert."""
    for row, moment in zip(stored, wanted, strict=True):
        await model.filter(id=row.pk).update(updated_at=moment)
        row.updated_at = moment


def _history(rng: random.Random, final: AccessStatus) -> list[Action]:
    """A plausible sequence of actions ending in `final`."""
    if final is AccessStatus.PENDING:
        return [Action.REQUEST]
    if final is AccessStatus.REJECTED:
        return [Action.REQUEST, Action.REJECT]
    if final is AccessStatus.REVOKED:
        return [Action.REQUEST, Action.APPROVE, Action.REVOKE] + (
            [Action.APPROVE, Action.REVOKE] if rng.random() < 0.3 else []
        )
    return [Action.REQUEST, Action.APPROVE] + (
        [Action.REVOKE, Action.APPROVE] if rng.random() < 0.2 else []
    )


_TARGET = {
    Action.REQUEST: AccessStatus.PENDING,
    Action.APPROVE: AccessStatus.APPROVED,
    Action.REJECT: AccessStatus.REJECTED,
    Action.REVOKE: AccessStatus.REVOKED,
}
_REASONS = {
    Action.REJECT: [ReasonCode.INCOMPLETE_REQUEST, ReasonCode.POLICY_VIOLATION, None],
    Action.REVOKE: [ReasonCode.ABUSE, ReasonCode.INACTIVE, ReasonCode.SECURITY_CONCERN, None],
}


async def _connections(
    rng: random.Random,
    now: datetime,
    applications: list[Application],
    versions: list[ServiceVersion],
) -> tuple[int, int]:
    pairs: list[tuple[Application, ServiceVersion, AccessStatus]] = []
    taken: set[tuple[int, int]] = set()
    # Applications 7-9: every connection revoked; 12-13: every connection rejected (C-11).
    special = {
        6: AccessStatus.REVOKED,
        7: AccessStatus.REVOKED,
        8: AccessStatus.REVOKED,
        12: AccessStatus.REJECTED,
        13: AccessStatus.REJECTED,
    }
    weights = (
        [AccessStatus.APPROVED] * 55
        + [AccessStatus.PENDING] * 20
        + [AccessStatus.REVOKED] * 13
        + [AccessStatus.REJECTED] * 12
    )
    index = 0
    while len(pairs) < CONNECTIONS:
        position = index % len(applications)
        index += 1
        application = applications[position]
        version = rng.choice(versions)
        if (application.id, version.id) in taken:
            continue
        taken.add((application.id, version.id))
        pairs.append((application, version, special.get(position, rng.choice(weights))))

    rows = []
    histories = []
    for application, version, status in pairs:
        actions = _history(rng, status)
        start = max(application.created_at, version.created_at) + timedelta(
            hours=rng.randint(1, 24 * 60)
        )
        # Room for the whole history before now, never before the application or version.
        start = min(start, now - timedelta(days=len(actions) * 3))
        start = max(start, application.created_at, version.created_at)
        times = [
            start + timedelta(days=step * 2, hours=rng.randint(0, 20))
            for step in range(len(actions))
        ]
        last_action = actions[-1]
        reason = rng.choice(_REASONS.get(last_action, [None]))
        rows.append(
            ServiceConnection(
                application_id=application.id,
                service_version_id=version.id,
                status=status,
                reason_code=reason,
                note=_note(reason),
                created_at=times[0],
                updated_at=times[-1],
                status_changed_at=times[-1],
            )
        )
        histories.append((application, version, actions, times, reason))
    await ServiceConnection.bulk_create(rows, batch_size=500)
    stored = {(c.application_id, c.service_version_id): c.id for c in await ServiceConnection.all()}
    events = []
    for application, version, actions, times, reason in histories:
        previous: AccessStatus | None = None
        for step, (action, at) in enumerate(zip(actions, times, strict=True)):
            target = _TARGET[action]
            last = step == len(actions) - 1
            events.append(
                ConnectionEvent(
                    connection_id=stored[(application.id, version.id)],
                    application_id=application.id,
                    developer_id=application.developer_id,
                    service_version_id=version.id,
                    application_name=application.name,
                    service_name=version.service.name,
                    service_version_name=version.version,
                    action=action.value,
                    from_status=previous,
                    to_status=target,
                    actor_kind=ActorKind.DEVELOPER if action is Action.REQUEST else ActorKind.ADMIN,
                    actor_id=str(application.developer_id)
                    if action is Action.REQUEST
                    else "demo-admin",
                    reason_code=reason if last and action in _REASONS else None,
                    note=_note(reason) if last and action in _REASONS else None,
                    created_at=at,
                )
            )
            previous = target
    await ConnectionEvent.bulk_create(events, batch_size=500)
    return len(rows), len(events)


def _note(reason: ReasonCode | None) -> str | None:
    return (
        {
            ReasonCode.INCOMPLETE_REQUEST: "Please describe how the application uses the API.",
            ReasonCode.POLICY_VIOLATION: "The use case is not allowed by the terms of service.",
            ReasonCode.ABUSE: "Request volume far above the agreed quota.",
            ReasonCode.INACTIVE: "No traffic for six months.",
            ReasonCode.SECURITY_CONCERN: "Credentials were found in a public repository.",
        }.get(reason)
        if reason
        else None
    )
