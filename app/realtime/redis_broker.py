"""Redis pub/sub broker (``SWARMBOARD_REDIS_URL``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from app.realtime.broker import latest_per_board, reconnect_forever
from app.realtime.hub import Hub

__all__ = ["RedisBroker"]

log = logging.getLogger(__name__)
# Shown by CLIENT LIST, so operators (and tests) can tell the listener apart.
LISTENER_NAME = "swarmboard-listener"


class RedisBroker:
    """Publishes ``{board_id, seq}`` after commit; one pub/sub connection listens."""

    # After this long without a message the listener pings, to notice a dead connection.
    idle_seconds = 5.0

    def __init__(self, hub: Hub, url: str, channel: str) -> None:
        self.hub = hub
        self.channel = channel
        self._url = url
        self._client: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(
            self._url, socket_timeout=5, socket_connect_timeout=5
        )
        self._task = asyncio.create_task(
            reconnect_forever("redis", self._listen, self.hub.catch_up_all)
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def publish(self, events: list[dict[str, Any]]) -> None:
        assert self._client is not None
        for board_id, seq in latest_per_board(events).items():
            try:
                await self._client.publish(
                    self.channel, json.dumps({"board_id": board_id, "seq": seq})
                )
            except aioredis.RedisError as exc:
                # The change is committed; replicas catch up from the log when the
                # broker is back, so a failed publish only delays delivery.
                log.warning("redis publish failed for board %s: %s", board_id, exc)

    async def _listen(self, connected: Callable[[], Awaitable[None]]) -> None:
        client = aioredis.Redis.from_url(
            self._url,
            socket_connect_timeout=5,
            health_check_interval=5,
            client_name=LISTENER_NAME,
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self.connected.set()
            await connected()
            while True:
                message = await pubsub.get_message(timeout=self.idle_seconds)
                if message is None:
                    await pubsub.ping()  # notices a dead connection within seconds
                    continue
                # The ping's answer arrives as a "pong" message: not a notification.
                if message.get("type") == "message":
                    self._on_message(message.get("data"))
        finally:
            self.connected.clear()
            await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]
            await client.aclose()

    def _on_message(self, data: Any) -> None:
        try:
            note = json.loads(data)
            board_id, seq = int(note["board_id"]), int(note["seq"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring malformed notification %r", data)
            return
        self.hub.schedule(board_id, seq)
