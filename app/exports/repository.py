"""SQL for exports beyond the metrics foundations: lanes, swarms, confirmations, events.

Every per-batch query is a range scan over an index on ``card_id`` (or on the event
log's ``(board_id, seq)``), so a batch costs the same at the start of a board's history
as at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.core.models import table_of
from app.events.models import BoardEvent
from app.metrics.filters import CardFilter
from app.metrics.repository import epoch

__all__ = [
    "CONFIRMATION_FIELDS",
    "board_exists",
    "count_cards",
    "count_events",
    "event_batch",
    "lanes",
    "last_seq",
    "latest_confirmations",
    "outcomes",
    "swarmed",
    "waiting_columns",
]

_events = table_of(BoardEvent)

CONFIRMATION_FIELDS = ("state", "source", "solved", "csat", "ces", "nps")


def board_exists(session: Session, board_id: int) -> bool:
    row = session.execute(text("SELECT 1 FROM boards WHERE id = :b"), {"b": board_id}).first()
    return row is not None


def lanes(session: Session, board_id: int) -> dict[int, str]:
    """Lane names by id."""
    rows = session.execute(text("SELECT id, name FROM lanes WHERE board_id = :b"), {"b": board_id})
    return {int(i): str(n) for i, n in rows}


def waiting_columns(session: Session, board_id: int) -> frozenset[int]:
    """The columns where a card waits on the customer (the SLA clock pauses there)."""
    rows = session.execute(
        text("SELECT id FROM board_columns WHERE board_id = :b AND waits_on_customer"),
        {"b": board_id},
    )
    return frozenset(int(i) for (i,) in rows)


def count_cards(
    session: Session, *, board_id: int, filters: CardFilter, created_before: float
) -> int:
    """The cards an export looks at: created before the range ends, filters applied."""
    where, params = filters.sql()
    sql = (
        f"SELECT COUNT(*) FROM cards c WHERE c.board_id = :b "
        f"AND {epoch(session, 'c.created_at')} < :end{where}"
    )
    params.update(b=board_id, end=created_before)
    return int(session.execute(text(sql), params).scalar_one())


def swarmed(session: Session, card_ids: Sequence[int]) -> set[int]:
    """Those of the cards that ever had a swarm (open, resolved or cancelled)."""
    if not card_ids:
        return set()
    rows = session.execute(
        text("SELECT DISTINCT card_id FROM swarms WHERE card_id >= :lo AND card_id <= :hi"),
        {"lo": min(card_ids), "hi": max(card_ids)},
    )
    wanted = set(card_ids)
    return {int(c) for (c,) in rows if int(c) in wanted}


def latest_confirmations(session: Session, card_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each card's newest confirmation request, with its answer if any."""
    if not card_ids:
        return {}
    sql = (
        "SELECT card_id, state, source, solved, csat, ces, nps, "
        f"{epoch(session, 'requested_at')}, {epoch(session, 'answered_at')} "
        "FROM confirmations WHERE card_id >= :lo AND card_id <= :hi "
        "ORDER BY card_id, requested_at, id"
    )
    wanted = set(card_ids)
    out: dict[int, dict[str, Any]] = {}
    for row in session.execute(text(sql), {"lo": min(card_ids), "hi": max(card_ids)}):
        card_id = int(row[0])
        if card_id in wanted:  # later rows of the same card replace earlier ones
            state, source, solved, csat, ces, nps, requested, answered = row[1:]
            out[card_id] = {
                "state": state,
                "source": source,
                "solved": None if solved is None else bool(solved),
                "csat": csat,
                "ces": ces,
                "nps": nps,
                "requested_at": requested,
                "answered_at": answered,
            }
    return out


def outcomes(session: Session, card_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each card's resolution text and the sums of its usage reports (zero when none)."""
    if not card_ids:
        return {}
    bounds = {"lo": min(card_ids), "hi": max(card_ids)}
    wanted = set(card_ids)
    out: dict[int, dict[str, Any]] = {
        i: {"usage": {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}, "resolution": None}
        for i in wanted
    }
    sql = (
        "SELECT card_id, SUM(input_tokens), SUM(output_tokens), SUM(cost_usd) FROM card_usage "
        "WHERE card_id >= :lo AND card_id <= :hi GROUP BY card_id"
    )
    for card_id, tokens_in, tokens_out, cost in session.execute(text(sql), bounds):
        if int(card_id) in wanted:
            out[int(card_id)]["usage"] = {
                "input_tokens": int(tokens_in or 0),
                "output_tokens": int(tokens_out or 0),
                "cost_usd": round(float(cost or 0.0), 6),
            }
    sql = (
        "SELECT id, resolution FROM cards WHERE id >= :lo AND id <= :hi AND resolution IS NOT NULL"
    )
    for card_id, resolution in session.execute(text(sql), bounds):
        if int(card_id) in wanted:
            out[int(card_id)]["resolution"] = resolution
    return out


def _in_range(start: datetime, end: datetime) -> list[Any]:
    return [_events.c.at >= start, _events.c.at < end]


def count_events(session: Session, *, board_id: int, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).select_from(_events).where(_events.c.board_id == board_id)
    return int(session.execute(stmt.where(*_in_range(start, end))).scalar_one())


def last_seq(session: Session, board_id: int) -> int:
    """The board's newest event sequence number (0 before its first event)."""
    row = session.execute(text("SELECT last_seq FROM boards WHERE id = :b"), {"b": board_id})
    return int(row.scalar_one_or_none() or 0)


def event_batch(
    session: Session, *, board_id: int, start: datetime, end: datetime, after_seq: int, upto: int
) -> list[Any]:
    """The events in the range with ``after_seq < seq <= upto``, in seq order.

    Sequence numbers are contiguous, so a window of seqs is a bounded walk of the
    ``(board_id, seq)`` index wherever the date range falls in the log.
    """
    stmt = (
        select(
            _events.c.seq,
            _events.c.id,
            _events.c.type,
            _events.c.at,
            _events.c.actor_kind,
            _events.c.actor_id,
            _events.c.data,
        )
        .where(
            _events.c.board_id == board_id,
            _events.c.seq > after_seq,
            _events.c.seq <= upto,
            *_in_range(start, end),
        )
        .order_by(_events.c.seq)
    )
    return list(session.execute(stmt).all())
