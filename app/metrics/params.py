"""Query parameters shared by the metrics, forecast and export endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from app.board.schemas import Channel, Priority, Segment
from app.core.params import MAX_ID
from app.core.schemas import Day
from app.metrics.filters import CardFilter, DateRange, date_range

__all__ = ["Scope", "ScopeQuery"]


@dataclass(frozen=True, slots=True)
class Scope:
    period: DateRange
    filters: CardFilter


def _scope(
    start: Annotated[
        Day | None, Query(alias="from", description="First day (UTC), default 29 days before 'to'")
    ] = None,
    end: Annotated[
        Day | None, Query(alias="to", description="Last day (UTC), default today")
    ] = None,
    lane: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Lane id")] = None,
    channel: Channel | None = None,
    product: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    priority: Priority | None = None,
    segment: Segment | None = None,
) -> Scope:
    return Scope(
        period=date_range(start, end),
        filters=CardFilter(
            lane_id=lane, channel=channel, product=product, priority=priority, segment=segment
        ),
    )


ScopeQuery = Annotated[Scope, Depends(_scope)]
