"""The one place that knows the lifecycle: statuses, actions, transitions and who may act.

Connections and developers' portal access follow the same table (design.md §2); every other
layer asks this module instead of encoding a transition itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import Forbidden, InvalidTransition
from app.domain.viewer import Viewer
from app.models import AccessStatus


class Action(StrEnum):
    REQUEST = "request"
    APPROVE = "approve"
    REJECT = "reject"
    REVOKE = "revoke"
    DELETE = "delete"


ALL_STATUSES = frozenset(AccessStatus)

# action -> (statuses it may start from, status it leads to; None = the row is gone)
TRANSITIONS: dict[Action, tuple[frozenset[AccessStatus], AccessStatus | None]] = {
    Action.APPROVE: (
        frozenset({AccessStatus.PENDING, AccessStatus.REVOKED}),
        AccessStatus.APPROVED,
    ),
    Action.REJECT: (frozenset({AccessStatus.PENDING}), AccessStatus.REJECTED),
    Action.REVOKE: (frozenset({AccessStatus.APPROVED}), AccessStatus.REVOKED),
    Action.DELETE: (ALL_STATUSES, None),
}

STATUS_ACTIONS = (Action.APPROVE, Action.REJECT, Action.REVOKE, Action.DELETE)


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    from_status: AccessStatus
    to_status: AccessStatus | None
    changed: bool


def allowed_actions(status: AccessStatus) -> list[Action]:
    """Actions that would change a connection in this status, in table order."""
    return [action for action in STATUS_ACTIONS if status in TRANSITIONS[action][0]]


def plan(action: Action, current: AccessStatus, subject: str = "connection") -> Transition:
    """The transition `action` makes from `current`, or InvalidTransition.

    An action whose target status is already current is a no-op (`changed=False`), so that
    scripts may retry safely. `subject` names what changes, for the message.
    """
    sources, target = TRANSITIONS[action]
    if target is not None and current == target:
        return Transition(action, current, target, changed=False)
    if current in sources:
        return Transition(action, current, target, changed=True)
    status = current.value.upper()
    allowed = ", ".join(a.value.upper() for a in allowed_actions(current)) or "none"
    raise InvalidTransition(
        f"Cannot {action.value} a {subject} that is {status}; the actions allowed from "
        f"{status} are: {allowed}.",
        field="id",
    )


def suspension_message(status: AccessStatus | None) -> str:
    """Why a developer whose portal access is `status` (not approved) may change nothing."""
    word = status.value if status is not None else "not approved"
    when = "again" if status is AccessStatus.REVOKED else "first"
    return f"Your portal access is {word}; an admin must approve it {when}."


def require_active(viewer: Viewer) -> None:
    """FORBIDDEN for a developer whose portal access is pending, rejected or revoked.

    The one rule for every write a developer makes (applications, credentials, connections):
    such a developer's token still reads their own data, so that they can see why, but a
    revoked developer who could go on creating credentials or applications would not be
    revoked at all. Admins, viewers and approved developers pass.
    """
    if viewer.suspended:
        raise Forbidden(suspension_message(viewer.developer_status))


# Actions that make a connection live: only for an approved developer's applications.
GRANTING = frozenset({Action.REQUEST, Action.APPROVE})


def may_act(
    viewer: Viewer,
    action: Action,
    owner_developer_id: int,
    owner_status: AccessStatus = AccessStatus.APPROVED,
) -> bool:
    """Whether the viewer may take `action` on a connection of this owner, whose portal access
    is `owner_status`.

    Admins do everything, except granting access (request, approve) to a developer who is not
    approved; a developer requests and deletes for their own applications only, and only while
    approved; viewers and gateways change nothing.
    """
    if action in GRANTING and owner_status is not AccessStatus.APPROVED:
        return False
    if viewer.is_admin:
        return True
    if viewer.owns(owner_developer_id) and not viewer.suspended:
        return action in (Action.REQUEST, Action.DELETE)
    return False


def available_actions(
    status: AccessStatus,
    viewer: Viewer,
    owner_developer_id: int,
    owner_status: AccessStatus = AccessStatus.APPROVED,
) -> list[Action]:
    """What the viewer's context menu offers for a connection in this status."""
    return [
        action
        for action in allowed_actions(status)
        if may_act(viewer, action, owner_developer_id, owner_status)
    ]


def may_manage_developers(viewer: Viewer) -> bool:
    """Developers' portal access is an admin's business only."""
    return viewer.is_admin
