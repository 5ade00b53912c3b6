"""Checks of user input shared by the use-cases."""

from __future__ import annotations

from app.domain.errors import ValidationFailed

MAX_NOTE_LENGTH = 1_000
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5_000


def clean_note(note: str | None) -> str | None:
    """The note without surrounding blanks (counted after trimming, as it is stored), or None."""
    if note is None:
        return None
    cleaned = note.strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            f"The note is {len(cleaned)} characters long; at most {MAX_NOTE_LENGTH} are allowed.",
            field="note",
        )
    return cleaned or None


def clean_name(name: str, *, field: str = "name", max_length: int = MAX_NAME_LENGTH) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed("The name must not be empty.", field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            f"The name is {len(cleaned)} characters long; at most {max_length} are allowed.",
            field=field,
        )
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailed("The name must not contain control characters.", field=field)
    return cleaned


def clean_description(description: str | None) -> str:
    if description is None:
        return ""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"The description is {len(description)} characters long; "
            f"at most {MAX_DESCRIPTION_LENGTH} are allowed.",
            field="description",
        )
    return description.strip()


def clean_email(email: str) -> str:
    cleaned = email.strip()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in cleaned) or len(cleaned) > 320:
        raise ValidationFailed(f"{email!r} is not an email address.", field="email")
    return cleaned
