"""The card search endpoint (thin: app/board/search.py holds the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser
from app.board import search
from app.board.schemas import CardSearchPage, Channel, Priority
from app.core.deps import Db
from app.core.params import MAX_ID, PageLimit, PathId

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["boards"])

Person = Annotated[
    str | None,
    Query(
        max_length=10,
        pattern=r"^(me|none|[1-9][0-9]{0,9})$",
        description="`me`, `none` (nobody) or a user id",
    ),
]
Flag = Annotated[bool | None, Query()]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/boards/{board_id}/cards", response_model=CardSearchPage)
async def search_cards(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Case-insensitive text in the title, description, external ref "
            "or customer ref",
        ),
    ] = None,
    assignee: Person = None,
    owner: Person = None,
    priority: Annotated[Priority | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    product: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    column_id: QueryId = None,
    lane_id: QueryId = None,
    blocked: Flag = None,
    alerted: Annotated[bool | None, Query(description="Has an open or acknowledged alert")] = None,
    swarmed: Annotated[bool | None, Query(description="Has an open swarm")] = None,
    archived: Annotated[
        bool, Query(description="`false`: cards on the board; `true`: only archived cards")
    ] = False,
    limit: PageLimit = 50,
    cursor: Annotated[
        str | None, Query(min_length=1, max_length=200, description="`next_cursor` of a page")
    ] = None,
) -> CardSearchPage:
    """Search the board's cards, in board order, a page at a time."""
    query = search.build_query(
        actor=user,
        archived=archived,
        assignee=assignee,
        owner=owner,
        q=q,
        priority=priority,
        channel=channel,
        product=product,
        column_id=column_id,
        lane_id=lane_id,
        blocked=blocked,
        alerted=alerted,
        swarmed=swarmed,
    )
    return await db.read(
        search.search_cards, actor=user, board_id=board_id, query=query, limit=limit, cursor=cursor
    )
