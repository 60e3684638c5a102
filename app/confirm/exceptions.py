"""Confirmation errors; each carries its HTTP status and problem type::

    DomainError
    ├── NotFound               404
    │   ├── ConfirmationNotFound   confirmation-not-found (the card was never asked)
    │   └── LinkNotFound           confirmation-link-not-found (bad signature, unknown)
    └── LinkGone               410 confirmation-link-gone
        ├── LinkExpired            confirmation-link-expired
        └── LinkSuperseded         confirmation-link-superseded

The customer's page renders the link errors as HTML pages with the same status.
"""

from __future__ import annotations

from app.core.errors import DomainError, NotFound

__all__ = [
    "ConfirmationNotFound",
    "LinkExpired",
    "LinkGone",
    "LinkNotFound",
    "LinkSuperseded",
]


class ConfirmationNotFound(NotFound):
    type = "confirmation-not-found"
    title = "The customer was never asked about this card"


class LinkNotFound(NotFound):
    type = "confirmation-link-not-found"
    title = "Unknown confirmation link"


class LinkGone(DomainError):
    status, type, title = 410, "confirmation-link-gone", "The confirmation link is closed"


class LinkExpired(LinkGone):
    type = "confirmation-link-expired"
    title = "The confirmation link has expired"


class LinkSuperseded(LinkGone):
    type = "confirmation-link-superseded"
    title = "The ticket changed since the link was sent"
