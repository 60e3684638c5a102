"""The card activity endpoint (thin: app/board/activity.py holds the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.board import activity
from app.board.schemas import ActivityPage
from app.core.deps import Db
from app.core.params import PageLimit, PathId

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["boards"])


@router.get("/cards/{card_id}/activity", response_model=ActivityPage)
async def card_activity(
    card_id: PathId,
    user: CurrentUser,
    db: Db,
    limit: PageLimit = 50,
    cursor: Annotated[
        str | None, Query(min_length=1, max_length=200, description="`next_cursor` of a page")
    ] = None,
) -> ActivityPage:
    """A card's history, newest first, each event with a one-line summary."""
    return await db.read(
        activity.card_activity, actor=user, card_id=card_id, limit=limit, cursor=cursor
    )
