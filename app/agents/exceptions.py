"""Errors of usage reports and resolutions; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import Conflict, ValidationFailed

__all__ = ["InvalidUsage", "NoDoneColumn"]


class InvalidUsage(ValidationFailed):
    type = "invalid-usage"
    title = "The usage report is not valid"


class NoDoneColumn(Conflict):
    type = "no-done-column"
    title = "The board has no done column"
