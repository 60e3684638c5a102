"""Searching a board's cards: filters, board order, and an opaque keyset cursor.

A page is one query: the filters (``alerted`` and ``swarmed`` are EXISTS subqueries, the
customer's ref an IN subquery) and the key after the cursor all go into the SQL in
:func:`app.board.repository.search_cards`. The cursor is the board-order key of the
last card returned, ``(column position, card position, id)``, as URL-safe base64 of
JSON; anything else sent as a cursor is a 422 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import repository
from app.board.access import board_role
from app.board.schemas import CardPublic, CardQuery, CardSearchPage, PersonFilter
from app.core.errors import ValidationFailed
from app.core.params import MAX_ID

__all__ = ["build_query", "decode_cursor", "encode_cursor", "parse_person", "search_cards"]

Key = tuple[int, float, int]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid value for: {field}",
        errors=[{"field": field, "in": "query", "message": message}],
    )


def encode_cursor(key: Key) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _no_constants(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not keys


def decode_cursor(cursor: str) -> Key:
    """The key a cursor stands for; 422 for anything this endpoint did not give out."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        value = json.loads(raw, parse_constant=_no_constants)
    except (binascii.Error, ValueError):
        raise _invalid("cursor", "not a cursor this endpoint gave out") from None
    if not (isinstance(value, list) and len(value) == 3):
        raise _invalid("cursor", "not a cursor this endpoint gave out")
    column_pos, card_pos, card_id = value
    ints_ok = all(type(v) is int and -MAX_ID <= v <= MAX_ID for v in (column_pos, card_id))
    pos_ok = type(card_pos) in (int, float) and math.isfinite(card_pos) and abs(card_pos) < 1e300
    if not (ints_ok and pos_ok):
        raise _invalid("cursor", "not a cursor this endpoint gave out")
    return column_pos, float(card_pos), card_id


def parse_person(value: str | None, *, field: str, actor: Principal) -> PersonFilter:
    """``me`` (the caller), ``none`` (nobody) or a user id; None when not filtered."""
    if value is None:
        return None
    if value == "me":
        return actor.id
    if value == "none":
        none: Literal["none"] = "none"
        return none
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID:
        return int(value)
    raise _invalid(field, "expected 'me', 'none' or a user id")


def build_query(
    *,
    actor: Principal,
    archived: bool,
    assignee: str | None,
    owner: str | None,
    **filters: Any,
) -> CardQuery:
    """The filters of a search request (``archived``: only archived cards, else none)."""
    return CardQuery(
        assignee=parse_person(assignee, field="assignee", actor=actor),
        owner=parse_person(owner, field="owner", actor=actor),
        archived=archived,
        **filters,
    )


def search_cards(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    query: CardQuery,
    limit: int,
    cursor: str | None,
) -> CardSearchPage:
    """A page of the board's cards matching ``query``, for any member of the board."""
    board_role(session, actor=actor, board_id=board_id)  # a 404 for non-members
    after = decode_cursor(cursor) if cursor is not None else None
    rows = repository.search_cards(
        session, board_id=board_id, query=query, after=after, limit=limit + 1
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor((last.column_position, last.position, last.id))
    return CardSearchPage(
        items=[CardPublic.model_validate(r._mapping) for r in page], next_cursor=next_cursor
    )
