"""Response bodies of the support and swarm metrics (the Retro page reads these shapes).

Durations are in seconds unless a name says hours; rates are shares from 0 to 1 (four
places), null when there was nothing to divide by.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

__all__ = [
    "Attainment",
    "Automation",
    "AutomationSet",
    "Ces",
    "Closed",
    "Csat",
    "CycleSplit",
    "CycleStats",
    "DurationStats",
    "HandoverFollowup",
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


_WORKED = "cards bots worked (a card with at least one event caused by a bot in the range)"


class AutomationSet(BaseModel):
    """Bots' outcomes and cost, and people's cost, for one slice of cards."""

    bot_cards_worked: int = Field(description=f"The denominator of the rates: {_WORKED}")
    bot_resolutions: int = Field(
        description="Cards a bot moved into a done column in the range (once per card)"
    )
    confirmed: int = Field(description="... and the customer said yes")
    assumed: int = Field(description="... and no yes/no answer came before the link expired")
    rejected: int = Field(description="... and the customer said no (the card reopened)")
    awaiting: int = Field(description="... and the customer's link is still open")
    withdrawn: int = Field(description="... and the card left done before an answer")
    confirmed_rate: float | None = Field(
        description=f"The confirmed automated resolution rate: confirmed / {_WORKED}"
    )
    assumed_rate: float | None = Field(
        description="What an assumed-resolution count would report (Intercom Fin: 'no reply "
        f"within 24 hours counts as resolved'): (confirmed + assumed) / {_WORKED}"
    )
    handovers: int = Field(description="Cards a bot handed over (a swarm a bot requested)")
    handover_rate: float | None = Field(description=f"handovers / {_WORKED}")
    bot_cost_usd: float = Field(description="Usage bots reported in the range, US dollars")
    bot_input_tokens: int
    bot_output_tokens: int
    cost_per_confirmed_resolution_usd: float | None = Field(
        description="bot_cost_usd / confirmed; null without a confirmed resolution"
    )
    people_resolutions: int = Field(description="Cards a person moved into done in the range")
    people_confirmed: int = Field(description="... and the customer said yes")
    people_handling_seconds: float = Field(
        description="Handling time people recorded on interactions in the range"
    )
    people_cost_usd: float | None = Field(
        description="people_handling_seconds x SWARMBOARD_STAFF_HOURLY_COST; null when unset"
    )
    people_cost_per_confirmed_resolution_usd: float | None = Field(
        description="people_cost_usd / people_confirmed; null when unset or none confirmed"
    )


class HandoverFollowup(BaseModel):
    """What happened after bots handed cards over in the range."""

    handovers: int
    swarms_ended: int = Field(description="Hand-over swarms resolved or cancelled since")
    swarms_open: int
    swarm_cycle_seconds: DurationStats = Field(
        description="From the swarm's request to its end, for the ended ones"
    )
    customer_confirmed: int = Field(
        description="The customer's latest answer after the hand-over is yes"
    )
    customer_rejected: int
    customer_unanswered: int
    customer_confirmed_rate: float | None = Field(description="customer_confirmed / handovers")


class Automation(AutomationSet):
    """AI agents' work by outcome: overall, per channel and per product."""

    by_channel: dict[str, AutomationSet]
    by_product: dict[str, AutomationSet]
    handover_followup: HandoverFollowup
    staff_hourly_cost: float | None = Field(
        description="SWARMBOARD_STAFF_HOURLY_COST (US dollars an hour of handling), or null"
    )
    assumed_definition: str = Field(description="Fin's definition of an assumed resolution")


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
    automation: Automation


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
