"""The Redis listener: quiet while idle, and every real notification still arrives."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import pytest
import redis.asyncio as aioredis

from app.realtime.hub import Hub
from app.realtime.redis_broker import RedisBroker

REDIS_URL = "redis://127.0.0.1:6379/0"


class RecordingHub(Hub):
    def __init__(self) -> None:
        async def nothing(*_: int) -> list[dict[str, object]]:
            return []

        async def zero(_: int) -> int:
            return 0

        super().__init__(read_since=nothing, read_last_seq=zero)
        self.scheduled: list[tuple[int, int]] = []

    def schedule(self, board_id: int, seq: int, events: object = None) -> None:
        self.scheduled.append((board_id, seq))


async def test_an_idle_listener_logs_no_warnings_and_still_hears_notifications(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = RecordingHub()
    channel = f"sb-test-{uuid.uuid4().hex[:8]}"
    broker = RedisBroker(hub, REDIS_URL, channel)
    broker.idle_seconds = 0.1  # ping often: each pong came back as a "malformed" warning
    caplog.set_level(logging.INFO, logger="app.realtime.redis_broker")
    await broker.start()
    try:
        await asyncio.wait_for(broker.connected.wait(), 10)
        await asyncio.sleep(1.0)  # about ten idle pings and their pongs
        publisher = aioredis.Redis.from_url(REDIS_URL)
        try:
            await publisher.publish(channel, json.dumps({"board_id": 7, "seq": 42}))
        finally:
            await publisher.aclose()
        for _ in range(100):
            if hub.scheduled:
                break
            await asyncio.sleep(0.05)
    finally:
        await broker.stop()
    assert hub.scheduled == [(7, 42)]
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []
