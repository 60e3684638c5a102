"""Monte Carlo forecasts from a board's daily throughput: how many by a date, and when.

Each run resamples, for every future day (tomorrow is day 1), the number of cards
finished on a day drawn uniformly from the history window (the scope's range, up to
today; the Retro page's default: the last 30 days). Given a seed the answer is
repeatable (``random.Random(seed)``); without one a seed is drawn and returned.

Speed: days are drawn ``m`` at a time from a table of the sums of every ``m``-tuple of
history days (``n**m`` entries, at most 65,536). An index into that table is ``m``
independent uniform draws, so the sums have exactly the distribution of ``m`` daily
draws, at a ``1/m`` of the cost; a "when" run decodes the index of the block in which
it crosses the target to find the exact day.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.core.errors import ValidationFailed
from app.metrics import history as history_loader
from app.metrics.filters import MAX_DAYS
from app.metrics.params import Scope
from app.metrics.stats import percentile
from app.metrics.timeline import DAY, day_of, start_finish

__all__ = [
    "DEFAULT_RUNS",
    "HORIZON_DAYS",
    "MAX_DAY_RUNS",
    "MAX_ITEM_RUNS",
    "MAX_RUNS",
    "MAX_UNTIL_DAYS",
    "NoThroughputHistory",
    "Sample",
    "check_work",
    "forecast_how_many",
    "forecast_when",
    "how_many",
    "sample",
    "when",
]

DEFAULT_RUNS = 10_000
MAX_RUNS = 100_000
MAX_UNTIL_DAYS = MAX_DAYS  # "how many by" looks at most about 3 years ahead
# The work one API forecast may ask for (each run simulates day after day). "When":
# items x runs, 1,000 cards at the default runs (about 0.3 s on a 2-core machine from
# a typical month's history; a sparse history, whose runs reach the 10-year horizon,
# can take a few seconds whatever the product). "How many": days ahead x runs, the
# whole 3-year window at the default runs.
MAX_ITEM_RUNS = 10_000_000
MAX_DAY_RUNS = MAX_UNTIL_DAYS * DEFAULT_RUNS
HORIZON_DAYS = 3_653  # a "when" run gives up after 10 years
_TABLE_MAX = 1 << 16
_FOLD_MAX = 64


class NoThroughputHistory(ValidationFailed):
    type, title = "no-throughput-history", "No throughput history"


@dataclass(frozen=True, slots=True)
class Sample:
    """Cards finished on each day of the history window (days up to ``today``)."""

    start: date
    end: date
    today: date
    daily: list[int]

    def describe(self) -> dict[str, Any]:
        finished = sum(self.daily)
        return {
            "from": self.start,
            "to": self.end,
            "days": len(self.daily),
            "finished": finished,
            "mean_per_day": round(finished / len(self.daily), 4) if self.daily else None,
        }


def sample(
    session: Session, *, actor: Principal, board_id: int, scope: Scope, now: float | None = None
) -> Sample:
    """The daily throughput of the scope's range (members only, any role)."""
    h = history_loader.load(
        session, actor=actor, board_id=board_id, scope=scope, now=now, with_open=False
    )
    stages = {c.id: c.stage for c in h.columns}
    today = day_of(h.now)
    period = h.period
    days = [d for d in period.days if d <= today]
    daily = [0] * len(days)
    first, stop = period.start_ts, period.end_ts
    for _, stays in h.by_card():
        _, finish = start_finish(stays, stages)
        if finish is not None and first <= finish < stop:
            i = int((finish - first) // DAY)
            if i < len(daily):
                daily[i] += 1
    end = min(period.end, today) if days else period.end
    return Sample(start=period.start, end=end, today=today, daily=daily)


def check_work(*, runs: int, items: int | None = None, days: int | None = None) -> None:
    """Refuse (422) a forecast that asks for more work than one request may."""
    if items is not None and items * runs > MAX_ITEM_RUNS:
        raise ValidationFailed(
            f"'items' x 'runs' may be at most {MAX_ITEM_RUNS:,} ({items:,} x {runs:,} = "
            f"{items * runs:,}); ask for fewer items or fewer runs.",
            errors=[
                {"field": "items", "in": "query", "message": "items x runs too large"},
                {"field": "runs", "in": "query", "message": "items x runs too large"},
            ],
        )
    if days is not None and days * runs > MAX_DAY_RUNS:
        raise ValidationFailed(
            f"days ahead x 'runs' may be at most {MAX_DAY_RUNS:,} ({days:,} x {runs:,}); "
            "pick an earlier 'until' or fewer runs.",
            errors=[
                {"field": "until", "in": "query", "message": "days x runs too large"},
                {"field": "runs", "in": "query", "message": "days x runs too large"},
            ],
        )


def _table(pop: list[int], most: int) -> tuple[list[int], int]:
    """The sums of every ``m``-tuple of ``pop`` (index digits base ``len(pop)``), and m."""
    n, m = len(pop), 1
    while m < min(most, _FOLD_MAX) and n ** (m + 1) <= _TABLE_MAX:
        m += 1
    table = list(pop)
    for _ in range(m - 1):
        table = [t + v for t in table for v in pop]  # index t_index * n + v_index
    return table, m


def _seeded(seed: int | None) -> tuple[random.Random, int]:
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 32)
    return random.Random(seed), seed


def forecast_how_many(
    s: Sample, *, until: date, seed: int | None = None, runs: int = DEFAULT_RUNS
) -> dict[str, Any]:
    """How many cards will be finished from tomorrow through ``until`` (pure)."""
    days = (until - s.today).days
    if days < 1 or days > MAX_UNTIL_DAYS:
        raise ValidationFailed(
            f"'until' must be after today ({s.today}) and at most {MAX_UNTIL_DAYS} days ahead.",
            errors=[{"field": "until", "in": "query", "message": "out of range"}],
        )
    rng, seed = _seeded(seed)
    outcomes = [0] * runs
    if len(set(s.daily)) == 1:  # the same every day (or nothing): no doubt to simulate
        outcomes = [s.daily[0] * days] * runs
    elif s.daily:
        table, m = _table(s.daily, days)
        blocks, rest = divmod(days, m)
        choices, pop = rng.choices, s.daily
        outcomes = [sum(choices(table, k=blocks)) + sum(choices(pop, k=rest)) for _ in outcomes]
        outcomes.sort()
    # p85: reached or beaten in at least 85% of the runs, the 15th percentile.
    out: dict[str, Any] = {"until": until, "days": days, "runs": runs, "seed": seed}
    out["history"] = s.describe()
    for p in (50, 85, 95):
        out[f"p{p}"] = int(percentile(outcomes, 100 - p) or 0)
    return out


def _days_to_finish(
    rng: random.Random, pop: list[int], table: list[int], m: int, items: int, chunk: int
) -> float:
    """Days until ``items`` are finished in one run; ``inf`` beyond the horizon."""
    n, index, get, best = len(pop), range(len(table)), table.__getitem__, max(pop)
    need, passed = items, 0
    blocks_left = math.ceil(HORIZON_DAYS / m)
    while blocks_left > 0:
        k = min(chunk, blocks_left)
        drawn = rng.choices(index, k=k)
        totals = list(accumulate(map(get, drawn)))
        if totals[-1] < need:
            need -= totals[-1]
            passed += k * m
            blocks_left -= k
            if need > (HORIZON_DAYS - passed) * best:
                return math.inf  # even the best day every day left would not do it
            continue
        b = bisect_left(totals, need)
        need -= totals[b - 1] if b else 0
        j, day = drawn[b], 0
        while need > 0:  # the block's days, one digit of its table index each
            need -= pop[j % n]
            j //= n
            day += 1
        total = passed + b * m + day
        return total if total <= HORIZON_DAYS else math.inf
    return math.inf


def forecast_when(
    s: Sample, *, items: int, seed: int | None = None, runs: int = DEFAULT_RUNS
) -> dict[str, Any]:
    """When ``items`` more cards will be finished, at 50/85/95% confidence (pure)."""
    finished = sum(s.daily)
    if not finished:
        raise NoThroughputHistory(
            f"No card was finished from {s.start} to {s.end}, so there is no throughput to "
            "resample; pick a history range in which cards were finished."
        )
    rng, seed = _seeded(seed)
    if items > max(s.daily) * HORIZON_DAYS:
        outcomes = [math.inf] * runs  # not even the best day every day would do it
    else:
        table, m = _table(s.daily, HORIZON_DAYS)
        mean = finished / len(s.daily)
        # Enough blocks for most runs in one draw, but at most 256 at a time, so that a
        # run that can no longer make it stops early.
        chunk = min(math.ceil(items / (mean * m) * 1.25) + 2, 256)
        outcomes = sorted(
            _days_to_finish(rng, s.daily, table, m, items, chunk) for _ in range(runs)
        )
    out: dict[str, Any] = {
        "items": items,
        "runs": runs,
        "seed": seed,
        "horizon_days": HORIZON_DAYS,
        "history": s.describe(),
    }
    for p in (50, 85, 95):
        value = percentile(outcomes, p)
        reached = value is not None and value != math.inf
        days = int(value) if reached and value is not None else None
        out[f"p{p}"] = {
            "date": s.today + timedelta(days=days) if days is not None else None,
            "days": days,
        }
    return out


def how_many(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    scope: Scope,
    until: date,
    seed: int | None = None,
    runs: int = DEFAULT_RUNS,
    now: float | None = None,
) -> dict[str, Any]:
    """How many cards will be finished by ``until`` (members only, any role)."""
    s = sample(session, actor=actor, board_id=board_id, scope=scope, now=now)
    return forecast_how_many(s, until=until, seed=seed, runs=runs)


def when(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    scope: Scope,
    items: int,
    seed: int | None = None,
    runs: int = DEFAULT_RUNS,
    now: float | None = None,
) -> dict[str, Any]:
    """When ``items`` more cards will be finished (members only, any role)."""
    s = sample(session, actor=actor, board_id=board_id, scope=scope, now=now)
    return forecast_when(s, items=items, seed=seed, runs=runs)
