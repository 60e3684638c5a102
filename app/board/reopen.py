"""Reopening a card on the customer's word: a move nobody on the board asked for.

The customer is not a board member and cannot be refused, so a reopen is never blocked
by a WIP limit; every limit it breaks (column, lane, person: the same checks as a move,
from :mod:`app.board.wip`) is recorded (``wip.overridden`` on a hard limit,
``wip.exceeded`` on a soft one) with the reason, for the lead to see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.alerts import sla
from app.auth.service import Principal
from app.board import repository, wip
from app.board.exceptions import CardNotFound
from app.confirm import requests as confirmations
from app.core.models import utcnow
from app.events import service as events
from app.events.service import ActorRef

__all__ = ["reopen_card", "reopen_column"]

_cols = repository.columns
# Admission runs as someone allowed to override, so it records breaches and never
# refuses; the events name the real actor, and "by" stays empty (no board member did it).
_OVERRIDER = Principal(id=0, name="reopen", role="admin")


def reopen_column(session: Session, *, board_id: int) -> Any:
    """The board's reopen column: the flagged one, else the first active, else the first."""
    stmt = (
        select(_cols.c.id)
        .where(_cols.c.board_id == board_id, _cols.c.stage != "done")
        .order_by(
            case((_cols.c.reopen_target.is_(True), 0), (_cols.c.stage == "active", 1), else_=2),
            _cols.c.position,
        )
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def reopen_card(session: Session, *, card_id: int, actor: ActorRef, reason: str) -> dict[str, Any]:
    """Move a card back into the reopen column with a ``card.reopened`` event."""
    row = repository.card_with_access(session, card_id=card_id, user_id=0, lock=True)
    if row is None:
        raise CardNotFound(f"Card {card_id} does not exist.")
    column_id = reopen_column(session, board_id=row.board_id)
    if column_id is None or column_id == row.column_id:
        return {"card_id": card_id, "column_id": row.column_id, "reopened": False}
    target = repository.lock_column(session, column_id)
    assert target is not None
    adm = wip.admit(
        session,
        actor=_OVERRIDER,
        role="admin",
        board_id=row.board_id,
        card_id=card_id,
        target=target,
        lane_id=row.lane_id,
        from_column_id=row.column_id,
        from_lane_id=row.lane_id,
        from_stage=row.column_stage,
        assignee_ids=list(row.assignee_ids or []),
        reason=reason,
    )
    now = utcnow()
    changes: dict[str, Any] = {
        "column_id": target.id,
        "position": (adm.top_position or 0.0) + 1.0,
        "version": row.version + 1,
        "updated_at": now,
        "column_entered_at": now,
        "reopen_count": row.reopen_count + 1,
    }
    if row.column_waits:
        waited = (now - row.column_entered_at).total_seconds()
        changes["waiting_seconds"] = row.waiting_seconds + max(waited, 0.0)
    repository.record_stay(session, card_id=card_id, column_id=target.id, at=now, new=False)
    repository.update_card(session, card_id, changes)
    sla.assign_policies(session, card_id=card_id)
    events.append(
        session,
        board_id=row.board_id,
        type="card.reopened",
        actor=actor,
        data={
            "card_id": card_id,
            "from_column_id": row.column_id,
            "to_column_id": target.id,
            "from_lane_id": row.lane_id,
            "to_lane_id": row.lane_id,
            "position": changes["position"],
            "from_stage": row.column_stage,
            "to_stage": target.stage,
            "reason": reason,
        },
    )
    for type_, data in adm.notes:
        events.append(
            session,
            board_id=row.board_id,
            type=type_,
            actor=actor,
            data={**data, "card_id": card_id, "reason": reason, "by": None},
        )
    if row.column_stage == "done":
        confirmations.on_done_exit(session, card_id=card_id)
    return {"card_id": card_id, "column_id": target.id, "reopened": True}
