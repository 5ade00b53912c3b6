"""Typed domain errors with stable codes; the API shows them as data or as GraphQL errors."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    ALREADY_CONNECTED = "ALREADY_CONNECTED"
    VALIDATION = "VALIDATION"


class DomainError(Exception):
    """An expected failure: a stable code, a message for a person, and the input field at fault."""

    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, str]:
        """Read by graphql-core when the error escapes a resolver: the code travels along."""
        extensions = {"code": self.code.value}
        if self.field is not None:
            extensions["field"] = self.field
        return extensions


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION


class AlreadyConnected(DomainError):
    """A live connection exists for the pair; `connection_id` names it."""

    code = ErrorCode.ALREADY_CONNECTED

    def __init__(self, message: str, *, connection_id: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.connection_id = connection_id
