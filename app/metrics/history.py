"""A board's flow history for one range, read once in a few set-based statements.

Flow metrics and forecasts need the column stays of every card that could matter to
the range, and nothing about the rest:

* cards not in a ``done`` column now (WIP, aging, blocked time, CFD), and
* cards in a ``done`` column that they entered on or after the range's first day: only
  these can have finished in the range (a card's finish is never later than its entry
  into its current column).

Every other card sits in a ``done`` column it entered before the range began, and
stays there through the whole range, so the cumulative flow diagram needs only how
many there are per column (``settled``), not their stays. On a year of a busy board
this skips most of the old history, and no ORM object is built per row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import access
from app.core.models import UTCDateTime
from app.metrics import repository
from app.metrics.filters import DateRange
from app.metrics.params import Scope
from app.metrics.timeline import ColumnInfo

__all__ = ["HISTORY_FIELDS", "BoardHistory", "load"]

# The card columns a history row carries, in this order.
HISTORY_FIELDS = (
    "id",
    "created",
    "column_id",
    "title",
    "blocked",
    "blocked_since",
    "blocked_seconds",
)


@dataclass(frozen=True, slots=True)
class BoardHistory:
    """What :func:`load` read: plain tuples and floats, ready for a pure computation."""

    board_id: int
    period: DateRange
    now: float
    columns: list[ColumnInfo]  # left to right
    cards: list[Any]  # HISTORY_FIELDS rows
    # (column_id, entered, left, card_id) rows, by card id then oldest first: each
    # starts like a Stay, so a card's slice goes to ``timeline.build`` as it is.
    stays: list[Any]

    def by_card(self) -> Iterator[tuple[Any, Sequence[Any]]]:
        """Each card row with its stays, oldest first."""
        cards = {row[0]: row for row in self.cards}
        for card_id, group in groupby(self.stays, itemgetter(3)):
            card = cards.pop(card_id, None)
            if card is not None:  # (None: made between the two statements, on PostgreSQL)
                yield card, list(group)
        for card in cards.values():
            yield card, []

    # done column id -> cards that entered it before the range and are still there
    settled: dict[int, int]


def _relevant(*, with_open: bool) -> str:
    """The join and condition that pick the cards a range can be about."""
    join = " JOIN board_columns cc ON cc.id = c.column_id"
    if with_open:
        return join + " WHERE c.board_id = :b AND (cc.stage <> 'done' OR c.column_entered_at >= :s)"
    return join + " WHERE c.board_id = :b AND cc.stage = 'done' AND c.column_entered_at >= :s"


def _params(board_id: int, period: DateRange, extra: dict[str, object]) -> dict[str, object]:
    since = datetime.fromtimestamp(period.start_ts, UTC)
    return {"b": board_id, "s": since, **extra}


def load(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    scope: Scope,
    now: float | None = None,
    with_open: bool = True,
) -> BoardHistory:
    """The history of the board's (filtered) cards that the scope's range can be about.

    Members only (any role); ``with_open=False`` reads only the cards that may have
    finished in the range (what a throughput history needs).
    """
    access.board_role(session, actor=actor, board_id=board_id)
    now = time.time() if now is None else now
    period, filters = scope.period, scope.filters
    where, fparams = filters.sql()
    params = _params(board_id, period, fparams)
    relevant = _relevant(with_open=with_open) + where

    def e(column: str) -> str:
        return repository.epoch(session, column)

    def run(sql: str) -> list[Any]:
        stmt = text(sql).bindparams(bindparam("s", type_=UTCDateTime()))
        return repository.raw_rows(session, stmt, params)

    cards = run(
        f"SELECT c.id, {e('c.created_at')}, c.column_id, c.title, c.blocked, "
        f"{e('c.blocked_since')}, c.blocked_seconds FROM cards c{relevant}"
    )
    stays = run(
        f"SELECT s.column_id, {e('s.entered_at')}, {e('s.left_at')}, s.card_id "
        f"FROM card_stays s JOIN cards c ON c.id = s.card_id{relevant} "
        "ORDER BY s.card_id, s.entered_at, s.id"
    )
    settled: dict[int, int] = {}
    if with_open:
        rows = run(
            "SELECT c.column_id, COUNT(*) FROM cards c JOIN board_columns cc "
            "ON cc.id = c.column_id WHERE c.board_id = :b AND cc.stage = 'done' "
            f"AND c.column_entered_at < :s{where} GROUP BY c.column_id"
        )
        settled = {int(column_id): int(n) for column_id, n in rows}
    return BoardHistory(
        board_id=board_id,
        period=period,
        now=now,
        columns=repository.columns(session, board_id),
        cards=cards,
        stays=stays,
        settled=settled,
    )
