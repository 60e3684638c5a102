"""SQL for confirmation requests: reading, locking and writing the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.board.models import Card
from app.confirm.models import Confirmation
from app.core.models import table_of

__all__ = [
    "by_id",
    "by_nonce",
    "card_summary",
    "for_card",
    "insert_confirmation",
    "pending_for_card",
    "supersede_pending",
    "update_confirmation",
]

confirmations = table_of(Confirmation)
cards = table_of(Card)


def by_id(session: Session, confirmation_id: int) -> Row[Any] | None:
    return session.execute(
        select(confirmations).where(confirmations.c.id == confirmation_id)
    ).first()


def by_nonce(session: Session, nonce: str, *, lock: bool = False) -> Row[Any] | None:
    """The request a link names; with ``lock`` its row is held until commit (PostgreSQL;
    SQLAlchemy renders no FOR UPDATE on SQLite, whose single writer already excludes
    other writers)."""
    stmt = select(confirmations).where(confirmations.c.nonce == nonce)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).first()


def pending_for_card(session: Session, card_id: int) -> Row[Any] | None:
    """The card's unanswered link request, locked until commit (at most one is pending)."""
    stmt = (
        select(confirmations)
        .where(confirmations.c.card_id == card_id, confirmations.c.state == "pending")
        .order_by(confirmations.c.requested_at.desc(), confirmations.c.id.desc())
        .limit(1)
        .with_for_update()
    )
    return session.execute(stmt).first()


def for_card(session: Session, card_id: int, *, limit: int) -> list[Row[Any]]:
    """The card's requests, newest first."""
    stmt = (
        select(confirmations)
        .where(confirmations.c.card_id == card_id)
        .order_by(confirmations.c.requested_at.desc(), confirmations.c.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def card_summary(session: Session, card_id: int) -> Row[Any] | None:
    """What the customer's page shows of a card: its title and their reference."""
    stmt = select(cards).where(cards.c.id == card_id)
    return session.execute(stmt).first()


def insert_confirmation(session: Session, values: dict[str, Any]) -> int:
    stmt = insert(confirmations).values(**values).returning(confirmations.c.id)
    return int(session.execute(stmt).scalar_one())


def update_confirmation(session: Session, confirmation_id: int, values: dict[str, Any]) -> None:
    session.execute(
        update(confirmations).where(confirmations.c.id == confirmation_id).values(**values)
    )


def supersede_pending(session: Session, card_id: int) -> list[tuple[int, int]]:
    """Mark the card's pending requests superseded; (id, board_id) of each, sorted."""
    stmt = (
        update(confirmations)
        .where(confirmations.c.card_id == card_id, confirmations.c.state == "pending")
        .values(state="superseded")
        .returning(confirmations.c.id, confirmations.c.board_id)
    )
    return sorted((int(i), int(b)) for i, b in session.execute(stmt).all())
