"""Ticket intake errors; each carries its HTTP status and problem type.

Field-level refusals carry ``errors: [{field, in, message}]`` like request validation,
so a channel integration can show which part of its request to fix.
"""

from __future__ import annotations

from app.core.errors import Conflict, NotFound, ValidationFailed

__all__ = ["InvalidInteraction", "InvalidLink", "LinkExists", "LinkNotFound"]


class InvalidInteraction(ValidationFailed):
    """An interaction whose actor does not fit its kind, or whose time is impossible."""

    type = "invalid-interaction"
    title = "Invalid interaction"

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail, errors=[{"field": field, "in": "body", "message": detail}])


class InvalidLink(ValidationFailed):
    """A link to itself, to another board's card, or from an older ticket to a newer one."""

    type = "invalid-link"
    title = "Invalid link"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[{"field": "card_id", "in": "body", "message": detail}])


class LinkExists(Conflict):
    type = "link-exists"
    title = "These tickets are already linked"


class LinkNotFound(NotFound):
    type = "link-not-found"
