"""Board, column, lane, member and card endpoints (thin: services hold the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.auth.deps import CurrentUser
from app.board import archive, cards, members, pull, service, structure
from app.board.schemas import (
    BoardCreate,
    BoardDetail,
    BoardPage,
    BoardSummary,
    BoardUpdate,
    CardCreate,
    CardMove,
    CardPublic,
    CardRestore,
    CardUpdate,
    ColumnCreate,
    ColumnPublic,
    ColumnUpdate,
    LaneCreate,
    LanePublic,
    LaneUpdate,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    PullRequest,
    PullResult,
)
from app.core.deps import Db
from app.core.params import MAX_ID, IfMatch, PageLimit, PageOffset, PathId

router = APIRouter(prefix="/api", tags=["boards"])

MoveCardsTo = Annotated[
    int | None,
    Query(ge=1, le=MAX_ID, description="Where the removed column's (lane's) cards go"),
]


def _etag_of(card: CardPublic) -> str:
    return f'"{card.version}"'


def _etag(response: Response, card: CardPublic) -> CardPublic:
    response.headers["ETag"] = _etag_of(card)
    return card


def _card_response(card: CardPublic) -> Response:
    """The card as JSON with its ETag, serialised once: returned as a model, FastAPI
    would validate it against ``response_model`` again and then dump it (the move path
    is the busiest; the bytes are the same)."""
    headers = {"ETag": _etag_of(card)}
    return Response(card.model_dump_json(), media_type="application/json", headers=headers)


@router.post("/boards", status_code=status.HTTP_201_CREATED, response_model=BoardDetail)
async def create_board(body: BoardCreate, user: CurrentUser, db: Db) -> BoardDetail:
    """Create a board with its columns (in order) and lanes, or from a preset."""
    board = await db.write(service.create_board, actor=user, data=body)
    assert board.id is not None
    return await db.read(service.board_detail, actor=user, board_id=board.id)


@router.get("/boards", response_model=BoardPage)
async def list_boards(
    user: CurrentUser, db: Db, limit: PageLimit = 50, offset: PageOffset = 0
) -> BoardPage:
    """Boards you can see: every board for an admin, your memberships otherwise."""
    return await db.read(service.list_boards, actor=user, limit=limit, offset=offset)


@router.get("/boards/{board_id}", response_model=BoardDetail)
async def get_board(board_id: PathId, user: CurrentUser, db: Db) -> BoardDetail:
    """The board with columns (and their card counts), lanes, members and cards."""
    return await db.read(service.board_detail, actor=user, board_id=board_id)


@router.patch("/boards/{board_id}", response_model=BoardSummary)
async def update_board(
    board_id: PathId, body: BoardUpdate, user: CurrentUser, db: Db
) -> BoardSummary:
    """Rename a board or change its alert thresholds."""
    return await db.write(service.update_board, actor=user, board_id=board_id, data=body)


@router.post("/boards/{board_id}/members", status_code=201, response_model=MemberPublic)
async def add_member(
    board_id: PathId, body: MemberCreate, user: CurrentUser, db: Db
) -> MemberPublic:
    """Add a person to the board, optionally with a board role."""
    return await db.write(service.add_member, actor=user, board_id=board_id, data=body)


@router.patch("/boards/{board_id}/members/{user_id}", response_model=MemberPublic)
async def update_member(
    board_id: PathId, user_id: PathId, body: MemberUpdate, user: CurrentUser, db: Db
) -> MemberPublic:
    """Set a member's board role (null: their global role applies)."""
    return await db.write(
        members.update_member, actor=user, board_id=board_id, user_id=user_id, data=body
    )


@router.delete("/boards/{board_id}/members/{user_id}", status_code=204)
async def remove_member(board_id: PathId, user_id: PathId, user: CurrentUser, db: Db) -> None:
    """Remove a person from the board."""
    await db.write(service.remove_member, actor=user, board_id=board_id, user_id=user_id)


@router.post("/boards/{board_id}/columns", status_code=201, response_model=ColumnPublic)
async def add_column(
    board_id: PathId, body: ColumnCreate, user: CurrentUser, db: Db
) -> ColumnPublic:
    """Add a column at the right end of the board."""
    return await db.write(service.add_column, actor=user, board_id=board_id, data=body)


@router.patch("/columns/{column_id}", response_model=ColumnPublic)
async def update_column(
    column_id: PathId, body: ColumnUpdate, user: CurrentUser, db: Db
) -> ColumnPublic:
    """Change a column's name, stage, WIP limit, policy, stall threshold or position."""
    return await db.write(service.update_column, actor=user, column_id=column_id, data=body)


@router.delete("/columns/{column_id}", status_code=204)
async def remove_column(
    column_id: PathId, user: CurrentUser, db: Db, move_cards_to: MoveCardsTo = None
) -> None:
    """Take a column off the board; its cards go to ``move_cards_to`` (409 without it
    while it holds cards). Its history stays in metrics and exports."""
    await db.write(
        structure.remove_column, actor=user, column_id=column_id, move_cards_to=move_cards_to
    )


@router.post("/boards/{board_id}/lanes", status_code=201, response_model=LanePublic)
async def add_lane(board_id: PathId, body: LaneCreate, user: CurrentUser, db: Db) -> LanePublic:
    """Add a lane (a class of service) at the bottom of the board."""
    return await db.write(service.add_lane, actor=user, board_id=board_id, data=body)


@router.patch("/lanes/{lane_id}", response_model=LanePublic)
async def update_lane(lane_id: PathId, body: LaneUpdate, user: CurrentUser, db: Db) -> LanePublic:
    """Rename a lane, change its WIP limit or its position."""
    return await db.write(service.update_lane, actor=user, lane_id=lane_id, data=body)


@router.delete("/lanes/{lane_id}", status_code=204)
async def remove_lane(
    lane_id: PathId, user: CurrentUser, db: Db, move_cards_to: MoveCardsTo = None
) -> None:
    """Delete a lane; its cards go to lane ``move_cards_to``, or to no lane."""
    await db.write(structure.remove_lane, actor=user, lane_id=lane_id, move_cards_to=move_cards_to)


@router.post("/boards/{board_id}/pull", response_model=PullResult)
async def pull_next(
    board_id: PathId, user: CurrentUser, db: Db, body: PullRequest | None = None
) -> PullResult:
    """Take the best card waiting for your skills: assigned to you and started at once
    (every WIP limit applies); ``card`` is null when nothing is waiting."""
    skills = body.skills if body is not None else None
    card = await db.write(pull.pull_next, actor=user, board_id=board_id, skills=skills)
    return PullResult(card=card)


@router.post("/boards/{board_id}/cards", status_code=201, response_model=CardPublic)
async def create_card(
    board_id: PathId, body: CardCreate, user: CurrentUser, db: Db, response: Response
) -> CardPublic:
    """Create a card; it is admitted under the same WIP limits as a move."""
    card = await db.write(cards.create_card, actor=user, board_id=board_id, data=body)
    return _etag(response, card)


@router.get("/cards/{card_id}", response_model=CardPublic)
async def get_card(card_id: PathId, user: CurrentUser, db: Db, response: Response) -> CardPublic:
    """One card; its ETag is the version to send back in If-Match."""
    return _etag(response, await db.read(cards.get_card, actor=user, card_id=card_id))


@router.patch("/cards/{card_id}", response_model=CardPublic)
async def update_card(
    card_id: PathId,
    body: CardUpdate,
    user: CurrentUser,
    db: Db,
    response: Response,
    if_match: IfMatch = None,
) -> CardPublic:
    """Edit a card; a stale `version` gets 409, a stale If-Match gets 412."""
    card = await db.write(
        cards.update_card, actor=user, card_id=card_id, data=body, if_match=if_match
    )
    return _etag(response, card)


@router.post("/cards/{card_id}/move", response_model=CardPublic)
async def move_card(
    card_id: PathId, body: CardMove, user: CurrentUser, db: Db, if_match: IfMatch = None
) -> Response:
    """Move a card; the server enforces column, lane and personal WIP limits."""
    card = await db.write(
        cards.move_card, actor=user, card_id=card_id, data=body, if_match=if_match
    )
    return _card_response(card)


@router.post("/cards/{card_id}/archive", response_model=CardPublic)
async def archive_card(
    card_id: PathId, user: CurrentUser, db: Db, response: Response
) -> CardPublic:
    """Archive a card: off the board and every WIP count (idempotent); its open swarm is
    cancelled and its alerts resolved."""
    return _etag(response, await db.write(archive.archive_card, actor=user, card_id=card_id))


@router.post("/cards/{card_id}/restore", response_model=CardPublic)
async def restore_card(
    card_id: PathId,
    user: CurrentUser,
    db: Db,
    response: Response,
    body: CardRestore | None = None,
) -> CardPublic:
    """Restore an archived card to the bottom of its column, under the usual WIP limits
    (idempotent)."""
    card = await db.write(
        archive.restore_card, actor=user, card_id=card_id, data=body or CardRestore()
    )
    return _etag(response, card)
