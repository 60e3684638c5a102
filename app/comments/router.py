"""Card comment endpoints (thin: app/comments/service.py holds the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.auth.deps import CurrentUser
from app.comments import service
from app.comments.schemas import CommentCreate, CommentPage, CommentPublic, CommentUpdate
from app.core.deps import Db
from app.core.params import PageLimit, PathId

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["comments"])

Cursor = Annotated[
    str | None, Query(min_length=1, max_length=200, description="`next_cursor` of a page")
]


@router.post(
    "/cards/{card_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentPublic
)
async def add_comment(
    card_id: PathId, body: CommentCreate, user: CurrentUser, db: Db
) -> CommentPublic:
    """Comment on a card; `@handle` mentions of the board's members are resolved to ids."""
    return await db.write(service.add_comment, actor=user, card_id=card_id, data=body)


@router.get("/cards/{card_id}/comments", response_model=CommentPage)
async def list_comments(
    card_id: PathId, user: CurrentUser, db: Db, limit: PageLimit = 50, cursor: Cursor = None
) -> CommentPage:
    """A card's comments, oldest first, a page at a time; deleted ones stay, empty."""
    return await db.read(
        service.list_comments, actor=user, card_id=card_id, limit=limit, cursor=cursor
    )


@router.patch("/comments/{comment_id}", response_model=CommentPublic)
async def edit_comment(
    comment_id: PathId, body: CommentUpdate, user: CurrentUser, db: Db
) -> CommentPublic:
    """Change your own comment's text (409 `comment-deleted` once it is deleted)."""
    return await db.write(service.edit_comment, actor=user, comment_id=comment_id, data=body)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(comment_id: PathId, user: CurrentUser, db: Db) -> None:
    """Delete a comment: yours, or any on a board you lead (409 if already deleted)."""
    await db.write(service.delete_comment, actor=user, comment_id=comment_id)
