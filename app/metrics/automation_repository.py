"""SQL for the automation metrics: bots' and people's resolutions with the customer's
answer to each, bots' hand-overs, bots' reported cost and people's handling time.

Who did something is the event's actor (``board_events.actor_kind``, 'bot' for a bot),
so a resolution stays a bot's even if the bot's account is later removed. Each
statement is one set-based read per board over the period; times are epoch seconds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.metrics.filters import CardFilter, DateRange
from app.metrics.repository import epoch
from app.metrics.support_repository import _bounds, _run

__all__ = [
    "answers_of",
    "bot_costs",
    "bot_worked",
    "handovers",
    "people_handling",
    "resolutions",
]


def _json(session: Session, column: str, key: str, *, integer: bool = False) -> str:
    """A key of a JSON column, as text (or an integer)."""
    if session.connection().dialect.name == "postgresql":
        value = f"({column} ->> '{key}')"
        return f"CAST({value} AS INTEGER)" if integer else value
    return f"json_extract({column}, '$.{key}')"


def _scoped(filters: CardFilter, board_id: int, period: DateRange) -> tuple[str, dict[str, Any]]:
    where, params = filters.sql()
    params.update(b=board_id, **_bounds(period))
    return where, params


def bot_worked(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[int, str | None, str | None]]:
    """``(card_id, channel, product)`` of each card a bot changed anything on (an event
    by a bot) in the period: the cards bots worked."""
    where, params = _scoped(filters, board_id, period)
    sql = (
        "SELECT DISTINCT e.card_id, c.channel, c.product FROM board_events e "
        "JOIN cards c ON c.id = e.card_id WHERE e.board_id = :b AND e.actor_kind = 'bot' "
        f"AND e.at >= :start AND e.at < :end{where}"
    )
    return [(int(i), ch, pr) for i, ch, pr in _run(session, sql, params)]


def resolutions(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[int, str, str | None, str | None, str | None, float | None]]:
    """Each move into done in the period with the customer's answer to the question it
    asked: ``(card_id, actor_kind, channel, product, state, expires_at)``, in log
    order. The question is the ``confirmation.requested`` the move's transaction
    appended: the card's first one after the move in the log."""
    where, params = _scoped(filters, board_id, period)
    to_stage = _json(session, "e.data", "to_stage")
    from_stage = _json(session, "e.data", "from_stage")
    conf_id = _json(session, "r.data", "confirmation_id", integer=True)
    sql = (
        "WITH m AS (SELECT e.card_id, e.seq, e.actor_kind, c.channel, c.product "
        "FROM board_events e JOIN cards c ON c.id = e.card_id "
        "WHERE e.board_id = :b AND e.type = 'card.moved' "
        f"AND {to_stage} = 'done' AND {from_stage} <> 'done' "
        f"AND e.at >= :start AND e.at < :end{where}), "
        "asked AS (SELECT m.card_id, m.seq, MIN(r.seq) AS rseq FROM m "
        "JOIN board_events r ON r.board_id = :b AND r.card_id = m.card_id "
        "AND r.type = 'confirmation.requested' AND r.seq > m.seq GROUP BY m.card_id, m.seq) "
        f"SELECT m.card_id, m.actor_kind, m.channel, m.product, q.state, "
        f"{epoch(session, 'q.expires_at')} FROM m "
        "LEFT JOIN asked a ON a.card_id = m.card_id AND a.seq = m.seq "
        "LEFT JOIN board_events r ON r.board_id = :b AND r.seq = a.rseq "
        f"LEFT JOIN confirmations q ON q.id = {conf_id} "
        "ORDER BY m.seq"
    )
    return [tuple(r) for r in _run(session, sql, params).all()]


def handovers(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[int, int, str | None, str | None, float, float | None, str]]:
    """Swarms a bot requested in the period: ``(swarm_id, card_id, channel, product,
    requested_at, ended_at, state)``."""
    where, params = _scoped(filters, board_id, period)
    swarm_id = _json(session, "e.data", "swarm_id", integer=True)
    sql = (
        "SELECT s.id, s.card_id, c.channel, c.product, "
        f"{epoch(session, 's.requested_at')}, {epoch(session, 's.ended_at')}, s.state "
        f"FROM board_events e JOIN swarms s ON s.id = {swarm_id} "
        "JOIN cards c ON c.id = s.card_id "
        "WHERE e.board_id = :b AND e.type = 'swarm.requested' AND e.actor_kind = 'bot' "
        f"AND e.at >= :start AND e.at < :end{where} ORDER BY e.seq"
    )
    return [tuple(r) for r in _run(session, sql, params).all()]


def answers_of(
    session: Session, *, board_id: int, card_ids: list[int]
) -> list[tuple[int, bool, float]]:
    """The customer's yes/no answers on these cards: ``(card_id, solved, answered_at)``,
    oldest first."""
    if not card_ids:
        return []
    ids = ", ".join(str(int(i)) for i in sorted(set(card_ids)))
    sql = (
        f"SELECT q.card_id, q.solved, {epoch(session, 'q.answered_at')} FROM confirmations q "
        "WHERE q.board_id = :b AND q.state IN ('confirmed', 'rejected') "
        f"AND q.answered_at IS NOT NULL AND q.card_id IN ({ids}) "
        "ORDER BY q.answered_at, q.id"
    )
    return [(int(c), bool(s), float(a)) for c, s, a in _run(session, sql, {"b": board_id})]


def bot_costs(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[str | None, str | None, float, int, int]]:
    """What bots reported spending in the period, per (channel, product):
    ``(channel, product, cost_usd, input_tokens, output_tokens)``."""
    where, params = _scoped(filters, board_id, period)
    sql = (
        "SELECT c.channel, c.product, SUM(u.cost_usd), SUM(u.input_tokens), "
        "SUM(u.output_tokens) FROM card_usage u JOIN cards c ON c.id = u.card_id "
        "JOIN users p ON p.id = u.user_id WHERE u.board_id = :b AND p.kind = 'bot' "
        f"AND u.reported_at >= :start AND u.reported_at < :end{where} "
        "GROUP BY c.channel, c.product"
    )
    return [
        (ch, pr, float(cost or 0.0), int(i or 0), int(o or 0))
        for ch, pr, cost, i, o in _run(session, sql, params)
    ]


def people_handling(
    session: Session, *, board_id: int, filters: CardFilter, period: DateRange
) -> list[tuple[str | None, str | None, float]]:
    """People's handling time recorded in the period, per (channel, product): the
    ``handle_seconds`` of the interactions a person recorded (not the customer's
    messages, nor anything a bot recorded)."""
    where, params = _scoped(filters, board_id, period)
    sql = (
        "SELECT c.channel, c.product, SUM(i.handle_seconds) FROM interactions i "
        "JOIN cards c ON c.id = i.card_id LEFT JOIN users p ON p.id = i.recorded_by "
        "WHERE i.board_id = :b AND i.actor_kind = 'user' AND i.kind <> 'customer_message' "
        "AND COALESCE(p.kind, 'person') = 'person' "
        f"AND i.handle_seconds IS NOT NULL AND i.at >= :start AND i.at < :end{where} "
        "GROUP BY c.channel, c.product"
    )
    return [(ch, pr, float(s or 0.0)) for ch, pr, s in _run(session, sql, params)]
