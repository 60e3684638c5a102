"""Flow metrics and forecast endpoints (thin: the services compute).

The history is read in ``db.read``; the arithmetic over it (a pass over up to a year of
cards, or 10,000+ simulated runs) then runs in a worker thread, so that on PostgreSQL,
where ``db.read`` runs on the event loop, it never holds up the other requests.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.core.deps import CurrentUser, Db
from app.core.params import PathId
from app.core.schemas import Day
from app.metrics import flow, forecast, history
from app.metrics.params import ScopeQuery
from app.metrics.schemas import FlowReport, HowManyForecast, WhenForecast

router = APIRouter(prefix="/api", tags=["metrics"])

Limit = Annotated[
    int,
    Query(
        ge=0,
        le=flow.MAX_LIMIT,
        description="Most items per list (cycle time, aging, blocked); totals stay exact",
    ),
]
Seed = Annotated[
    int | None,
    Query(ge=0, le=2**53 - 1, description="Repeat a forecast exactly; drawn when omitted"),
]
Runs = Annotated[
    int, Query(ge=forecast.DEFAULT_RUNS, le=forecast.MAX_RUNS, description="Simulated runs")
]


@router.get("/boards/{board_id}/metrics/flow", response_model=FlowReport)
async def flow_metrics(
    board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db, limit: Limit = 2_000
) -> Any:
    """Flow metrics for a range: WIP, throughput, cycle/lead time, aging, blocked, CFD."""
    loaded = await db.read(history.load, actor=user, board_id=board_id, scope=scope)
    return await asyncio.to_thread(flow.summarise, loaded, limit=limit)


@router.get("/boards/{board_id}/metrics/forecast/how-many", response_model=HowManyForecast)
async def forecast_how_many(
    board_id: PathId,
    scope: ScopeQuery,
    user: CurrentUser,
    db: Db,
    until: Annotated[Day, Query(description="Last day forecast (after today)")],
    seed: Seed = None,
    runs: Runs = forecast.DEFAULT_RUNS,
) -> Any:
    """How many cards will be finished by a date, at 50/85/95% confidence (Monte Carlo)."""
    sample = await db.read(forecast.sample, actor=user, board_id=board_id, scope=scope)
    return await asyncio.to_thread(
        forecast.forecast_how_many, sample, until=until, seed=seed, runs=runs
    )


@router.get("/boards/{board_id}/metrics/forecast/when", response_model=WhenForecast)
async def forecast_when(
    board_id: PathId,
    scope: ScopeQuery,
    user: CurrentUser,
    db: Db,
    items: Annotated[int, Query(ge=1, le=1_000_000, description="Cards to finish")],
    seed: Seed = None,
    runs: Runs = forecast.DEFAULT_RUNS,
) -> Any:
    """When a number of cards will be finished, at 50/85/95% confidence (Monte Carlo)."""
    sample = await db.read(forecast.sample, actor=user, board_id=board_id, scope=scope)
    return await asyncio.to_thread(
        forecast.forecast_when, sample, items=items, seed=seed, runs=runs
    )
