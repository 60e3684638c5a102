"""Cards as NDJSON: one JSON object per card per line, every timestamp and metric.

Timestamps are RFC 3339 UTC with milliseconds (as in the event envelope), durations
are seconds (rounded to the millisecond) or hours, and ``column_seconds`` is keyed by
column id (as a string: JSON object keys are strings) in board order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from app.exports.records import CardRecord, ExportContext, iso_ts, link
from app.metrics.timeline import cycle_days

__all__ = ["card_object", "encode"]


def _secs(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value / 3600, 4)


def _column_seconds(ctx: ExportContext, r: CardRecord) -> dict[str, float]:
    spent = r.timeline.column_seconds
    ordered = [c.id for c in ctx.columns if c.id in spent]
    ordered += [cid for cid in spent if cid not in ctx.by_id]  # a column since deleted
    return {str(cid): round(spent[cid], 3) for cid in ordered}


def _confirmation(found: dict[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        **found,
        "requested_at": iso_ts(found["requested_at"]),
        "answered_at": iso_ts(found["answered_at"]),
    }


def card_object(ctx: ExportContext, r: CardRecord) -> dict[str, Any]:
    """One card's line, as a dict."""
    card, tl = r.card, r.timeline
    column = ctx.by_id.get(card["column_id"])
    first_response = card["first_response"]
    return {
        "id": card["id"],
        "board_id": ctx.board_id,
        "link": link(ctx, card["id"]),
        "title": card["title"],
        "external_ref": card["external_ref"],
        "customer_id": card["customer_id"],
        "column_id": card["column_id"],
        "column": column.name if column else None,
        "stage": column.stage if column else None,
        "lane_id": card["lane_id"],
        "lane": ctx.lanes.get(card["lane_id"]) if card["lane_id"] is not None else None,
        "channel": card["channel"],
        "product": card["product"],
        "priority": card["priority"],
        "segment": card["segment"],
        "created_at": iso_ts(tl.created),
        "start": iso_ts(tl.start),
        "finish": iso_ts(tl.finish),
        "first_done": iso_ts(tl.first_done),
        "reopened_at": [iso_ts(t) for t in tl.reopened_at],
        "reopen_count": card["reopen_count"],
        "cycle_hours": _hours(tl.cycle_seconds),
        "cycle_days": (
            cycle_days(tl.start, tl.finish)
            if tl.start is not None and tl.finish is not None
            else None
        ),
        "lead_hours": _hours(tl.lead_seconds),
        "column_seconds": _column_seconds(ctx, r),
        "blocked": bool(card["blocked"]),
        "blocked_seconds": _secs(r.blocked_seconds(ctx.now)),
        "waiting_seconds": _secs(r.waiting_seconds(ctx.now, ctx.waiting)),
        "first_response_at": iso_ts(first_response),
        "frt_seconds": _secs(
            None if first_response is None else max(first_response - tl.created, 0.0)
        ),
        "agent_replies": card["agent_replies"],
        "handle_seconds": _secs(card["handle_seconds"]),
        "bot_handled": bool(card["bot_handled"]),
        "bot_resolved_at": iso_ts(card["bot_resolved"]),
        "handed_off_at": iso_ts(card["handed_off"]),
        "swarmed": r.swarmed,
        "confirmation": _confirmation(r.confirmation),
        "resolution": r.outcome["resolution"] if r.outcome else None,
        "usage": r.outcome["usage"] if r.outcome else None,
    }


def encode(ctx: ExportContext, records: Sequence[CardRecord]) -> bytes:
    """The lines of a batch of cards."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return "".join(dumps(card_object(ctx, r)) + "\n" for r in records).encode()
