"""Streaming one board to one websocket: replay from the log, then live events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.auth.service import Principal
from app.board import access
from app.board.exceptions import BoardNotFound
from app.core.db import Database
from app.events import service as events_service
from app.events.redaction import redact
from app.realtime.access import CLOSE_ACCESS_CHANGED
from app.realtime.hub import ACCESS_CLOSED, RESYNC, Hub, Subscriber, encode, ends_access
from app.realtime.wire import frame_writer

__all__ = ["CLOSE_RESYNC", "log_bounds", "stream_board", "view_of"]

log = logging.getLogger(__name__)

# Close code for "you fell behind; refetch the board and reconnect".
CLOSE_RESYNC = 4000
PAGE = 500


def log_bounds(session: Session, *, board_id: int) -> tuple[int | None, int]:
    """(oldest retained seq or None, newest seq) of a board's log, from the event log."""
    return events_service.log_bounds(session, board_id=board_id)


def view_of(session: Session, *, actor: Principal, board_id: int) -> tuple[str, int | None, int]:
    """(the caller's board role, oldest retained seq, newest seq), for a new socket.

    The newest seq is read before the role, so an access change committed after the
    role was read has a larger seq, and reaches the socket as a live or replayed event
    (which closes it). Raises BoardNotFound when the caller may not see the board.
    """
    oldest, newest = log_bounds(session, board_id=board_id)
    role = access.board_role(session, actor=actor, board_id=board_id)
    return role, oldest, newest


async def _read_page(db: Database, board_id: int, since: int) -> list[dict[str, Any]]:
    items, _ = await db.read(events_service.list_since, board_id=board_id, since=since, limit=PAGE)
    return items


class _AccessChanged(Exception):
    """The replay reached an access change of this socket's person."""


async def stream_board(
    websocket: WebSocket,
    *,
    db: Database,
    hub: Hub,
    principal: Principal,
    role: str,
    board_id: int,
    since: int,
    queue_size: int,
) -> None:
    """Send every event with ``seq > since`` in order, then live events, until closed.

    Each event is sent in the view of the caller's board role (the confirmation link
    redacted for roles that may not contact the customer). An access change of the
    caller on this board, live or in the replay past the moment access was checked,
    closes the socket with 4408 after that event.
    """
    # Subscribe before reading the log: an event committed from here on is either in
    # the replay or in the queue (or both; duplicates are skipped by seq). ``role`` is
    # the handshake's; it is checked again after subscribing (with the log's newest seq
    # read first), so a change in between closes the socket instead of going unnoticed.
    sub = Subscriber(queue_size, user_id=principal.id, role=role)
    await hub.subscribe(board_id, sub)
    try:
        now, oldest, newest = await db.read(view_of, actor=principal, board_id=board_id)
    except BoardNotFound:
        now = ""
    if now != role:
        hub.unsubscribe(board_id, sub)
        await websocket.close(code=CLOSE_ACCESS_CHANGED, reason="access changed")
        return
    reader = asyncio.create_task(_drain_client(websocket))
    sender = asyncio.create_task(
        _send(websocket, db, sub, board_id, since, bounds=(oldest, newest))
    )
    try:
        done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is sender and not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                if not isinstance(exc, WebSocketDisconnect | OSError | RuntimeError):
                    log.error("board %s stream failed", board_id, exc_info=exc)
    finally:
        hub.unsubscribe(board_id, sub)
        for task in (reader, sender):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) client frames, so a disconnect is noticed even when idle."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _send(
    websocket: WebSocket,
    db: Database,
    sub: Subscriber,
    board_id: int,
    since: int,
    *,
    bounds: tuple[int | None, int],
) -> None:
    oldest, newest = bounds
    sub.last_sent = since
    if since > newest or (oldest is not None and since < oldest - 1):
        # The client's position is not in the retained log: it must refetch the board.
        await websocket.send_json({"type": "resync", "last_seq": newest})
        sub.last_sent = newest
    writer = frame_writer(websocket.scope)
    try:
        sub.last_sent = await _replay(websocket, db, sub, board_id, sub.last_sent, checked=newest)
        while True:
            if writer is not None and sub.queue.empty() and not (sub.ended or sub.overflowed):
                # Caught up: the hub writes the next events straight to the socket,
                # until one cannot be (then it is queued, and this task wakes).
                sub.writer = writer
            seq, text = await sub.queue.get()
            if (seq, text) == RESYNC:
                await websocket.close(code=CLOSE_RESYNC, reason="resync")
                return
            if (seq, text) == ACCESS_CLOSED:
                raise _AccessChanged
            if seq <= sub.last_sent:
                continue
            if seq > sub.last_sent + 1:
                sub.last_sent = await _replay(
                    websocket, db, sub, board_id, sub.last_sent, checked=newest, upto=seq - 1
                )
            await websocket.send_text(text)
            sub.last_sent = seq
    except _AccessChanged:
        await websocket.close(code=CLOSE_ACCESS_CHANGED, reason="access changed")


async def _replay(
    websocket: WebSocket,
    db: Database,
    sub: Subscriber,
    board_id: int,
    since: int,
    *,
    checked: int,
    upto: int | None = None,
) -> int:
    """Send logged events after ``since`` (up to ``upto``) in the subscriber's view;
    return the last seq sent. An access change of the subscriber's person after
    ``checked`` (the seq at which access was checked) is sent, then ends the stream."""
    while True:
        page = await _read_page(db, board_id, since)
        for event in page:
            if upto is not None and event["seq"] > upto:
                return since
            await websocket.send_text(encode(redact(event) if sub.redacted else event))
            since = event["seq"]
            if since > checked and ends_access(event, sub.user_id):
                raise _AccessChanged
        if len(page) < PAGE:
            return since
