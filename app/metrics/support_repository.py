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
    "confirmed_cards",
    "members_of_swarms",
    "policies",
    "repeat_cards",
    "swarms",
    "waiting_columns",
]


class CardRow(NamedTuple):
    """One card with what its column stays add up to (epoch seconds)."""

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
    bot_resolved: bool  # a bot marked it resolved
    waiting_seconds: float
    reopen_count: int
    sla_policy_id: int | None
    # From the stays, as app.metrics.timeline defines them:
    start: float | None  # first entry into an active (or done) column
    first_done: float | None  # first entry into done ever
    finish: float | None  # entry into done after the last non-done stay (done cards only)
    first_reopen: float | None  # first move out of done into a non-done column
    # Seconds waiting on the customer between creation and the first response (or now).
    frt_waited: float


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


def _pair(session: Session, fn: str, a: str, b: str) -> str:
    """``GREATEST``/``LEAST`` of two values (SQLite spells them ``max``/``min``)."""
    if session.connection().dialect.name == "postgresql":
        return f"{'GREATEST' if fn == 'max' else 'LEAST'}({a}, {b})"
    return f"{fn}({a}, {b})"


def card_rows(
    session: Session,
    *,
    board_id: int,
    filters: CardFilter,
    period: DateRange,
    now: float,
    swarmed_too: bool = False,
) -> list[CardRow]:
    """Cards created in the range, plus cards created before its end that are done now
    (the only ones that can have finished in it); with ``swarmed_too``, also the cards
    with a swarm requested in the range.

    The stays are folded in SQL, one row per card (a year of a busy board is far more
    stays than cards). Stays are contiguous (a move closes one and opens the next at
    the same instant), so a done card's finish is where its last non-done stay ended.
    """

    def e(col: str) -> str:
        return epoch(session, col)

    where, params = filters.sql()
    swarmed = (
        " OR c.id IN (SELECT w.card_id FROM swarms w WHERE w.board_id = :b"
        " AND w.requested_at >= :start AND w.requested_at < :end)"
        if swarmed_too
        else ""
    )
    scope = (
        "c.board_id = :b AND c.created_at < :end "
        f"AND (c.created_at >= :start OR cur.stage = 'done'{swarmed}){where}"
    )
    until = f"COALESCE({e('c.first_response_at')}, :now)"
    left = _pair(session, "min", f"COALESCE({e('s.left_at')}, :now)", until)
    overlap = _pair(
        session,
        "max",
        "0.0",
        f"{left} - {_pair(session, 'max', e('s.entered_at'), e('c.created_at'))}",
    )
    # Only a reopened card's stays are looked at again, for when it was first reopened.
    reopen = (
        "CASE WHEN a.last_open > a.first_done THEN (SELECT MIN(x.entered_at) "
        "FROM card_stays x JOIN board_columns y ON y.id = x.column_id WHERE x.card_id = a.id "
        "AND y.stage <> 'done' AND x.entered_at > a.first_done) END"
    )
    done = "CASE WHEN a.stage = 'done' THEN {} END"
    sql = (
        "WITH a AS (SELECT c.id, MAX(cur.stage) AS stage, "
        "MIN(CASE WHEN k.stage <> 'backlog' THEN s.entered_at END) AS started, "
        "MIN(CASE WHEN k.stage = 'done' THEN s.entered_at END) AS first_done, "
        "MAX(CASE WHEN k.stage <> 'done' THEN s.entered_at END) AS last_open, "
        "MAX(CASE WHEN k.stage <> 'done' THEN s.left_at END) AS open_left, "
        f"SUM(CASE WHEN k.waits_on_customer = :yes THEN {overlap} ELSE 0.0 END) AS waited "
        "FROM cards c JOIN board_columns cur ON cur.id = c.column_id "
        "LEFT JOIN card_stays s ON s.card_id = c.id "
        "LEFT JOIN board_columns k ON k.id = s.column_id "
        f"WHERE {scope} GROUP BY c.id) "
        f"SELECT c.id, {e('c.created_at')}, a.stage, c.channel, c.product, c.segment, "
        f"{e('c.first_response_at')}, c.agent_replies, c.handle_seconds, c.bot_handled, "
        "c.bot_resolved_at IS NOT NULL, c.waiting_seconds, c.reopen_count, c.sla_policy_id, "
        f"{e('a.started')}, {done.format(e('a.first_done'))}, "
        f"{done.format(e('COALESCE(a.open_left, a.first_done)'))}, "
        f"{done.format(e(reopen))}, COALESCE(a.waited, 0.0) "
        "FROM a JOIN cards c ON c.id = a.id"
    )
    params.update(b=board_id, now=now, yes=True, **_bounds(period))
    if session.connection().dialect.name == "postgresql":
        # The per-card subquery makes the plan look costly enough for PostgreSQL to JIT
        # compile it, which takes longer (~0.3 s) than running it; for this transaction only.
        session.execute(text("SET LOCAL jit = off"))
    return [CardRow(*r) for r in _run(session, sql, params).all()]


def confirmed_cards(session: Session, *, board_id: int) -> set[int]:
    """The board's cards whose customer's latest yes/no answer is yes."""
    sql = (
        "SELECT card_id FROM (SELECT q.card_id, q.solved, ROW_NUMBER() OVER "
        "(PARTITION BY q.card_id ORDER BY q.answered_at DESC, q.id DESC) AS n "
        "FROM confirmations q WHERE q.board_id = :b AND q.solved IS NOT NULL "
        "AND q.state IN ('confirmed', 'rejected') AND q.answered_at IS NOT NULL) latest "
        "WHERE n = 1 AND solved = :yes"
    )
    return {int(i) for (i,) in _run(session, sql, {"b": board_id, "yes": True})}


def answers(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[Any, ...]]:
    """The customer's scores given in the range (confirmed, rejected or scores-only
    answers): ``(card_id, csat, ces, nps, channel, product, segment)``, oldest first per
    card."""
    where, params = filters.sql()
    sql = (
        "SELECT a.card_id, a.csat, a.ces, a.nps, c.channel, c.product, c.segment "
        "FROM confirmations a JOIN cards c ON c.id = a.card_id "
        "WHERE a.board_id = :b AND a.state IN ('confirmed', 'rejected', 'answered') "
        "AND a.answered_at >= :start AND a.answered_at < :end "
        f"AND (a.csat IS NOT NULL OR a.ces IS NOT NULL OR a.nps IS NOT NULL){where} "
        "ORDER BY a.card_id, a.answered_at, a.id"
    )
    params.update(b=board_id, **_bounds(period))
    return [tuple(r) for r in _run(session, sql, params).all()]


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
