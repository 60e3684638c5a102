"""Alert and SLA-policy endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from app.alerts import service
from app.alerts.models import SlaPolicy
from app.alerts.schemas import (
    AlertPage,
    AlertPublic,
    SlaPolicyCreate,
    SlaPolicyPublic,
    SlaPolicyUpdate,
)
from app.auth.deps import CurrentUser
from app.core.deps import Db
from app.core.params import PageLimit, PageOffset, PathId

router = APIRouter(prefix="/api", tags=["alerts"])


@router.get("/boards/{board_id}/alerts", response_model=AlertPage)
async def list_alerts(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    state: Literal["active", "open", "acknowledged", "resolved"] = "active",
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> AlertPage:
    """The board's alerts, newest first (default: open and acknowledged)."""
    return await db.read(
        service.list_alerts,
        actor=user,
        board_id=board_id,
        state=state,
        limit=limit,
        offset=offset,
    )


@router.post("/alerts/{alert_id}/ack", response_model=AlertPublic)
async def acknowledge(alert_id: PathId, user: CurrentUser, db: Db) -> AlertPublic:
    """Acknowledge an open alert."""
    return await db.write(service.acknowledge, actor=user, alert_id=alert_id)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertPublic)
async def resolve(alert_id: PathId, user: CurrentUser, db: Db) -> AlertPublic:
    """Resolve an alert by hand (it is not raised again for the same episode)."""
    return await db.write(service.resolve, actor=user, alert_id=alert_id)


@router.get("/boards/{board_id}/sla-policies", response_model=list[SlaPolicyPublic])
async def list_policies(board_id: PathId, user: CurrentUser, db: Db) -> list[SlaPolicyPublic]:
    """The board's SLA policies."""
    return await db.read(service.list_policies, actor=user, board_id=board_id)


@router.post(
    "/boards/{board_id}/sla-policies",
    status_code=status.HTTP_201_CREATED,
    response_model=SlaPolicyPublic,
)
async def create_policy(
    board_id: PathId, body: SlaPolicyCreate, user: CurrentUser, db: Db
) -> SlaPolicy:
    """Add an SLA policy: which cards (product, channel, priority) and the FRT/TTR targets."""
    return await db.write(service.create_policy, actor=user, board_id=board_id, data=body)


@router.patch("/boards/{board_id}/sla-policies/{policy_id}", response_model=SlaPolicyPublic)
async def update_policy(
    board_id: PathId, policy_id: PathId, body: SlaPolicyUpdate, user: CurrentUser, db: Db
) -> SlaPolicy:
    """Change an SLA policy."""
    return await db.write(
        service.update_policy, actor=user, board_id=board_id, policy_id=policy_id, data=body
    )


@router.delete("/boards/{board_id}/sla-policies/{policy_id}", status_code=204)
async def delete_policy(board_id: PathId, policy_id: PathId, user: CurrentUser, db: Db) -> None:
    """Delete an SLA policy; its cards are measured against the next best match."""
    await db.write(service.delete_policy, actor=user, board_id=board_id, policy_id=policy_id)
