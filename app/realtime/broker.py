"""Brokers: how one process learns that another committed events.

Every backend only says "board B has events up to seq S"; the events themselves are
always read from the log, so a lost or duplicated notification can delay a delivery
but never lose, reorder or duplicate an event. The three backends:

* :class:`InProcessBroker`: one process (the SQLite default).
* :class:`~app.realtime.pg_broker.PostgresBroker`: ``LISTEN/NOTIFY``; chosen
  automatically on PostgreSQL. The NOTIFY is sent inside the writing transaction, so
  it is delivered exactly when, and only if, the change commits.
* :class:`~app.realtime.redis_broker.RedisBroker`: Redis pub/sub, when
  ``SWARMBOARD_REDIS_URL`` is set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from app.realtime.hub import Hub

__all__ = ["Broker", "InProcessBroker", "latest_per_board", "reconnect_forever"]

log = logging.getLogger(__name__)


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, events: list[dict[str, Any]]) -> None:
        """Called once the transaction that appended ``events`` has committed."""


def latest_per_board(events: list[dict[str, Any]]) -> dict[int, int]:
    latest: dict[int, int] = {}
    for event in events:
        latest[event["board_id"]] = max(latest.get(event["board_id"], 0), event["seq"])
    return latest


class InProcessBroker:
    """Hands committed envelopes straight to this process's hub."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, events: list[dict[str, Any]]) -> None:
        # Scheduled, not awaited: the fan-out to every socket must not delay the
        # response of the request that made the change.
        for board_id, seq in latest_per_board(events).items():
            mine = [e for e in events if e["board_id"] == board_id]
            self.hub.schedule(board_id, seq, mine)


async def reconnect_forever(
    name: str,
    listen: Callable[[Callable[[], Awaitable[None]]], Awaitable[None]],
    on_connected: Callable[[], Awaitable[None]],
    *,
    first_delay: float = 0.1,
    max_delay: float = 10.0,
) -> None:
    """Keep a broker listener alive, reconnecting with exponential backoff.

    ``listen(connected)`` connects and subscribes, awaits ``connected()`` and then runs
    until the connection drops (by returning or raising). ``connected`` catches every
    board this process watches up from the log, so nothing committed during the outage
    is missed.
    """
    delay = first_delay

    async def connected() -> None:
        nonlocal delay
        delay = first_delay
        await on_connected()

    while True:
        try:
            await listen(connected)
            log.warning("%s broker connection closed; reconnecting", name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s broker connection failed: %s; retrying in %.1fs", name, exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)
