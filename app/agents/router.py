"""Usage and resolution endpoints (thin: app/agents/service.py holds the rules)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.agents import service
from app.agents.schemas import ResolveRequest, UsageCreate, UsagePage, UsagePublic
from app.auth.deps import CurrentUser
from app.board.schemas import CardPublic
from app.core.deps import Db
from app.core.params import PathId

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["agents"])


@router.post(
    "/cards/{card_id}/usage", status_code=status.HTTP_201_CREATED, response_model=UsagePublic
)
async def report_usage(
    card_id: PathId, body: UsageCreate, user: CurrentUser, db: Db
) -> UsagePublic:
    """Report what working a card cost: the model, its tokens and US dollars."""
    return await db.write(
        service.report_usage,
        actor=user,
        card_id=card_id,
        model=body.model,
        input_tokens=body.input_tokens,
        output_tokens=body.output_tokens,
        cost_usd=body.cost_usd,
    )


@router.get("/cards/{card_id}/usage", response_model=UsagePage)
async def list_usage(card_id: PathId, user: CurrentUser, db: Db) -> UsagePage:
    """A card's usage reports, oldest first, with their totals."""
    return await db.read(service.list_usage, actor=user, card_id=card_id)


@router.post("/cards/{card_id}/resolve", response_model=CardPublic)
async def resolve_card(
    card_id: PathId, body: ResolveRequest, response: Response, user: CurrentUser, db: Db
) -> CardPublic:
    """Record what solved the card and move it to the board's first done column, which
    asks the customer to confirm; WIP limits apply as to any move."""
    card = await db.write(
        service.resolve_card,
        actor=user,
        card_id=card_id,
        resolution=body.resolution,
        knowledge=body.knowledge,
    )
    response.headers["ETag"] = f'"{card.version}"'
    return card
