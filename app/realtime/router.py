"""The live board websocket: ``/ws/boards/{id}?since=N``."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from app.auth.service import Principal
from app.board import service as board_service
from app.board.exceptions import BoardNotFound
from app.core.db import Database
from app.core.deps import bearer_token, principal_for_token
from app.core.errors import DomainError
from app.realtime import service

router = APIRouter(tags=["realtime"])

# Close codes sent before any data, for a refused connection.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400
MAX_SEQ = 2_147_483_647


async def _authenticate(websocket: WebSocket, db: Database) -> Principal | None:
    header = websocket.headers.get("authorization")
    if header:
        try:
            token = bearer_token(header)
        except DomainError:
            return None
        return await principal_for_token(websocket.app.state, db, token)
    session_lookup = getattr(websocket.app.state, "session_principal", None)
    if session_lookup is not None:
        principal: Principal | None = await session_lookup(websocket)
        return principal
    return None


@router.websocket("/ws/boards/{board_id}")
async def board_socket(websocket: WebSocket, board_id: int, since: int = 0) -> None:
    """Every event after `since`, in order, then live events as they commit."""
    db: Database = websocket.app.state.db
    if not (1 <= board_id <= MAX_SEQ and 0 <= since <= MAX_SEQ):
        await websocket.close(code=CLOSE_BAD_REQUEST, reason="invalid board id or since")
        return
    principal = await _authenticate(websocket, db)
    if principal is None:
        await websocket.close(code=CLOSE_UNAUTHENTICATED, reason="authentication required")
        return
    try:
        await db.read(board_service.board_role, actor=principal, board_id=board_id)
    except BoardNotFound:
        await websocket.close(code=CLOSE_NOT_FOUND, reason="board not found")
        return
    await websocket.accept()
    await service.stream_board(
        websocket,
        db=db,
        hub=websocket.app.state.hub,
        board_id=board_id,
        since=since,
        queue_size=websocket.app.state.settings.ws_queue_size,
    )
