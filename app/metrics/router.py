"""Flow metrics and forecast endpoints (thin: the services compute).

The history is read in ``db.read``; the arithmetic over it (a pass over up to a year of
cards, or 10,000+ simulated runs) then runs on the CPU pool (:mod:`app.core.cpu`), never
on the event loop or the threads pages and moves use. It is bounded per process and per
person: past a bound the answer is ``429 cpu-busy`` with ``Retry-After``. A forecast
also may not ask for more than ``MAX_ITEM_RUNS`` (items x runs) or ``MAX_DAY_RUNS``
(days ahead x runs) of simulation (422 naming the parameters).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.core.cpu import CpuDep
from app.core.deps import Db
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
    board_id: PathId,
    scope: ScopeQuery,
    user: CurrentUser,
    db: Db,
    cpu: CpuDep,
    limit: Limit = 2_000,
) -> Any:
    """Flow metrics for a range: WIP, throughput, cycle/lead time, aging, blocked, CFD."""
    loaded = await db.read(history.load, actor=user, board_id=board_id, scope=scope)
    return await cpu.run(user.id, flow.summarise, loaded, limit=limit)


@router.get("/boards/{board_id}/metrics/forecast/how-many", response_model=HowManyForecast)
async def forecast_how_many(
    board_id: PathId,
    scope: ScopeQuery,
    user: CurrentUser,
    db: Db,
    cpu: CpuDep,
    until: Annotated[Day, Query(description="Last day forecast (after today)")],
    seed: Seed = None,
    runs: Runs = forecast.DEFAULT_RUNS,
) -> Any:
    """How many cards will be finished by a date, at 50/85/95% confidence (Monte Carlo)."""
    sample = await db.read(forecast.sample, actor=user, board_id=board_id, scope=scope)
    days = (until - sample.today).days
    if days >= 1:  # an 'until' out of range is refused by the forecast itself
        forecast.check_work(runs=runs, days=days)
    return await cpu.run(
        user.id, forecast.forecast_how_many, sample, until=until, seed=seed, runs=runs
    )


@router.get("/boards/{board_id}/metrics/forecast/when", response_model=WhenForecast)
async def forecast_when(
    board_id: PathId,
    scope: ScopeQuery,
    user: CurrentUser,
    db: Db,
    cpu: CpuDep,
    items: Annotated[
        int,
        Query(
            ge=1,
            le=1_000_000,
            description=f"Cards to finish (items x runs at most {forecast.MAX_ITEM_RUNS:,})",
        ),
    ],
    seed: Seed = None,
    runs: Runs = forecast.DEFAULT_RUNS,
) -> Any:
    """When a number of cards will be finished, at 50/85/95% confidence (Monte Carlo)."""
    forecast.check_work(items=items, runs=runs)
    sample = await db.read(forecast.sample, actor=user, board_id=board_id, scope=scope)
    return await cpu.run(user.id, forecast.forecast_when, sample, items=items, seed=seed, runs=runs)
