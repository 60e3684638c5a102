"""The board event log endpoint.

It lives in ``board``: reading the log needs the board's access rule, and ``events``
sits below ``board`` (it knows nothing of boards' members or roles).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.board import service as board_service
from app.core.deps import Db
from app.core.params import MAX_ID, PathId
from app.events.schemas import EventPage

router = APIRouter(prefix="/api", tags=["events"])


@router.get("/boards/{board_id}/events", response_model=EventPage)
async def list_events(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    since: Annotated[int, Query(ge=0, le=MAX_ID, description="Return events with seq > since")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
) -> dict[str, Any]:
    """Events with `seq > since`, oldest first; page on with `since` = the last seq."""
    return await db.read(
        board_service.board_events, actor=user, board_id=board_id, since=since, limit=limit
    )
