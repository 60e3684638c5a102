"""The event envelope, shared by the log API, websockets and webhooks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["Actor", "EventEnvelope", "EventPage"]


class Actor(BaseModel):
    id: int | None
    kind: str


class EventEnvelope(BaseModel):
    id: str
    seq: int
    board_id: int
    type: str
    at: str
    actor: Actor
    data: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventEnvelope]
    # The board's newest sequence number, so a client knows whether to page on.
    last_seq: int
    has_more: bool
