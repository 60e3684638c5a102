"""Streaming one board to one websocket: replay from the log, then live events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.core.db import Database
from app.core.models import table_of
from app.events import service as events_service
from app.events.models import BoardEvent
from app.realtime.hub import RESYNC, Hub, Subscriber, encode

__all__ = ["CLOSE_RESYNC", "log_bounds", "stream_board"]

log = logging.getLogger(__name__)

# Close code for "you fell behind; refetch the board and reconnect".
CLOSE_RESYNC = 4000
PAGE = 500
_events = table_of(BoardEvent)


def log_bounds(session: Session, *, board_id: int) -> tuple[int | None, int]:
    """(oldest retained seq or None, newest seq) of a board's log."""
    from app.board.models import Board

    oldest = session.execute(
        select(func.min(_events.c.seq)).where(_events.c.board_id == board_id)
    ).scalar_one()
    newest = session.execute(
        select(table_of(Board).c.last_seq).where(table_of(Board).c.id == board_id)
    ).scalar_one()
    return (int(oldest) if oldest is not None else None), int(newest)


async def _read_page(db: Database, board_id: int, since: int) -> list[dict[str, Any]]:
    items, _ = await db.read(events_service.list_since, board_id=board_id, since=since, limit=PAGE)
    return items


async def stream_board(
    websocket: WebSocket, *, db: Database, hub: Hub, board_id: int, since: int, queue_size: int
) -> None:
    """Send every event with ``seq > since`` in order, then live events, until closed."""
    sub = Subscriber(queue_size)
    # Subscribe before reading the log: an event committed from here on is either in
    # the replay or in the queue (or both; duplicates are skipped by seq).
    await hub.subscribe(board_id, sub)
    reader = asyncio.create_task(_drain_client(websocket))
    sender = asyncio.create_task(_send(websocket, db, sub, board_id, since))
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
    websocket: WebSocket, db: Database, sub: Subscriber, board_id: int, since: int
) -> None:
    oldest, newest = await db.read(log_bounds, board_id=board_id)
    last_sent = since
    if since > newest or (oldest is not None and since < oldest - 1):
        # The client's position is not in the retained log: it must refetch the board.
        await websocket.send_json({"type": "resync", "last_seq": newest})
        last_sent = newest
    last_sent = await _replay(websocket, db, board_id, last_sent)
    while True:
        seq, text = await sub.queue.get()
        if (seq, text) == RESYNC:
            await websocket.close(code=CLOSE_RESYNC, reason="resync")
            return
        if seq <= last_sent:
            continue
        if seq > last_sent + 1:
            last_sent = await _replay(websocket, db, board_id, last_sent, upto=seq - 1)
        await websocket.send_text(text)
        last_sent = seq


async def _replay(
    websocket: WebSocket, db: Database, board_id: int, since: int, upto: int | None = None
) -> int:
    """Send logged events after ``since`` (up to ``upto``); return the last seq sent."""
    while True:
        page = await _read_page(db, board_id, since)
        for event in page:
            if upto is not None and event["seq"] > upto:
                return since
            await websocket.send_text(encode(event))
            since = event["seq"]
        if len(page) < PAGE:
            return since
