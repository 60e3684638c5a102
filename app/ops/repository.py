"""The SQL of the operations package: one grouped count, read at scrape time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.models import table_of
from app.webhooks.models import WebhookDelivery

__all__ = ["delivery_counts"]

DELIVERIES = table_of(WebhookDelivery)


def delivery_counts(session: Session) -> dict[str, int]:
    """Webhook deliveries by state (states with none are absent)."""
    rows = session.execute(
        select(DELIVERIES.c.state, func.count()).group_by(DELIVERIES.c.state)
    ).all()
    return {str(state): int(count) for state, count in rows}
