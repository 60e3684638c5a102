"""A card's life, read from its column stays: when it started, finished, was reopened,
how long it spent in each column, and its ActionableAgile dates (the last entry into
each column, as ActionableAgile dates work that moved backwards).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

__all__ = [
    "ColumnInfo",
    "Stay",
    "Timeline",
    "aa_dates",
    "build",
    "cycle_days",
    "day_of",
    "start_finish",
]

DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    id: int
    name: str
    position: int
    stage: str


class Stay(NamedTuple):
    """One visit of a card to a column; ``left`` is None for the current one.

    A tuple, so that :func:`build` also takes raw result rows that start with these
    three fields (whatever follows them): a year of stays is not copied into objects.
    """

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
    """The timeline of one card from its stays, oldest first.

    A stay in a column the mapping does not know counts as ``active``. One pass, and
    positional access only (see :func:`start_finish` for the two instants alone).
    """
    tl = Timeline(card_id=card_id, created=created)
    seconds = tl.column_seconds
    start = first_done = done_run = None  # done_run: entry into the current run of done
    previous_done = False
    for stay in stays:
        column_id, entered = stay[0], stay[1]
        info = columns.get(column_id)
        done = info is not None and info.stage == "done"
        if start is None and (done or info is None or info.stage == "active"):
            start = entered
        if done:
            if first_done is None:
                first_done = entered
            if not previous_done:
                done_run = entered
        elif previous_done:
            tl.reopened_at.append(entered)
        previous_done = done
        left = stay[2]
        spent = (now if left is None else left) - entered
        seconds[column_id] = seconds.get(column_id, 0.0) + (spent if spent > 0.0 else 0.0)
    tl.start, tl.first_done = start, first_done
    tl.finish = done_run if previous_done else None
    return tl


def start_finish(
    stays: Sequence[Stay], stages: Mapping[int, str]
) -> tuple[float | None, float | None]:
    """``(start, finish)`` of a card exactly as :func:`build` has them, and nothing else.

    ``stages`` maps column id to stage. Flow metrics need only these two instants for
    each of a year's cards; no object is made per card (building 100,000 timelines
    costs more, most of it in the garbage collector, than reading their stays).
    """
    start = done_run = None
    previous_done = False
    for stay in stays:
        stage = stages.get(stay[0], "active")
        if stage == "done":
            if start is None:
                start = stay[1]
            if not previous_done:
                done_run = stay[1]
            previous_done = True
        else:
            if start is None and stage == "active":
                start = stay[1]
            previous_done = False
    return start, done_run if previous_done else None


def aa_dates(stays: Sequence[Stay], ordered: Sequence[ColumnInfo]) -> list[date | None]:
    """The date the card entered each workflow column, for the ActionableAgile CSV.

    ActionableAgile's rule for work that moves backwards: a column entered more than
    once carries the *last* date it was entered, and a move back to a column erases the
    dates of every column after it until the card enters them again. A skipped column
    takes the date of the next column the card reached; a column not reached (since the
    last move back) stays empty; and no date is later than the one of a column to its
    right. Columns the board no longer has are ignored.
    """
    position = {c.id: i for i, c in enumerate(ordered)}
    last: list[float | None] = [None] * len(ordered)
    furthest = -1  # the rightmost column with a date
    for stay in stays:
        p = position.get(stay.column_id)
        if p is None:
            continue
        for q in range(p + 1, furthest + 1):  # moved back: the later columns are erased
            last[q] = None
        last[p] = stay.entered
        furthest = p
    for p in range(furthest - 1, -1, -1):
        right = last[p + 1]
        here = last[p]
        # Skipped: backfilled from the next column reached; and never later than it.
        if here is None or (right is not None and here > right):
            last[p] = right
    return [None if ts is None else day_of(ts) for ts in last]
