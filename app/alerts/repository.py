"""SQL for reading alerts and SLA policies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts.conditions import alerts, cards, policies
from app.alerts.models import Alert

__all__ = ["list_alerts", "list_policies", "lock_alert"]


def lock_alert(session: Session, alert_id: int) -> Alert | None:
    stmt = select(Alert).where(alerts.c.id == alert_id).with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def list_alerts(
    session: Session, *, board_id: int, states: tuple[str, ...], limit: int, offset: int
) -> tuple[list[Any], int]:
    """The board's alerts in those states, newest first, with their card's title."""
    where = (alerts.c.board_id == board_id, alerts.c.state.in_(states))
    total = session.execute(select(func.count()).select_from(alerts).where(*where)).scalar_one()
    stmt = (
        select(alerts, cards.c.title.label("card_title"))
        .outerjoin(cards, cards.c.id == alerts.c.card_id)
        .where(*where)
        .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).all()), int(total)


def list_policies(session: Session, *, board_id: int) -> list[Any]:
    stmt = select(policies).where(policies.c.board_id == board_id).order_by(policies.c.id)
    return list(session.execute(stmt).all())
