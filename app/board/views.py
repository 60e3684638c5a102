"""Board reads for pages: the list of boards a person can open, and the parts of the
board page that are the board's own (its header and its members)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import repository

__all__ = [
    "BoardHeader",
    "BoardListing",
    "board_header",
    "board_ids",
    "columns_of",
    "lanes_of",
    "member_names",
    "visible_boards",
]


@dataclass(frozen=True, slots=True)
class BoardListing:
    """A board as the board list shows it."""

    id: int
    name: str
    cards: int


@dataclass(frozen=True, slots=True)
class BoardHeader:
    name: str
    currency: str


def visible_boards(session: Session, *, actor: Principal, limit: int) -> list[BoardListing]:
    """The boards the person can open (admins: all), by name, with their card counts."""
    rows = repository.boards_with_card_counts(
        session, user_id=None if actor.is_admin else actor.id, limit=limit
    )
    return [BoardListing(id=r.id, name=r.name, cards=int(r.cards)) for r in rows]


def board_header(session: Session, *, board_id: int) -> BoardHeader:
    """The board's name and currency (no access check: the caller checked the board)."""
    board = repository.get_board(session, board_id)
    assert board is not None
    return BoardHeader(name=board.name, currency=board.currency)


def member_names(session: Session, *, board_id: int) -> dict[int, str]:
    """Member id -> name, by name (no access check: the caller checked the board)."""
    return {int(m.id): str(m.name) for m in repository.member_names(session, board_id=board_id)}


def columns_of(session: Session, *, board_id: int) -> list[Any]:
    """The board's columns, left to right (no access check)."""
    return repository.columns_of(session, board_id=board_id)


def lanes_of(session: Session, *, board_id: int) -> list[Any]:
    """The board's lanes, top to bottom (no access check)."""
    return repository.lanes_of(session, board_id=board_id)


def board_ids(session: Session, *, member: int | None) -> list[int]:
    """The ids of the boards ``member`` is a member of (``None``: every board)."""
    return repository.board_ids(session, member=member)
