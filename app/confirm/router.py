"""Confirmation endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.auth.deps import CurrentUser
from app.confirm import service
from app.confirm.schemas import ConfirmationDetail, ConfirmationPublic, SurveyCreate
from app.core.deps import Db
from app.core.params import PathId

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["confirm"])


@router.get("/cards/{card_id}/confirmation", response_model=ConfirmationDetail)
async def get_confirmation(card_id: PathId, user: CurrentUser, db: Db) -> Any:
    """Whether the customer confirmed the card solved: the latest request and its history."""
    return await db.read(service.get_confirmation, actor=user, card_id=card_id)


@router.post(
    "/cards/{card_id}/survey",
    status_code=status.HTTP_201_CREATED,
    response_model=ConfirmationPublic,
)
async def record_survey(card_id: PathId, body: SurveyCreate, user: CurrentUser, db: Db) -> Any:
    """Record an external survey's answers (they fill a pending link request if there is one)."""
    return await db.write(service.record_survey, actor=user, card_id=card_id, data=body)
