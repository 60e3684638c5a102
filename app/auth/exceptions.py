"""Authentication and people errors."""

from __future__ import annotations

from app.core.errors import Conflict, Forbidden, NotFound, Unauthenticated

__all__ = [
    "CsrfRejected",
    "EmailTaken",
    "InvalidToken",
    "NotAllowed",
    "TokenNotFound",
    "UserNotFound",
]


class InvalidToken(Unauthenticated):
    type = "invalid-token"


class NotAllowed(Forbidden):
    type = "forbidden"


class UserNotFound(NotFound):
    type = "user-not-found"


class TokenNotFound(NotFound):
    type = "token-not-found"


class EmailTaken(Conflict):
    type = "email-taken"
    title = "Email already in use"


class CsrfRejected(Forbidden):
    """A cookie-authenticated change without the session's CSRF token."""

    type = "csrf-failed"
    title = "CSRF check failed"
