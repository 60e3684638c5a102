"""PostgreSQL ``LISTEN/NOTIFY`` broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.realtime.broker import reconnect_forever
from app.realtime.hub import Hub

__all__ = ["CHANNEL", "PostgresBroker"]

log = logging.getLogger(__name__)
CHANNEL = "swarmboard_events"
# Shown in pg_stat_activity, so operators (and tests) can tell the listener apart.
LISTENER_NAME = "swarmboard-listener"


class PostgresBroker:
    """Listens on one dedicated connection; publishing happens inside each transaction."""

    def __init__(self, hub: Hub, database_url: str) -> None:
        self.hub = hub
        self._dsn = (
            make_url(database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        self._task: asyncio.Task[None] | None = None
        self.connection: asyncpg.Connection | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(
            reconnect_forever("postgres", self._listen, self.hub.catch_up_all)
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.connection is not None and not self.connection.is_closed():
            await self.connection.close()

    async def publish(self, events: list[dict[str, Any]]) -> None:
        return None  # the NOTIFY already went out with the commit

    async def _listen(self, connected: Callable[[], Awaitable[None]]) -> None:
        lost = asyncio.Event()
        conn = await asyncpg.connect(
            self._dsn, timeout=10, server_settings={"application_name": LISTENER_NAME}
        )
        self.connection = conn
        try:
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, self._on_notify)
            self.connected.set()
            await connected()
            # asyncpg notices a dead socket only when it uses it: probe now and then.
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), timeout=5)
                except TimeoutError:
                    await conn.execute("SELECT 1")
        finally:
            self.connected.clear()
            if not conn.is_closed():
                conn.terminate()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            note = json.loads(payload)
            board_id, seq = int(note["board_id"]), int(note["seq"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring malformed notification %r", payload)
            return
        self.hub.schedule(board_id, seq)
