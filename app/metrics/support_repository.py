"""SQL for the support and swarm metrics: raw statements returning epoch seconds.

Like :mod:`app.metrics.repository`, rows come back as plain tuples (no ORM objects, no
per-row type processing), and every statement is one set-based read per board, so a
year of a 100,000-card board costs a handful of queries whatever the card count.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.core.models import UTCDateTime
from app.metrics.filters import CardFilter, DateRange
from app.metrics.repository import epoch

__all__ = [
    "CardRow",
    "Policy",
    "answers",
    "card_rows",
    "members_of_swarms",
    "policies",
    "repeat_cards",
    "swarms",
    "waiting_columns",
]


class CardRow(NamedTuple):
    id: int
    created: float
    stage: str  # the stage of the column the card is in now
    channel: str | None
    product: str | None
    segment: str | None
    first_response: float | None
    agent_replies: int
    handle_seconds: float
    bot_handled: bool
    bot_resolved: float | None
    waiting_seconds: float
    reopen_count: int
    sla_policy_id: int | None


class Policy(NamedTuple):
    id: int
    name: str
    frt_seconds: int | None
    ttr_seconds: int | None


def _bounds(period: DateRange) -> dict[str, datetime]:
    return {
        "start": datetime.fromtimestamp(period.start_ts, UTC),
        "end": datetime.fromtimestamp(period.end_ts, UTC),
    }


def _run(session: Session, sql: str, params: dict[str, Any]) -> Any:
    stmt = text(sql)
    for name in ("start", "end"):
        if name in params:  # naive UTC text on SQLite, timestamptz on PostgreSQL
            stmt = stmt.bindparams(bindparam(name, type_=UTCDateTime()))
    return session.execute(stmt, params)


def waiting_columns(session: Session, board_id: int) -> set[int]:
    """The board's columns where a card waits on the customer (the SLA clock pauses)."""
    sql = "SELECT id FROM board_columns WHERE board_id = :b AND waits_on_customer = :yes"
    return {int(i) for (i,) in _run(session, sql, {"b": board_id, "yes": True})}


def card_rows(
    session: Session,
    *,
    board_id: int,
    filters: CardFilter,
    period: DateRange,
    swarmed_too: bool = False,
) -> list[CardRow]:
    """Cards created in the range, plus cards created before its end that are done now
    (the only ones that can have finished in it); with ``swarmed_too``, also the cards
    with a swarm requested in the range."""

    def e(col: str) -> str:
        return epoch(session, col)

    where, params = filters.sql()
    swarmed = (
        " OR c.id IN (SELECT s.card_id FROM swarms s WHERE s.board_id = :b"
        " AND s.requested_at >= :start AND s.requested_at < :end)"
        if swarmed_too
        else ""
    )
    sql = (
        f"SELECT c.id, {e('c.created_at')}, k.stage, c.channel, c.product, c.segment, "
        f"{e('c.first_response_at')}, c.agent_replies, c.handle_seconds, c.bot_handled, "
        f"{e('c.bot_resolved_at')}, c.waiting_seconds, c.reopen_count, c.sla_policy_id "
        "FROM cards c JOIN board_columns k ON k.id = c.column_id "
        "WHERE c.board_id = :b AND c.created_at < :end "
        f"AND (c.created_at >= :start OR k.stage = 'done'{swarmed}){where} ORDER BY c.id"
    )
    params.update(b=board_id, **_bounds(period))
    return [CardRow(*r) for r in _run(session, sql, params)]


def answers(session: Session, *, board_id: int, filters: CardFilter) -> list[tuple[Any, ...]]:
    """Every customer answer (confirmed, rejected or scores only) on the board's cards:
    ``(card_id, answered, solved, csat, ces, nps, channel, product, segment)``, oldest
    first per card."""
    where, params = filters.sql()
    sql = (
        f"SELECT a.card_id, {epoch(session, 'a.answered_at')}, a.solved, a.csat, a.ces, "
        "a.nps, c.channel, c.product, c.segment "
        "FROM confirmations a JOIN cards c ON c.id = a.card_id "
        "WHERE a.board_id = :b AND a.state IN ('confirmed', 'rejected', 'answered') "
        f"AND a.answered_at IS NOT NULL{where} ORDER BY a.card_id, a.answered_at, a.id"
    )
    params["b"] = board_id
    return [tuple(r) for r in _run(session, sql, params)]


def repeat_cards(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> set[int]:
    """Cards created in the range with a ``repeat`` link to an earlier card of the same
    customer (or both without a customer)."""
    where, params = filters.sql()
    sql = (
        "SELECT DISTINCT l.card_id FROM card_links l "
        "JOIN cards c ON c.id = l.card_id JOIN cards t ON t.id = l.target_id "
        "WHERE l.board_id = :b AND l.kind = 'repeat' "
        "AND c.created_at >= :start AND c.created_at < :end AND t.created_at <= c.created_at "
        "AND (c.customer_id = t.customer_id OR (c.customer_id IS NULL AND t.customer_id IS NULL))"
        f"{where}"
    )
    params.update(b=board_id, **_bounds(period))
    return {int(i) for (i,) in _run(session, sql, params)}


def policies(session: Session, board_id: int) -> list[Policy]:
    """The board's SLA policies, oldest first."""
    sql = (
        "SELECT id, name, frt_seconds, ttr_seconds FROM sla_policies "
        "WHERE board_id = :b ORDER BY id"
    )
    return [Policy(*r) for r in _run(session, sql, {"b": board_id})]


def swarms(session: Session, *, board_id: int, filters: CardFilter) -> list[tuple[int, int, float]]:
    """Every swarm on the board's (filtered) cards: ``(swarm_id, card_id, requested)``,
    oldest first."""
    where, params = filters.sql()
    sql = (
        f"SELECT s.id, s.card_id, {epoch(session, 's.requested_at')} FROM swarms s "
        f"JOIN cards c ON c.id = s.card_id WHERE s.board_id = :b{where} "
        "ORDER BY s.requested_at, s.id"
    )
    params["b"] = board_id
    return [(int(i), int(c), float(at)) for i, c, at in _run(session, sql, params)]


def members_of_swarms(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[int, int, str | None]]:
    """``(swarm_id, user_id, team)`` of everyone who joined a swarm requested in the
    range, past members included (the team is the one they had when they joined)."""
    where, params = filters.sql()
    sql = (
        "SELECT m.swarm_id, m.user_id, m.team FROM swarm_members m "
        "JOIN swarms s ON s.id = m.swarm_id JOIN cards c ON c.id = s.card_id "
        f"WHERE s.board_id = :b AND s.requested_at >= :start AND s.requested_at < :end{where}"
    )
    params.update(b=board_id, **_bounds(period))
    return [(int(s), int(u), t) for s, u, t in _run(session, sql, params)]
