"""Response bodies of the support and swarm metrics (the Retro page reads these shapes).

Durations are in seconds unless a name says hours; rates are shares from 0 to 1 (four
places), null when there was nothing to divide by.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

__all__ = [
    "Attainment",
    "Ces",
    "Closed",
    "Csat",
    "CycleSplit",
    "CycleStats",
    "DurationStats",
    "MetricSet",
    "Nps",
    "Reason",
    "SlaAttainment",
    "SupportReport",
    "SwarmReport",
]


class Closed(BaseModel):
    """Cards finished in the range, and how many of them the customer confirmed solved."""

    count: int
    confirmed_solved: int
    confirmed_resolution_rate: float | None


class DurationStats(BaseModel):
    count: int
    mean: float | None
    median: float | None
    p85: float | None


class Csat(BaseModel):
    score: float | None = Field(description="Good (4-5) answers / rated answers")
    rated: int


class Ces(BaseModel):
    mean: float | None = Field(description="Mean effort score, 1-7")
    rated: int


class Nps(BaseModel):
    score: float | None = Field(description="% promoters (9-10) minus % detractors (0-6)")
    rated: int


class MetricSet(BaseModel):
    cards: int = Field(description="Cards created in the range")
    closed: int = Field(description="Cards finished in the range (in a done column now)")
    confirmed_solved: int
    confirmed_resolution_rate: float | None
    frt: DurationStats
    ttr_first: DurationStats
    ttr_final: DurationStats
    net_ttr: DurationStats
    fcr_rate: float | None
    reopen_rate: float | None
    repeat_contact_rate: float | None
    csat: Csat
    ces: Ces
    nps: Nps
    aht_seconds: float | None
    automation_rate: float | None
    handover_rate: float | None
    missed: int


class Attainment(BaseModel):
    fulfilled: int
    failed: int
    attainment: float | None


class SlaAttainment(BaseModel):
    policy_id: int
    name: str
    frt: Attainment
    ttr: Attainment


class Reason(BaseModel):
    product: str
    count: int


class SupportReport(BaseModel):
    board_id: int
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    generated_at: datetime
    closed: Closed
    overall: MetricSet
    by_channel: dict[str, MetricSet]
    by_product: dict[str, MetricSet]
    by_segment: dict[str, MetricSet]
    sla: list[SlaAttainment]
    top_reasons: list[Reason]


class CycleStats(BaseModel):
    count: int
    p50: float | None
    p85: float | None


class CycleSplit(BaseModel):
    """Cycle time in hours of the cards finished in the range."""

    swarmed: CycleStats
    not_swarmed: CycleStats


class SwarmReport(BaseModel):
    board_id: int
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    cards_swarmed: int
    swarms: int
    median_swarm_size: float | None
    median_time_to_swarm_seconds: float | None
    cycle_time: CycleSplit
    teams_needed: dict[str, int]
