"""Which SLA policy applies to a card: the most specific match by product, channel and
priority. Stored on the card (``sla_policy_id``) whenever an input changes, so the scan
joins one policy per card instead of matching policies for every card every time.

A card's policy is re-chosen by :func:`reassign`, a subscriber to the card's events
(registered in app/wiring.py); a board's, when its policies change (app/alerts/service.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.alerts.conditions import cards, columns, policies
from app.board.reactions import CardFacts

__all__ = ["MATCH_FIELDS", "assign_policies", "reassign"]

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


def reassign(session: Session, event: dict[str, Any], card: CardFacts) -> None:
    """Re-choose the card's policy when an input may have changed: a new card, a card
    back from done or reopened (policies may have changed meanwhile), or an edit of its
    product, channel or priority."""
    kind, data = event["type"], event["data"]
    if kind == "card.moved":
        if card.was != "done" or data["from_column_id"] == data["to_column_id"]:
            return
    elif kind == "card.updated":
        if not MATCH_FIELDS.intersection(data["changes"]):
            return
    elif kind not in ("card.created", "card.reopened"):
        return
    assign_policies(session, card_id=card.card_id)
