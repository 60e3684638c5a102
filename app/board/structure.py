"""Taking a column or a lane off a board, and where its cards go.

A column is removed softly (``removed_at``): metrics, cycle times and the exports read
stays and events by column, so its row stays for them while every live read skips it.
Its cards move to the column the caller names, through the one move path (every WIP
limit and the insight gate apply; one refusal refuses the whole removal). Archived cards
in it are carried along too (no WIP: they are off the board), so a restore never lands
in a removed column.

A lane is deleted outright: no history is keyed on a lane (stays are per column), and
``cards.lane_id`` is nullable, the board showing laneless cards in a row of their own.
Its cards go to the lane named, or to no lane.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards, repository, wip
from app.board.access import MANAGE, board_role, require_role
from app.board.exceptions import (
    BoardNotFound,
    ColumnNotEmpty,
    ColumnNotFound,
    ColumnRequired,
    InvalidReference,
    LaneNotFound,
)
from app.board.service import actor_ref
from app.core.models import utcnow
from app.events import service as events

__all__ = ["remove_column", "remove_lane"]


def _bad_target(detail: str) -> InvalidReference:
    return InvalidReference(
        detail, errors=[{"field": "move_cards_to", "in": "query", "message": detail}]
    )


def _manage(session: Session, *, actor: Principal, board_id: int, missing: Exception) -> str:
    """The caller's role, if they may manage the board (a non-member gets ``missing``)."""
    try:
        role = board_role(session, actor=actor, board_id=board_id)
    except BoardNotFound:
        raise missing from None
    require_role(role, MANAGE, "change the board's columns and lanes")
    return role


def _move_all(
    session: Session,
    *,
    actor: Principal,
    role: str,
    card_ids: list[int],
    column_id: int | None,
    lane_id: int | None,
    keep_lane: bool,
) -> None:
    """Move each card (in board order) to ``column_id`` (None: its own) and ``lane_id``
    (or its own lane, with ``keep_lane``), under the ordinary rules; the first refusal
    rolls everything back."""
    for card_id in card_ids:
        row = repository.card_with_access(session, card_id=card_id, user_id=actor.id, lock=True)
        assert row is not None
        target = repository.lock_column(session, column_id or row.column_id)
        assert target is not None
        cards.move(
            session,
            row,
            target=target,
            lane_id=row.lane_id if keep_lane else lane_id,
            index=None,
            actor=actor_ref(actor),
            enforcement=wip.Enforcement.REFUSE,
            principal=actor,
            role=role,
        )


def remove_column(
    session: Session, *, actor: Principal, column_id: int, move_cards_to: int | None
) -> None:
    """Take a column off the board, moving its cards to ``move_cards_to`` (leads and
    admins); 409 when it holds cards and no target is given, or it is the last (done)
    column."""
    col = repository.column_for_update(session, column_id)
    missing = ColumnNotFound(f"Column {column_id} does not exist.")
    if col is None or col.removed_at is not None:
        raise missing
    board_id = col.board_id
    role = _manage(session, actor=actor, board_id=board_id, missing=missing)
    rows = repository.ordered_for_update(session, type(col), board_id=board_id)
    rest = [c for c in rows if c.id != column_id]
    if not rest:
        raise ColumnRequired(f"Column {column_id} is the board's only column: add another first.")
    if col.stage == "done" and not any(c.stage == "done" for c in rest):
        raise ColumnRequired(
            f"Column {column_id} is the board's only done column: mark another column done first."
        )
    live, archived = repository.column_card_ids(session, column_id=column_id)
    target = None
    if move_cards_to is not None:
        target = next((c for c in rest if c.id == move_cards_to), None)
        if target is None:
            raise _bad_target(
                f"Column {move_cards_to} is not another current column of board {board_id}."
            )
    elif live:
        names = ", ".join(f"{c.name} ({c.id})" for c in rest)
        raise ColumnNotEmpty(
            f"Column {col.name} still holds {len(live)} card(s): send them to another "
            f"column with ?move_cards_to=<column id> (one of {names}), or move them first.",
            card_count=len(live),
            column_id=column_id,
        )
    _move_all(
        session,
        actor=actor,
        role=role,
        card_ids=live,
        column_id=move_cards_to,
        lane_id=None,
        keep_lane=True,
    )
    parked_in = target.id if target is not None else rest[0].id
    assert parked_in is not None
    repository.relocate_archived(session, card_ids=archived, column_id=parked_in, at=utcnow())
    # It keeps its position: metrics and the ActionableAgile export order the board's
    # columns, removed ones included, by position (then id), so its history stays in place.
    col.removed_at = utcnow()
    col.reopen_target = False
    for i, other in enumerate(rest):
        other.position = i
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type="column.removed",
        actor=actor_ref(actor),
        data={
            "column_id": column_id,
            "name": col.name,
            "moved_to": move_cards_to,
            "card_ids": live,
            "archived_card_ids": archived,
            "order": [c.id for c in rest],
        },
    )


def remove_lane(
    session: Session, *, actor: Principal, lane_id: int, move_cards_to: int | None
) -> None:
    """Delete a lane, moving its cards to lane ``move_cards_to`` or to no lane (leads and
    admins)."""
    lane = repository.lane_for_update(session, lane_id)
    missing = LaneNotFound(f"Lane {lane_id} does not exist.")
    if lane is None:
        raise missing
    board_id = lane.board_id
    role = _manage(session, actor=actor, board_id=board_id, missing=missing)
    rows = repository.ordered_for_update(session, type(lane), board_id=board_id)
    rest = [r for r in rows if r.id != lane_id]
    if move_cards_to is not None and move_cards_to not in {r.id for r in rest}:
        raise _bad_target(f"Lane {move_cards_to} is not another lane of board {board_id}.")
    live, archived = repository.lane_card_ids(session, lane_id=lane_id)
    _move_all(
        session,
        actor=actor,
        role=role,
        card_ids=live,
        column_id=None,
        lane_id=move_cards_to,
        keep_lane=False,
    )
    repository.set_lane(session, card_ids=archived, lane_id=move_cards_to)
    session.delete(lane)
    for i, other in enumerate(rest):
        other.position = i
    session.flush()
    data: dict[str, Any] = {
        "lane_id": lane_id,
        "name": lane.name,
        "moved_to": move_cards_to,
        "card_ids": live,
        "order": [r.id for r in rest],
    }
    events.append(
        session, board_id=board_id, type="lane.removed", actor=actor_ref(actor), data=data
    )
