"""Authentication and people errors."""

from __future__ import annotations

from app.core.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated

__all__ = [
    "AlreadyHasPassword",
    "BotNotAllowed",
    "BotStopped",
    "CannotDeactivateSelf",
    "CsrfRejected",
    "EmailTaken",
    "InvalidToken",
    "InvitationInvalid",
    "NotAllowed",
    "PasswordChangedMeanwhile",
    "TokenNotFound",
    "UserNotFound",
    "WrongPassword",
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


class WrongPassword(Forbidden):
    """A password change whose current password does not match."""

    type = "wrong-password"
    title = "Current password is wrong"


class CannotDeactivateSelf(Conflict):
    type = "cannot-deactivate-self"
    title = "Cannot deactivate yourself"


class PasswordChangedMeanwhile(Conflict):
    type = "password-changed-meanwhile"
    title = "Password changed meanwhile"


class InvitationInvalid(DomainError):
    """An invitation link that is unknown, used already or expired."""

    status, type, title = 410, "invitation-invalid", "Invitation link not valid"


class AlreadyHasPassword(Conflict):
    type = "already-has-password"
    title = "Person already has a password"


class BotStopped(Conflict):
    """A bot whose availability is 'away': the kill switch refuses its changes."""

    type = "bot-away"
    title = "Bot is stopped"


class BotNotAllowed(Forbidden):
    """Something only a person may do: sign in to pages, manage, override, approve."""

    type = "bot-not-allowed"
    title = "Not allowed for a bot"
