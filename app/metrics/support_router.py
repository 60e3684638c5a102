"""Support and swarm metrics endpoints (thin: the services compute)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import CurrentUser
from app.core.deps import Db
from app.core.params import PathId
from app.metrics import support, swarms
from app.metrics.params import ScopeQuery
from app.metrics.support_schemas import SupportReport, SwarmReport

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["metrics"])


@router.get("/boards/{board_id}/metrics/support", response_model=SupportReport)
async def support_metrics(board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db) -> Any:
    """Support metrics over a date range: confirmed resolution first, then FRT, TTR, FCR,
    customer scores, automation and SLA attainment, overall and per channel/product/segment."""
    return await db.read(support.support_report, actor=user, board_id=board_id, scope=scope)


@router.get("/boards/{board_id}/metrics/swarms", response_model=SwarmReport)
async def swarm_metrics(board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db) -> Any:
    """Swarming over a date range: cards swarmed, swarm size, time to swarm, teams needed,
    and cycle time of swarmed versus other cards."""
    return await db.read(swarms.swarm_report, actor=user, board_id=board_id, scope=scope)
