"""What every card export is built from: the board's context and one record per card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from app.metrics.timeline import ColumnInfo, Stay, Timeline

__all__ = ["CardRecord", "ExportContext", "iso_ts", "link"]


@dataclass(frozen=True, slots=True)
class ExportContext:
    """The board as one export sees it, read once before streaming starts."""

    board_id: int
    columns: list[ColumnInfo]  # left to right
    lanes: dict[int, str]
    waiting: frozenset[int]  # columns that wait on the customer
    public_url: str
    now: float  # the instant open stays, spells and waits are counted up to
    last_seq: int  # the event log is exported up to here
    # The caller's board role: events.csv redacts what it may not see. The command line
    # exports as the operator ("admin").
    role: str = "admin"
    by_id: dict[int, ColumnInfo] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {c.id: c for c in self.columns})


@dataclass(frozen=True, slots=True)
class CardRecord:
    """One card: its row (``CARD_FIELDS`` by name), stays, timeline and extras."""

    card: dict[str, Any]
    stays: list[Stay]
    timeline: Timeline
    swarmed: bool
    confirmation: dict[str, Any] | None
    # NDJSON only: {"usage": {input_tokens, output_tokens, cost_usd}, "resolution"}.
    outcome: dict[str, Any] | None = None

    def blocked_seconds(self, now: float) -> float:
        """Finished blocked spells plus the current one, if the card is blocked now."""
        total = float(self.card["blocked_seconds"] or 0.0)
        since = self.card["blocked_since"]
        if self.card["blocked"] and since is not None:
            total += max(now - since, 0.0)
        return total

    def waiting_seconds(self, now: float, waiting: frozenset[int]) -> float:
        """Time waiting on the customer, the current stay in a waiting column included."""
        total = float(self.card["waiting_seconds"] or 0.0)
        current = self.stays[-1] if self.stays else None
        if current is not None and current.left is None and current.column_id in waiting:
            total += max(now - current.entered, 0.0)
        return total


def link(ctx: ExportContext, card_id: int) -> str:
    """The card on its board page."""
    return f"{ctx.public_url}/boards/{ctx.board_id}#card-{card_id}"


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + days).isoformat()


def iso_ts(ts: float | None) -> str | None:
    """Epoch seconds as RFC 3339 UTC with milliseconds, as in the event envelope."""
    if ts is None:
        return None
    # Integer arithmetic and a cache of day strings: an NDJSON export formats about ten
    # timestamps per card, and strftime was the largest single cost of the whole export.
    secs, milli = divmod(round(ts * 1000), 1000)
    days, of_day = divmod(secs, 86_400)
    hours, rest = divmod(of_day, 3600)
    return f"{_day(days)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{milli:03d}Z"
