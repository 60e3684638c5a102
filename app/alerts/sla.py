"""Which SLA policy applies to a card: the most specific match by product, channel and
priority. Stored on the card (``sla_policy_id``) whenever an input changes, so the scan
joins one policy per card instead of matching policies for every card every time."""

from __future__ import annotations

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.alerts.conditions import cards, columns, policies

__all__ = ["MATCH_FIELDS", "assign_policies"]

# A change to any of these card fields may change the applicable policy.
MATCH_FIELDS = frozenset({"product", "channel", "priority"})


def _best_policy() -> ColumnElement[int | None]:
    specificity = (
        case((policies.c.product.is_not(None), 1), else_=0)
        + case((policies.c.channel.is_not(None), 1), else_=0)
        + case((policies.c.priority.is_not(None), 1), else_=0)
    )
    return (
        select(policies.c.id)
        .where(
            policies.c.board_id == cards.c.board_id,
            or_(policies.c.product.is_(None), policies.c.product == cards.c.product),
            or_(policies.c.channel.is_(None), policies.c.channel == cards.c.channel),
            or_(policies.c.priority.is_(None), policies.c.priority == cards.c.priority),
        )
        .order_by(specificity.desc(), policies.c.id)
        .limit(1)
        .correlate(cards)
        .scalar_subquery()
    )


def assign_policies(
    session: Session, *, card_id: int | None = None, board_id: int | None = None
) -> None:
    """Set ``sla_policy_id`` for one card, or for every unfinished card of a board."""
    stmt = update(cards).values(sla_policy_id=_best_policy())
    if card_id is not None:
        stmt = stmt.where(cards.c.id == card_id)
    if board_id is not None:
        done = select(columns.c.id).where(columns.c.board_id == board_id, columns.c.stage == "done")
        stmt = stmt.where(cards.c.board_id == board_id, cards.c.column_id.not_in(done))
    session.execute(stmt)
