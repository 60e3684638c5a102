"""Alert and SLA-policy errors; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import Conflict, NotFound

__all__ = ["AlertNotFound", "AlertNotOpen", "SlaPolicyNotFound"]


class AlertNotFound(NotFound):
    type = "alert-not-found"


class SlaPolicyNotFound(NotFound):
    type = "sla-policy-not-found"


class AlertNotOpen(Conflict):
    type = "alert-not-open"
    title = "The alert is no longer open"
