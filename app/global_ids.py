"""Relay global ids: base64 of "Type:number", opaque to clients and typed for the server."""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache


def _is_decimal(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts "²" or "٣", which `int` then refuses."""
    return text.isascii() and text.isdigit()


@lru_cache(maxsize=200_000)
def encode(type_name: str, number: int) -> str:
    """Cached: a page encodes a thousand ids, mostly the same ones as the last page."""
    return base64.urlsafe_b64encode(f"{type_name}:{number}".encode()).decode().rstrip("=")


def decode(global_id: str) -> tuple[str, int] | None:
    """(type name, number), or None when the text is not one of our ids."""
    text = global_id.strip()
    if not text or len(text) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, number = raw.partition(":")
    if not sep or not type_name.isidentifier() or not _is_decimal(number) or len(number) > 18:
        return None
    value = int(number)
    if value < 1 or value > 2**31 - 1:
        return None
    return type_name, value


def decode_any_int(global_id: str, type_name: str) -> int | None:
    """A plain number, or the number of a global id of `type_name`."""
    text = global_id.strip()
    if _is_decimal(text) and len(text) < 10:
        return int(text)
    decoded = decode(text)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
