"""Web session errors."""

from __future__ import annotations

from app.core.errors import Forbidden

__all__ = ["CsrfRejected"]


class CsrfRejected(Forbidden):
    """A cookie-authenticated change without the session's CSRF token."""

    type = "csrf-failed"
    title = "CSRF check failed"
