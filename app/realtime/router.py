"""The live board websocket: ``/ws/boards/{id}?since=N``.

Every refusal is sent as a close code after the handshake is accepted (a refusal at the
handshake reaches clients as a bare HTTP 403, whatever the reason), and before any data.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from app.auth.deps import bearer_token, principal_for_token
from app.auth.service import Principal
from app.board import access
from app.board.exceptions import BoardNotFound
from app.core.db import Database
from app.core.errors import DomainError
from app.core.params import MAX_ID
from app.realtime import service
from app.realtime.access import CLOSE_ACCESS_CHANGED
from app.realtime.service import CLOSE_RESYNC

router = APIRouter(tags=["realtime"])

# Close codes; the README's websocket section has the same table, with what to do.
CLOSE_BAD_REQUEST = 4400  # board id or since out of range, or not a number: final
CLOSE_UNAUTHENTICATED = 4401  # no token or session, or a revoked one: final
CLOSE_FORBIDDEN = 4403  # a browser session opened from another site's page: final
CLOSE_NOT_FOUND = 4404  # no such board, or you are not a member: final
CLOSE_TOO_MANY = 4429  # this person already has the maximum of sockets open here

__all__ = [
    "CLOSE_ACCESS_CHANGED",
    "CLOSE_BAD_REQUEST",
    "CLOSE_FORBIDDEN",
    "CLOSE_NOT_FOUND",
    "CLOSE_RESYNC",
    "CLOSE_TOO_MANY",
    "CLOSE_UNAUTHENTICATED",
    "router",
]


def _foreign_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser
        return False
    return urlsplit(origin).netloc.lower() != websocket.headers.get("host", "").lower()


async def _authenticate(websocket: WebSocket, db: Database) -> Principal | None:
    header = websocket.headers.get("authorization")
    if header:
        try:
            token = bearer_token(header)
        except DomainError:
            return None
        # From the database on every handshake: a reconnect after an access change sees it.
        return await principal_for_token(websocket.app.state, db, token)
    session_lookup = getattr(websocket.app.state, "session_principal", None)
    if session_lookup is not None:
        principal: Principal | None = await session_lookup(websocket)
        return principal
    return None


def _parse_ids(websocket: WebSocket, board_id: str) -> tuple[int, int] | None:
    since = websocket.query_params.get("since", "0")
    if not (board_id.isascii() and board_id.isdigit() and since.isascii() and since.isdigit()):
        return None
    if len(board_id) > 10 or len(since) > 10:
        return None
    board, position = int(board_id), int(since)
    if not (1 <= board <= MAX_ID and 0 <= position <= MAX_ID):
        return None
    return board, position


@router.websocket("/ws/boards/{board_id}")
async def board_socket(websocket: WebSocket, board_id: str) -> None:
    """Every event after `since`, in order, then live events as they commit.

    Refusals close with 4400, 4401, 4403, 4404 or 4429 before any data; an access
    change of the person on this board closes with 4408 (reconnect to be checked again).
    """
    db: Database = websocket.app.state.db
    await websocket.accept()
    ids = _parse_ids(websocket, board_id)
    if ids is None:
        await websocket.close(code=CLOSE_BAD_REQUEST, reason="invalid board id or since")
        return
    board, since = ids
    if websocket.headers.get("authorization") is None and _foreign_origin(websocket):
        await websocket.close(code=CLOSE_FORBIDDEN, reason="cross-site websocket refused")
        return
    principal = await _authenticate(websocket, db)
    if principal is None:
        await websocket.close(code=CLOSE_UNAUTHENTICATED, reason="authentication required")
        return
    try:
        role = await db.read(access.board_role, actor=principal, board_id=board)
    except BoardNotFound:
        await websocket.close(code=CLOSE_NOT_FOUND, reason="board not found")
        return
    hub = websocket.app.state.hub
    settings = websocket.app.state.settings
    if not hub.claim(principal.id, settings.ws_max_per_person):
        await websocket.close(code=CLOSE_TOO_MANY, reason="too many open sockets")
        return
    try:
        await service.stream_board(
            websocket,
            db=db,
            hub=hub,
            principal=principal,
            role=role,
            board_id=board,
            since=since,
            queue_size=settings.ws_queue_size,
        )
    finally:
        hub.release(principal.id)
