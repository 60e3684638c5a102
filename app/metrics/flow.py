"""Flow metrics of a board over a range: WIP, throughput, cycle and lead time, time in
column, aging, blocked time and the cumulative flow diagram.

One pass over the history :mod:`app.metrics.history` read. The definitions are the ones
in ``DOMAIN.md`` and :mod:`app.metrics.timeline`; where a choice was needed:

* A card *finished in the range* is one in a ``done`` column now whose final finish
  (first entry into done after it last left the other columns) falls in the range; a
  reopened card is counted once, at that final finish, and its cycle time runs from its
  first start (rework counts).
* *WIP* is the cards in ``active`` columns; per day, at the end of the day (the last
  instant before midnight UTC; for today, now). The CFD counts the same way, every
  column. Day series stop at today: the days after it have not happened.
* *Aging* is the cards in ``active`` columns now (so as many as ``wip.now``), aged from
  their first start; the bands and each card's percentile compare with the cycle
  times of the cards finished in the range.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from operator import add, itemgetter, mul
from typing import Any

from app.metrics.history import BoardHistory
from app.metrics.stats import percentile, percentile_rank
from app.metrics.timeline import DAY, cycle_days, day_of, start_finish

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "summarise"]

DEFAULT_LIMIT = 2_000
MAX_LIMIT = 20_000
HOUR = 3600.0


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _instant(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _levels(sorted_values: list[float]) -> dict[str, float | None]:
    return {f"p{p}": _hours(percentile(sorted_values, p)) for p in (50, 85, 95)}


def _cfd(h: BoardHistory, days: list[date]) -> dict[int, list[int]]:
    """Cards in each column at the end of each day.

    A stay is in its column at the end of day ``i`` when ``entered < end_i <= left``:
    from day ``bisect_right(ends, entered)`` to the day before ``bisect_right(ends,
    left)``. Those two indexes are counted per column with C-level ``map``/``Counter``
    (a year of stays is a few hundred thousand), then summed up day by day.
    """
    n = len(days)
    ends = [h.period.start_ts + DAY * (i + 1) for i in range(n)]
    # One int per (column, day index) keeps the counting in C: column k, day i is
    # k * stride + i; the last k collects stays in columns the board no longer has.
    order = {c.id: k for k, c in enumerate(h.columns)}
    stride, unknown = n + 1, len(h.columns)
    column, entered, left = itemgetter(0), itemgetter(1), itemgetter(2)

    def counted(rows: list[Any], at: itemgetter[Any]) -> Counter[int]:
        ks = map(order.get, map(column, rows), repeat(unknown))
        return Counter(
            map(add, map(mul, ks, repeat(stride)), map(bisect_right, repeat(ends), map(at, rows)))
        )

    arrivals = counted(h.stays, entered)
    # Stays that ended (``left`` is None for the current one; epoch 0 never occurs).
    departures = counted(list(filter(left, h.stays)), left)
    diff = {c.id: [0] * (n + 1) for c in h.columns}
    for sign, counter in ((1, arrivals), (-1, departures)):
        for key, count in counter.items():
            k, i = divmod(key, stride)
            if k < unknown:
                diff[h.columns[k].id][i] += sign * count
    out: dict[int, list[int]] = {}
    for column_id, row in diff.items():
        running = h.settled.get(column_id, 0)
        counts = []
        for i in range(n):
            running += row[i]
            counts.append(running)
        out[column_id] = counts
    return out


def _weeks(per_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    weeks: dict[date, int] = {}
    for entry in per_day:
        monday = entry["date"] - timedelta(days=entry["date"].weekday())
        weeks[monday] = weeks.get(monday, 0) + entry["count"]
    return [{"week_start": monday, "count": count} for monday, count in weeks.items()]


def _time_in_column(h: BoardHistory, times: dict[int, list[float]]) -> list[dict[str, Any]]:
    out = []
    for c in h.columns:
        if c.stage == "done":
            continue
        ordered = sorted(times.get(c.id, ()))
        out.append(
            {
                "column_id": c.id,
                "name": c.name,
                "stage": c.stage,
                "cards": len(ordered),
                "median_hours": _hours(percentile(ordered, 50)),
                "p85_hours": _hours(percentile(ordered, 85)),
            }
        )
    return out


def summarise(h: BoardHistory, *, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """The flow report of a loaded history (pure: no database, no clock)."""
    stage_of = {c.id: c.stage for c in h.columns}
    period, now = h.period, h.now
    first, stop = period.start_ts, period.end_ts
    today = day_of(now)
    days = [d for d in period.days if d <= today]
    finished_per_day = [0] * len(days)
    cycle: list[tuple[float, int, str, float]] = []  # finish, id, title, start
    cycle_seconds: list[float] = []
    cycle_day_counts: list[int] = []
    lead_seconds: list[float] = []
    column_times: dict[int, list[float]] = {c.id: [] for c in h.columns if c.stage != "done"}
    started: list[tuple[float, int, str, int]] = []  # start, id, title, column
    blocked: list[tuple[float, int, str]] = []  # seconds, id, title
    wip_now = 0
    for card, stays in h.by_card():
        card_id, created, column_id, title, is_blocked, since, spells = card
        stage = stage_of.get(column_id, "active")
        start, finish = start_finish(stays, stage_of)
        done_here = False
        if finish is not None and start is not None and first <= finish < stop:
            day = int((finish - first) // DAY)
            if day < len(days):  # (a finish after ``now`` is not one yet)
                done_here = True
                finished_per_day[day] += 1
                cycle.append((finish, card_id, title, start))
                cycle_seconds.append(finish - start)
                cycle_day_counts.append(int(finish // DAY) - int(start // DAY) + 1)
                lead_seconds.append(finish - created if finish > created else 0.0)
                # Time in each column that is not done, summed over visits.
                # (A finished card has left them all: each such stay has ended.)
                spent: dict[int, float] = {}
                for col, entered, left, _ in stays:
                    if left is not None and col in column_times:
                        spent[col] = spent.get(col, 0.0) + (left - entered)
                for col_id, seconds in spent.items():
                    column_times[col_id].append(seconds)
        if stage == "active":
            wip_now += 1
            if start is not None:
                started.append((start, card_id, title, column_id))
        if done_here or stage != "done":
            seconds = spells or 0.0
            if is_blocked and since is not None and now > since:
                seconds += now - since
            if seconds > 0:
                blocked.append((-seconds, card_id, title))

    for values in (cycle, cycle_seconds, cycle_day_counts, lead_seconds):
        values.sort()
    cycle_items = [
        {
            "card_id": card_id,
            "title": title,
            "start": _instant(start),
            "finish": _instant(finish),
            "hours": _hours(finish - start),
            "days": cycle_days(start, finish),
        }
        for finish, card_id, title, start in cycle[max(len(cycle) - limit, 0) :]
    ]
    started.sort()  # oldest start first
    aging_items = [
        {
            "card_id": card_id,
            "title": title,
            "column_id": column_id,
            "start": _instant(start),
            "age_hours": _hours(now - start),
            "age_days": cycle_days(start, now),
            "percentile": percentile_rank(cycle_seconds, now - start),
        }
        for start, card_id, title, column_id in started[:limit]
    ]
    blocked.sort()  # most blocked first
    blocked_items = [
        {"card_id": card_id, "title": title, "hours": _hours(-negative)}
        for negative, card_id, title in blocked[:limit]
    ]
    cfd = _cfd(h, days)
    active = [c.id for c in h.columns if c.stage == "active"]
    per_day = [{"date": d, "count": finished_per_day[i]} for i, d in enumerate(days)]
    levels = _levels(cycle_seconds)
    return {
        "board_id": h.board_id,
        "from": period.start,
        "to": period.end,
        "generated_at": _instant(now),
        "wip": {
            "now": wip_now,
            "per_day": [
                {"date": d, "wip": sum(cfd[c][i] for c in active)} for i, d in enumerate(days)
            ],
        },
        "throughput": {"total": len(cycle), "per_day": per_day, "per_week": _weeks(per_day)},
        "cycle_time": {
            "count": len(cycle),
            **levels,
            "days": {f"p{p}": percentile(cycle_day_counts, p) for p in (50, 85, 95)},
            "items": cycle_items,
            "truncated": len(cycle) > limit,
        },
        "lead_time": {"count": len(cycle), **_levels(lead_seconds)},
        "time_in_column": _time_in_column(h, column_times),
        "aging": {
            "count": len(started),
            "bands": levels,
            "items": aging_items,
            "truncated": len(started) > limit,
        },
        "blocked": {
            "total_hours": round(-sum(b[0] for b in blocked) / HOUR, 2),
            "cards": len(blocked),
            "items": blocked_items,
            "truncated": len(blocked) > limit,
        },
        "cfd": {
            "columns": [{"id": c.id, "name": c.name, "stage": c.stage} for c in h.columns],
            "days": [
                {"date": d, "counts": {str(c.id): cfd[c.id][i] for c in h.columns}}
                for i, d in enumerate(days)
            ],
        },
    }
