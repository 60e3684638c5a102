"""The transactional outbox: each event's deliveries are written in its transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.orm import Session

from app.core.models import table_of, utcnow
from app.webhooks import rights
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = ["delivery_row", "enqueue_for_events", "matches"]

endpoints = table_of(WebhookEndpoint)
deliveries = table_of(WebhookDelivery)


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """``card.moved`` matches ``card.moved``, ``card.*`` and ``*``."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


# Built once: this runs in every write transaction. An endpoint receives a board's
# events only while its owner may receive them now (rights.RECEIVES: an admin, or a lead
# of the board, not deactivated; a lead who leaves a board or is made a viewer stops
# receiving its events).
_SUBSCRIBED = select(endpoints.c.id, endpoints.c.board_id, endpoints.c.event_types).where(
    endpoints.c.enabled.is_(True),
    or_(
        endpoints.c.board_id.is_(None),
        endpoints.c.board_id.in_(bindparam("boards", expanding=True)),
    ),
    rights.RECEIVES,
)


def delivery_row(
    *, endpoint_id: int, event_id: str, event_type: str, body: str, now: datetime
) -> dict[str, Any]:
    """A new delivery, due at once."""
    return {
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "event_type": event_type,
        "body": body,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def enqueue_for_events(session: Session) -> None:
    """Before commit: one pending delivery per (event, subscribed enabled endpoint)."""
    envelopes: list[dict[str, Any]] = session.info.get("events", [])
    boards = sorted({e["board_id"] for e in envelopes})
    subscribed = session.connection().execute(_SUBSCRIBED, {"boards": boards}).all()
    if not subscribed:
        return
    now = utcnow()
    rows = []
    for envelope in envelopes:
        body: str | None = None
        for ep in subscribed:
            if ep.board_id not in (None, envelope["board_id"]):
                continue
            if not matches(ep.event_types, envelope["type"]):
                continue
            body = body or json.dumps(envelope, separators=(",", ":"))
            rows.append(
                delivery_row(
                    endpoint_id=ep.id,
                    event_id=envelope["id"],
                    event_type=envelope["type"],
                    body=body,
                    now=now,
                )
            )
    if rows:
        session.execute(insert(deliveries), rows)
        session.info["webhook_deliveries"] = len(rows)
