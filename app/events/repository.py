"""SQL for the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, column, func, insert, select, table, update
from sqlalchemy.orm import Session

from app.core.models import table_of
from app.events.models import BoardEvent

__all__ = [
    "append_event_pg",
    "insert_event",
    "insert_events",
    "list_events",
    "list_for_card",
    "log_bounds",
    "next_seq",
    "reserve_seqs",
]

# The log's sequence counter is kept on the board's row (``boards.last_seq``), so that
# handing out a number row-locks the board. Named here as a plain table clause: the
# event log sits below the board package and does not import its models.
_boards = table("boards", column("id", Integer), column("last_seq", Integer))
_events = table_of(BoardEvent)


_NEXT_SEQ = (
    update(_boards)
    .where(_boards.c.id == bindparam("board_pk"))
    .values(last_seq=_boards.c.last_seq + 1)
    .returning(_boards.c.last_seq)
)
_INSERT_EVENT = insert(_events)
# PostgreSQL takes the next number and inserts the event in one round trip: the same
# UPDATE (same row lock, same number) feeding the INSERT through a data-modifying CTE.
_NEXT = _NEXT_SEQ.cte("next_seq")
_APPEND_PG = (
    insert(_events)
    .from_select(
        ["id", "board_id", "seq", "type", "at", "actor_id", "actor_kind", "data", "card_id"],
        select(
            *(bindparam(f"ev_{name}", type_=_events.c[name].type) for name in ("id", "board_id")),
            _NEXT.c.last_seq,
            *(
                bindparam(f"ev_{name}", type_=_events.c[name].type)
                for name in ("type", "at", "actor_id", "actor_kind", "data", "card_id")
            ),
        ),
    )
    .returning(_events.c.seq)
)
_RESERVE_SEQS = (
    update(_boards)
    .where(_boards.c.id == bindparam("board_pk"))
    .values(last_seq=_boards.c.last_seq + bindparam("n"))
    .returning(_boards.c.last_seq)
)


def next_seq(session: Session, board_id: int) -> int:
    """Hand out the board's next sequence number.

    The UPDATE row-locks the board until commit, so concurrent writers on one board get
    contiguous numbers in commit order and a rolled-back writer gives its number back.
    """
    return int(session.connection().execute(_NEXT_SEQ, {"board_pk": board_id}).scalar_one())


def append_event_pg(
    session: Session,
    *,
    id: str,
    board_id: int,
    type: str,
    at: datetime,
    actor_id: int | None,
    actor_kind: str,
    data: dict[str, Any],
) -> int:
    """:func:`next_seq` and :func:`insert_event` in one statement (PostgreSQL only);
    returns the event's sequence number."""
    # Named apart from the columns: a key like "id" would also SET boards.id in the CTE.
    params = {
        "board_pk": board_id,
        "ev_id": id,
        "ev_board_id": board_id,
        "ev_type": type,
        "ev_at": at,
        "ev_actor_id": actor_id,
        "ev_actor_kind": actor_kind,
        "ev_data": data,
        "ev_card_id": card_of(data),
    }
    return int(session.connection().execute(_APPEND_PG, params).scalar_one())


def reserve_seqs(session: Session, board_id: int, n: int) -> int:
    """Hand out ``n`` consecutive sequence numbers at once; returns the first."""
    last = session.connection().execute(_RESERVE_SEQS, {"board_pk": board_id, "n": n})
    return int(last.scalar_one()) - n + 1


def card_of(data: dict[str, Any]) -> int | None:
    """The card an event's data is about, for the ``card_id`` lookup column."""
    card_id = data.get("card_id")
    return card_id if isinstance(card_id, int) and not isinstance(card_id, bool) else None


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many events in one executemany round trip."""
    if rows:
        session.connection().execute(_INSERT_EVENT, rows)


def insert_event(
    session: Session,
    *,
    id: str,
    board_id: int,
    seq: int,
    type: str,
    at: datetime,
    actor_id: int | None,
    actor_kind: str,
    data: dict[str, Any],
) -> None:
    session.connection().execute(
        _INSERT_EVENT,
        {
            "id": id,
            "board_id": board_id,
            "seq": seq,
            "type": type,
            "at": at,
            "actor_id": actor_id,
            "actor_kind": actor_kind,
            "data": data,
            "card_id": card_of(data),
        },
    )


def list_events(session: Session, *, board_id: int, since: int, limit: int) -> list[Any]:
    stmt = (
        select(_events)
        .where(_events.c.board_id == board_id, _events.c.seq > since)
        .order_by(_events.c.seq)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def list_for_card(session: Session, *, card_id: int, before: int | None, limit: int) -> list[Any]:
    """A card's events, newest first, with ``seq < before``: a range of the (card_id,
    seq) index (a card stays on one board, so its seq order is its history's order)."""
    stmt = select(_events).where(_events.c.card_id == card_id)
    if before is not None:
        stmt = stmt.where(_events.c.seq < before)
    stmt = stmt.order_by(_events.c.seq.desc()).limit(limit)
    return list(session.execute(stmt).all())


def log_bounds(session: Session, *, board_id: int) -> tuple[int | None, int]:
    """(oldest retained seq or None, newest seq) of a board's log."""
    oldest = session.execute(
        select(func.min(_events.c.seq)).where(_events.c.board_id == board_id)
    ).scalar_one()
    newest = session.execute(
        select(_boards.c.last_seq).where(_boards.c.id == board_id)
    ).scalar_one()
    return (int(oldest) if oldest is not None else None), int(newest)
