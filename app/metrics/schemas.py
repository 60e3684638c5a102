"""Response bodies of the flow metrics and forecast endpoints.

Hours are rounded to 0.01 after the percentiles are taken (nearest rank, so each is a
value some card really had); days follow ActionableAgile (``floor(end) - floor(start)
+ 1``). Dates are UTC days, instants ISO 8601 UTC.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Aging",
    "AgingItem",
    "Blocked",
    "BlockedItem",
    "Cfd",
    "CfdColumn",
    "CfdDay",
    "ColumnTime",
    "CycleItem",
    "CycleTime",
    "DayCount",
    "DayPercentiles",
    "DayWip",
    "FlowReport",
    "ForecastHistory",
    "HoursPercentiles",
    "HowManyForecast",
    "LeadTime",
    "Throughput",
    "WeekCount",
    "WhenForecast",
    "WhenLevel",
    "Wip",
]

CAPPED = (
    "At most `limit` items (query parameter, default 2,000); the counts and totals beside "
    "it are exact however many items are left out, and `truncated` says whether any were."
)


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class DayWip(_Out):
    date: dt.date
    wip: int


class Wip(_Out):
    """Cards in ``active`` columns: now, and at the end of each day of the range."""

    now: int
    per_day: list[DayWip]


class DayCount(_Out):
    date: dt.date
    count: int


class WeekCount(_Out):
    week_start: dt.date = Field(description="The Monday of the week (UTC)")
    count: int


class Throughput(_Out):
    """Cards whose final finish falls in the range (a reopened card counts once)."""

    total: int
    per_day: list[DayCount]
    per_week: list[WeekCount] = Field(
        description="Weeks from Monday; the first and last count only the days in the range"
    )


class HoursPercentiles(_Out):
    p50: float | None
    p85: float | None
    p95: float | None


class DayPercentiles(_Out):
    p50: int | None
    p85: int | None
    p95: int | None


class CycleItem(_Out):
    card_id: int
    title: str
    start: dt.datetime
    finish: dt.datetime
    hours: float
    days: int


class CycleTime(_Out):
    """Start (first entry into an active column) to final finish, of cards finished in
    the range; percentiles in hours, and in ActionableAgile days under ``days``."""

    count: int
    p50: float | None
    p85: float | None
    p95: float | None
    days: DayPercentiles
    items: list[CycleItem] = Field(description="In finish order, the latest kept. " + CAPPED)
    truncated: bool = False


class LeadTime(_Out):
    """Creation to final finish, of cards finished in the range, in hours."""

    count: int
    p50: float | None
    p85: float | None
    p95: float | None


class ColumnTime(_Out):
    """Hours in one column, summed over visits, of the cards finished in the range that
    visited it (``done`` columns are left out: time there is time after finishing)."""

    column_id: int
    name: str
    stage: str
    cards: int
    median_hours: float | None
    p85_hours: float | None


class AgingItem(_Out):
    card_id: int
    title: str
    column_id: int
    start: dt.datetime
    age_hours: float
    age_days: int
    percentile: float | None = Field(
        description="Share (0-100) of the range's cycle times at or below this age"
    )


class Aging(_Out):
    """Cards in ``active`` columns now, aged from their start."""

    count: int
    bands: HoursPercentiles = Field(description="The range's cycle-time percentiles, in hours")
    items: list[AgingItem] = Field(description="Oldest first. " + CAPPED)
    truncated: bool = False


class BlockedItem(_Out):
    card_id: int
    title: str
    hours: float


class Blocked(_Out):
    """Blocked time (finished spells plus a current one) of the cards finished in the
    range or not finished, for the cards with any."""

    total_hours: float
    cards: int
    items: list[BlockedItem] = Field(description="Most blocked first. " + CAPPED)
    truncated: bool = False


class CfdColumn(_Out):
    id: int
    name: str
    stage: str


class CfdDay(_Out):
    date: dt.date
    counts: dict[str, int] = Field(description="Column id (as a string) -> cards in it")


class Cfd(_Out):
    """Cards in each column at the end of each day (the latest state for today)."""

    columns: list[CfdColumn]
    days: list[CfdDay]


class FlowReport(_Out):
    """Flow metrics of a board over a range of UTC days. Day series stop at today."""

    board_id: int
    from_: dt.date = Field(alias="from")
    to: dt.date
    generated_at: dt.datetime
    wip: Wip
    throughput: Throughput
    cycle_time: CycleTime
    lead_time: LeadTime
    time_in_column: list[ColumnTime]
    aging: Aging
    blocked: Blocked
    cfd: Cfd


class ForecastHistory(_Out):
    """The daily throughput a forecast resamples: the days of the range up to today."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    days: int
    finished: int
    mean_per_day: float | None


class HowManyForecast(_Out):
    """Items finished from tomorrow through ``until``: ``p85`` is reached or beaten in at
    least 85% of the runs (the 15th percentile of outcomes), likewise p50 and p95."""

    until: dt.date
    days: int
    runs: int
    seed: int
    history: ForecastHistory
    p50: int
    p85: int
    p95: int


class WhenLevel(_Out):
    date: dt.date | None = Field(description="None: not within the horizon at this level")
    days: int | None = Field(description="Days from today (tomorrow is 1)")


class WhenForecast(_Out):
    """When ``items`` more cards will be finished, at 50/85/95% confidence."""

    items: int
    runs: int
    seed: int
    horizon_days: int = Field(description="A run that has not finished by then counts as never")
    history: ForecastHistory
    p50: WhenLevel
    p85: WhenLevel
    p95: WhenLevel
