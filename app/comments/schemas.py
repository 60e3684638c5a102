"""Request and response bodies for card comments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.schemas import InputModel

__all__ = [
    "BODY_MAX",
    "CommentBase",
    "CommentCreate",
    "CommentPage",
    "CommentPublic",
    "CommentUpdate",
]

# Characters as sent (surrounding whitespace included: see InputModel).
BODY_MAX = 5000


class CommentBase(InputModel):
    body: str = Field(
        min_length=1,
        max_length=BODY_MAX,
        description="Plain text, trimmed; `@handle` mentions a member of the card's board "
        "by e-mail local part or unique first name",
    )


class CommentCreate(CommentBase):
    """A new comment on a card."""


class CommentUpdate(CommentBase):
    """A comment's new text (only its author edits it)."""


class CommentPublic(BaseModel):
    """A comment as every member of its board sees it."""

    id: int
    card_id: int
    board_id: int
    author_id: int | None = Field(description="None once the author's account is gone")
    author_name: str | None
    body: str = Field(description="Empty once the comment is deleted")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    mentions: list[int] = Field(
        description="The ids of the board's current members the body mentions, the author excluded"
    )


class CommentPage(BaseModel):
    """One page of a card's comments, oldest first; ``next_cursor`` fetches the next."""

    items: list[CommentPublic]
    next_cursor: str | None
