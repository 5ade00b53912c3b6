"""Global ids in arguments: decoded and checked for the type they must name."""

from __future__ import annotations

from collections.abc import Sequence

from app import global_ids
from app.domain.errors import ValidationFailed


def decode_id(value: str, type_name: str, field: str) -> int:
    """The row number of a global id of `type_name`; VALIDATION when it is not one."""
    decoded = global_ids.decode(value)
    if decoded is None:
        raise ValidationFailed(f"{value!r} is not a valid id.", field=field)
    if decoded[0] != type_name:
        raise ValidationFailed(
            f"{value!r} is the id of a {decoded[0]}, not of a {type_name}.", field=field
        )
    return decoded[1]


def decode_ids(values: Sequence[str] | None, type_name: str, field: str) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(value, type_name, field) for value in values]
