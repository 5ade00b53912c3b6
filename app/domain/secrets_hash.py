"""Random secrets and their stored form.

Secrets and tokens carry 256 random bits, so a plain SHA-256 is enough to store them:
there is nothing for a slow password hash to protect against guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
