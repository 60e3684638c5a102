"""SQL for metrics and exports: raw statements returning epoch seconds.

A year of a busy board is a few hundred thousand stays; reading them as plain floats
through the driver (no per-row type processing or ORM objects) is what keeps the
metrics endpoints within their two-second budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from app.metrics.filters import CardFilter
from app.metrics.timeline import ColumnInfo, Stay

__all__ = [
    "CARD_FIELDS",
    "card_batch",
    "columns",
    "epoch",
    "raw_rows",
    "stays_for",
]

# The card columns every metric row carries, in this order.
CARD_FIELDS = (
    "id",
    "created",
    "column_id",
    "lane_id",
    "title",
    "channel",
    "product",
    "priority",
    "segment",
    "external_ref",
    "customer_id",
    "first_response",
    "agent_replies",
    "handle_seconds",
    "bot_handled",
    "bot_resolved",
    "handed_off",
    "waiting_seconds",
    "blocked",
    "blocked_since",
    "blocked_seconds",
    "reopen_count",
    "sla_policy_id",
)


def epoch(session: Session, column: str) -> str:
    """SQL for a timestamp column as epoch seconds (float) on this database."""
    if session.connection().dialect.name == "postgresql":
        # date_part returns float8 directly; EXTRACT computes a numeric first, which
        # on a year of stays costs more than the rest of the query.
        return f"date_part('epoch', {column})"
    # SQLite stores naive UTC text; julianday keeps the fraction of a second.
    return f"((julianday({column}) - 2440587.5) * 86400.0)"


def raw_rows(session: Session, statement: TextClause, params: dict[str, Any]) -> list[Any]:
    """The rows of a statement as the driver returns them, not wrapped in ``Row``s.

    Tuples on SQLite, asyncpg ``Record``s on PostgreSQL: both index, slice-free, and
    unpack like tuples. Wrapping a year of stays in ``Row`` objects costs more than
    reading them (on asyncpg, two thirds of the whole fetch).
    """
    result = session.connection().execute(statement, params)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def columns(session: Session, board_id: int) -> list[ColumnInfo]:
    """The board's workflow columns, left to right."""
    rows = session.execute(
        text(
            "SELECT id, name, position, stage FROM board_columns "
            "WHERE board_id = :b ORDER BY position, id"
        ),
        {"b": board_id},
    )
    return [ColumnInfo(int(i), str(n), int(p), str(s)) for i, n, p, s in rows]


def _card_select(session: Session) -> str:
    def e(col: str) -> str:
        return epoch(session, col)

    return (
        f"SELECT c.id, {e('c.created_at')}, c.column_id, c.lane_id, c.title, c.channel, "
        f"c.product, c.priority, c.segment, c.external_ref, c.customer_id, "
        f"{e('c.first_response_at')}, c.agent_replies, c.handle_seconds, c.bot_handled, "
        f"{e('c.bot_resolved_at')}, {e('c.handed_off_at')}, c.waiting_seconds, c.blocked, "
        f"{e('c.blocked_since')}, c.blocked_seconds, c.reopen_count, c.sla_policy_id "
        "FROM cards c"
    )


def card_batch(
    session: Session,
    *,
    board_id: int,
    filters: CardFilter,
    after_id: int = 0,
    limit: int | None = None,
) -> list[tuple[Any, ...]]:
    """The board's cards (``CARD_FIELDS`` tuples) in id order, after ``after_id``."""
    where, params = filters.sql()
    sql = _card_select(session) + " WHERE c.board_id = :b AND c.id > :after" + where
    sql += " ORDER BY c.id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    params.update(b=board_id, after=after_id)
    return [tuple(r) for r in session.execute(text(sql), params)]


def _group(rows: Any) -> dict[int, list[Stay]]:
    out: dict[int, list[Stay]] = {}
    for card_id, column_id, entered, left in rows:
        out.setdefault(int(card_id), []).append(Stay(int(column_id), float(entered), left))
    return out


def stays_for(session: Session, card_ids: Sequence[int]) -> dict[int, list[Stay]]:
    """The stays of a batch of cards, grouped by card, oldest first."""
    if not card_ids:
        return {}
    sql = (
        f"SELECT s.card_id, s.column_id, {epoch(session, 's.entered_at')}, "
        f"{epoch(session, 's.left_at')} FROM card_stays s "
        f"WHERE s.card_id >= :lo AND s.card_id <= :hi ORDER BY s.card_id, s.entered_at, s.id"
    )
    wanted = set(card_ids)
    rows = session.execute(text(sql), {"lo": min(card_ids), "hi": max(card_ids)})
    return {k: v for k, v in _group(rows).items() if k in wanted}
