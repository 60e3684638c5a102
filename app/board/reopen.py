"""Reopening a card on the customer's word: a move nobody on the board asked for.

The customer is not a board member and cannot be refused, so a reopen goes through the
one move path (:func:`app.board.cards.move`) recording breaches
(:attr:`~app.board.wip.Enforcement.RECORD_BREACH`): every limit it breaks (column, lane,
person: the same checks as a move) is recorded (``wip.overridden`` on a hard limit,
``wip.exceeded`` on a soft one) with the reason, for the lead to see.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.board import cards, repository, wip
from app.board.exceptions import CardNotFound
from app.events.service import ActorRef

__all__ = ["reopen_card", "reopen_column"]


def reopen_column(session: Session, *, board_id: int) -> int | None:
    """The board's reopen column: the flagged one, else the first active, else the first."""
    return repository.reopen_column_id(session, board_id=board_id)


def reopen_card(session: Session, *, card_id: int, actor: ActorRef, reason: str) -> bool:
    """Move a card back into the reopen column with a ``card.reopened`` event; False when
    it is there already, or archived (the team restores it), or the board has no column
    to reopen into."""
    # No one's membership is looked up (user id 0 is nobody): the customer is not a user.
    row = repository.card_with_access(session, card_id=card_id, user_id=0, lock=True)
    if row is None:
        raise CardNotFound(f"Card {card_id} does not exist.")
    if row.archived_at is not None:
        return False
    column_id = reopen_column(session, board_id=row.board_id)
    if column_id is None or column_id == row.column_id:
        return False
    target = repository.lock_column(session, column_id)
    assert target is not None
    cards.move(
        session,
        row,
        target=target,
        lane_id=row.lane_id,
        index=None,
        actor=actor,
        enforcement=wip.Enforcement.RECORD_BREACH,
        reason=reason,
        reopen=True,
    )
    return True
