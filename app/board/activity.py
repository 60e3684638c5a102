"""A card's activity: its events from the log, newest first, each with a line in human
terms (:mod:`app.board.activity_text`).

Read from the event log through the ``(card_id, seq)`` index, a page at a time; the
cursor is the seq to continue before, as opaque URL-safe base64 (anything else is a 422
naming ``cursor``). The people, columns and lanes the lines name are looked up once per
page (two statements), never per item. Any member of the board may read it; the
customer's confirmation link is redacted for roles that may not contact the customer,
exactly as in the event log (:mod:`app.events.redaction`).
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards, repository
from app.board.activity_text import Names, people_in, repeats, summary
from app.board.schemas import ActivityActor, ActivityItem, ActivityPage
from app.core.errors import ValidationFailed
from app.core.params import MAX_ID
from app.events import service as events
from app.events.redaction import for_role

__all__ = ["card_activity", "decode_cursor", "encode_cursor"]

# How the actors that are not people are named.
ACTOR_NAMES = {"system": "Swarmboard", "customer": "Customer"}
_PREFIX = "seq:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor continues before; 422 for anything this endpoint did not give out."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        text = raw.decode("ascii")
    except ValueError:  # not base64 (binascii.Error), not ASCII, not text
        text = ""
    digits = text.removeprefix(_PREFIX)
    if text.startswith(_PREFIX) and digits.isdigit() and 1 <= int(digits) <= MAX_ID:
        return int(digits)
    message = "not a cursor this endpoint gave out"
    raise ValidationFailed(
        "Invalid value for: cursor",
        errors=[{"field": "cursor", "in": "query", "message": message}],
    )


def _actor(envelope: dict[str, Any], names: Names) -> ActivityActor:
    who = envelope["actor"]
    if who["kind"] in ACTOR_NAMES:
        name = ACTOR_NAMES[who["kind"]]
    else:
        name = names.person(who["id"]) if who["id"] is not None else "Someone"
    return ActivityActor(id=who["id"], kind=who["kind"], name=name)


def card_activity(
    session: Session, *, actor: Principal, card_id: int, limit: int, cursor: str | None
) -> ActivityPage:
    """A page of the card's history, newest first, for any member of its board."""
    row, role = cards.load(session, actor=actor, card_id=card_id, lock=False)
    before = decode_cursor(cursor) if cursor is not None else None
    found, more = events.list_for_card(session, card_id=card_id, before=before, limit=limit)
    shown = [for_role(e, role) for e in found if not repeats(e)]
    column_names, lane_names = repository.place_names(session, board_id=row.board_id)
    people = set().union(*(people_in(e) for e in shown)) if shown else set()
    names = Names(
        people=repository.user_names(session, people),
        columns=column_names,
        lanes=lane_names,
        channel=row.channel,
    )
    items = [
        ActivityItem(
            seq=e["seq"],
            type=e["type"],
            at=e["at"],
            actor=_actor(e, names),
            summary=summary(e, names),
            data=e["data"],
        )
        for e in shown
    ]
    next_cursor = encode_cursor(found[-1]["seq"]) if more and found else None
    return ActivityPage(items=items, next_cursor=next_cursor)
