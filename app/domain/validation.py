"""Checks of user input shared by the use-cases."""

from __future__ import annotations

from app.domain.errors import ValidationFailed

MAX_NOTE_LENGTH = 1_000
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5_000
MAX_REFERENCE_LENGTH = 100  # application.reference_id's column
ECHO_LENGTH = 60
CLIENT_ID_PREFIX = "dpc_"
"""Every credential's client id starts with this; no reference id may, so that gateway logs,
which name either, can never mistake one application's credential for another application."""


def shown(text: str, limit: int = ECHO_LENGTH) -> str:
    """User input as a message quotes it: as a Python literal (blanks, control characters and
    lone surrogates stay visible and the message stays valid JSON) and cut to `limit`
    characters, so that a megabyte sent as an id or a name is not sent back whole."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def is_storable(text: str) -> bool:
    """Whether every database column can hold the text: PostgreSQL refuses NUL characters, and
    no driver encodes a lone surrogate (JSON variables may carry both: "\\u0000", "\\ud800")."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str, field: str) -> str:
    """The text, or VALIDATION when no database column can hold it, so that it never reaches
    a driver as a server error."""
    if not is_storable(text):
        raise ValidationFailed(
            f"`{field}` holds a NUL character or broken Unicode (a lone surrogate).", field=field
        )
    return text


def clean_note(note: str | None) -> str | None:
    """The note without surrounding blanks (counted after trimming, as it is stored), or None."""
    if note is None:
        return None
    cleaned = storable(note, "note").strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            f"The note is {len(cleaned)} characters long; at most {MAX_NOTE_LENGTH} are allowed.",
            field="note",
        )
    return cleaned or None


def clean_name(
    name: str, *, field: str = "name", max_length: int = MAX_NAME_LENGTH, label: str = "name"
) -> str:
    """The name with blanks collapsed; `label` is what the messages call it ("version label")."""
    cleaned = " ".join(storable(name, field).split())
    if not cleaned:
        raise ValidationFailed(f"The {label} must not be empty.", field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            f"The {label} is {len(cleaned)} characters long; at most {max_length} are allowed.",
            field=field,
        )
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailed(f"The {label} must not contain control characters.", field=field)
    return cleaned


def clean_reference(reference: str) -> str:
    """An application's reference id (its gateway consumer's custom_id) as stored, trimmed.

    It must not look like a client id: gateway entries are matched against reference ids
    first, so a reference id equal to another application's client id would take over that
    application's traffic. (Equality with an existing client id is checked by the caller,
    which has the database.)
    """
    cleaned = storable(reference, "referenceId").strip()
    if not cleaned:
        raise ValidationFailed("The reference id must not be empty.", field="referenceId")
    if len(cleaned) > MAX_REFERENCE_LENGTH:
        raise ValidationFailed(
            f"The reference id is {len(cleaned)} characters long; at most "
            f"{MAX_REFERENCE_LENGTH} are allowed.",
            field="referenceId",
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise ValidationFailed(
            "The reference id must not contain control characters.", field="referenceId"
        )
    if cleaned.casefold().startswith(CLIENT_ID_PREFIX):
        raise ValidationFailed(
            f"A reference id must not start with {CLIENT_ID_PREFIX!r}, the prefix of "
            "credentials' client ids.",
            field="referenceId",
        )
    return cleaned


def clean_description(description: str | None) -> str:
    if description is None:
        return ""
    storable(description, "description")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"The description is {len(description)} characters long; "
            f"at most {MAX_DESCRIPTION_LENGTH} are allowed.",
            field="description",
        )
    return description.strip()


def clean_email(email: str) -> str:
    cleaned = storable(email, "email").strip()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in cleaned) or len(cleaned) > 320:
        raise ValidationFailed(f"{shown(email)} is not an email address.", field="email")
    return cleaned
