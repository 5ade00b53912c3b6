"""Global ids in arguments: decoded and checked for the type they must name."""

from __future__ import annotations

from collections.abc import Sequence

from app import global_ids
from app.domain.errors import ValidationFailed
from app.domain.validation import shown


def article(type_name: str) -> str:
    """The type name with its indefinite article: "an Application", "a Service"."""
    return f"{'an' if type_name[:1].upper() in 'AEIOU' else 'a'} {type_name}"


def not_a_valid_id(value: str, field: str) -> ValidationFailed:
    return ValidationFailed(f"{shown(value)} is not a valid id.", field=field)


def wrong_type(value: str, actual: str, expected: str, field: str) -> ValidationFailed:
    return ValidationFailed(
        f"{shown(value)} is the id of {article(actual)}, not of {article(expected)}.",
        field=field,
    )


def decode_id(value: str, type_name: str, field: str) -> int:
    """The row number of a global id of `type_name`; VALIDATION when it is not one."""
    decoded = global_ids.decode(value)
    if decoded is None:
        raise not_a_valid_id(value, field)
    if decoded[0] != type_name:
        raise wrong_type(value, decoded[0], type_name, field)
    return decoded[1]


def decode_ids(values: Sequence[str] | None, type_name: str, field: str) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(value, type_name, field) for value in values]
