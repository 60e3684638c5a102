"""A card's life, read from its column stays: when it started, finished, was reopened,
how long it spent in each column, and its ActionableAgile dates.

Pure functions over epoch seconds (UTC), so every rule here is tested by hand-computed
fixtures without a database. The definitions follow ``DOMAIN.md``:

- **start**: the first entry into an ``active`` column. A card that skipped every active
  column starts when it first enters a ``done`` one (ActionableAgile backfills a skipped
  start column the same way), so its cycle time is the shortest possible, not unknown.
- **finish**: only for a card that is in a ``done`` column now: its first entry into
  done after it last left the non-done columns. A reopened card that is done again
  finishes at the second finish; its start stays the first one (rework counts).
- **first resolution**: the first entry into done ever (for first-resolution TTR).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

__all__ = [
    "ColumnInfo",
    "Stay",
    "Timeline",
    "aa_dates",
    "build",
    "cycle_days",
    "day_of",
    "in_column_at",
]

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    id: int
    name: str
    position: int
    stage: str


@dataclass(frozen=True, slots=True)
class Stay:
    """One visit of a card to a column; ``left`` is None for the current one."""

    column_id: int
    entered: float
    left: float | None


@dataclass(slots=True)
class Timeline:
    card_id: int
    created: float
    start: float | None = None
    finish: float | None = None
    first_done: float | None = None
    # Each time the card left a done column for a column that is not done.
    reopened_at: list[float] = field(default_factory=list)
    # Seconds in each column, summed over visits (the current visit up to ``now``).
    column_seconds: dict[int, float] = field(default_factory=dict)

    @property
    def cycle_seconds(self) -> float | None:
        if self.start is None or self.finish is None:
            return None
        return max(self.finish - self.start, 0.0)

    @property
    def lead_seconds(self) -> float | None:
        return None if self.finish is None else max(self.finish - self.created, 0.0)


def day_of(ts: float) -> date:
    """The UTC calendar day of an epoch timestamp."""
    return datetime.fromtimestamp(ts, UTC).date()


def cycle_days(start: float, finish: float) -> int:
    """ActionableAgile's cycle time in days: ``floor(end) - floor(start) + 1``."""
    return int(math.floor(finish / DAY) - math.floor(start / DAY)) + 1


def build(
    card_id: int,
    created: float,
    stays: Sequence[Stay],
    columns: Mapping[int, ColumnInfo],
    now: float,
) -> Timeline:
    """The timeline of one card from its stays, oldest first."""
    tl = Timeline(card_id=card_id, created=created)
    stages = [columns[s.column_id].stage if s.column_id in columns else "active" for s in stays]
    for stay, stage in zip(stays, stages, strict=True):
        if tl.start is None and stage in ("active", "done"):
            tl.start = stay.entered
        if tl.first_done is None and stage == "done":
            tl.first_done = stay.entered
        spent = max((stay.left if stay.left is not None else now) - stay.entered, 0.0)
        tl.column_seconds[stay.column_id] = tl.column_seconds.get(stay.column_id, 0.0) + spent
    for before, after, stage_after in zip(stages, stays[1:], stages[1:], strict=False):
        if before == "done" and stage_after != "done":
            tl.reopened_at.append(after.entered)
    if stays and stages[-1] == "done":
        i = len(stays) - 1
        while i > 0 and stages[i - 1] == "done":
            i -= 1
        tl.finish = stays[i].entered
    return tl


def aa_dates(stays: Sequence[Stay], ordered: Sequence[ColumnInfo]) -> list[date | None]:
    """The date the card first entered each workflow column, for the ActionableAgile CSV.

    After a restart (the latest move back to an earlier column) the columns from the
    restart column on use their first entry after it; a skipped column takes the date
    of the next column the card reached; a column not reached yet stays empty; and no
    date is later than the one of a column to its right.
    """
    position = {c.id: i for i, c in enumerate(ordered)}
    known = [s for s in stays if s.column_id in position]
    if not known:
        return [None] * len(ordered)
    restart = 0
    for k in range(1, len(known)):
        if position[known[k].column_id] < position[known[k - 1].column_id]:
            restart = k
    restart_pos = position[known[restart].column_id]
    first: list[float | None] = [None] * len(ordered)
    for k, stay in enumerate(known):
        p = position[stay.column_id]
        if (p >= restart_pos) != (k >= restart):
            continue  # before the restart for a column it re-entered, or vice versa
        if first[p] is None:
            first[p] = stay.entered
    furthest = max(position[s.column_id] for s in known[restart:])
    for p in range(furthest - 1, -1, -1):
        right = first[p + 1]
        here = first[p]
        # Skipped: backfilled from the next column reached; and never later than it.
        if here is None or (right is not None and here > right):
            first[p] = right
    return [day_of(ts) if ts is not None and p <= furthest else None for p, ts in enumerate(first)]


def in_column_at(
    stays: Iterable[tuple[int, float, float | None]], instants: Sequence[float]
) -> dict[int, list[int]]:
    """For each column, how many stays were open at each instant (cards in it then).

    A stay counts at ``t`` when ``entered <= t < left`` (``left`` None: still there).
    Sorted arrays and bisection: cost grows with stays + columns x instants, not with
    their product.
    """
    entered: dict[int, list[float]] = {}
    left: dict[int, list[float]] = {}
    for column_id, e, lft in stays:
        entered.setdefault(column_id, []).append(e)
        if lft is not None:
            left.setdefault(column_id, []).append(lft)
    out: dict[int, list[int]] = {}
    for column_id, ins in entered.items():
        ins.sort()
        outs = sorted(left.get(column_id, []))
        out[column_id] = [bisect_right(ins, t) - bisect_right(outs, t) for t in instants]
    return out
