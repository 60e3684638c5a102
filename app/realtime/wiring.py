"""Choosing and connecting the broker for this process (called from the lifespan)."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings
from app.core.db import Database
from app.events import service as events_service
from app.realtime import service
from app.realtime.broker import Broker, InProcessBroker
from app.realtime.hub import Hub
from app.realtime.pg_broker import CHANNEL, PostgresBroker
from app.realtime.redis_broker import RedisBroker

__all__ = ["build"]


def build(settings: Settings, db: Database) -> tuple[Hub, Broker]:
    """The hub plus the broker the settings call for, hooked to run after each commit."""

    async def read_since(board_id: int, since: int) -> list[dict[str, Any]]:
        items, _ = await db.read(
            events_service.list_since, board_id=board_id, since=since, limit=service.PAGE
        )
        return items

    async def read_last_seq(board_id: int) -> int:
        _, newest = await db.read(service.log_bounds, board_id=board_id)
        return newest

    hub = Hub(read_since=read_since, read_last_seq=read_last_seq, page=service.PAGE)
    broker: Broker
    if settings.redis_url:
        broker = RedisBroker(hub, settings.redis_url, settings.redis_channel)
    elif not settings.is_sqlite:
        broker = PostgresBroker(hub, settings.database_url)
        db.pg_notify_channel = CHANNEL
    else:
        broker = InProcessBroker(hub)
    db.after_commit.append(broker.publish)
    return hub, broker
