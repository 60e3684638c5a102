"""Comment rules: who may comment, edit and delete, and what each change records.

* **comment**: the WORK roles on the card's board (admin, lead, agent); the body's
  ``@mentions`` are resolved against the board's members (:mod:`.mentions`);
* **read**: anyone who may read the board, oldest first, a page at a time;
* **edit**: the author only (not even a lead or an admin edits someone's words), while
  their role on the board may still work;
* **delete**: the author, or a lead or admin of the board. A comment is deleted softly:
  it stays in the thread with an empty body. Deleting or editing it again is a 409
  ``comment-deleted`` (not a 404: the thread still shows it).

A card or comment on a board the caller may not read is a 404, as for cards. Each change
appends its event (``card.commented``, ``comment.edited``, ``comment.deleted``) in its
own transaction; the websocket and webhooks get it from the log once committed. No
reaction subscribes to comments, so nothing is published to
:mod:`app.board.reactions`.

``mentions`` in a response are the board's current members that the body names; the
``card.commented`` event keeps those of the moment it was written.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards as board_cards
from app.board.access import WORK, effective_role, may_manage, may_read, require_role
from app.board.service import actor_ref
from app.comments import mentions, repository
from app.comments.exceptions import CommentDeleted, CommentNotFound, NotCommentAuthor
from app.comments.schemas import CommentCreate, CommentPage, CommentPublic, CommentUpdate
from app.core.errors import ValidationFailed
from app.core.models import utcnow
from app.core.params import MAX_ID
from app.events import service as events

__all__ = [
    "add_comment",
    "decode_cursor",
    "delete_comment",
    "edit_comment",
    "encode_cursor",
    "list_comments",
]


# --- the cursor ---

_NOT_OURS = "not a cursor this endpoint gave out"


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "Invalid value for: cursor",
        errors=[{"field": "cursor", "in": "query", "message": _NOT_OURS}],
    )


def encode_cursor(comment_id: int) -> str:
    """The opaque cursor after ``comment_id``: URL-safe base64 of JSON, as card search's."""
    raw = json.dumps([comment_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The comment id a cursor stands for; 422 for anything this endpoint did not give out."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _bad_cursor() from None
    if not (isinstance(value, list) and len(value) == 1):
        raise _bad_cursor()
    (comment_id,) = value
    if type(comment_id) is not int or not 1 <= comment_id <= MAX_ID:
        raise _bad_cursor()
    return comment_id


# --- access ---


def _card(session: Session, *, actor: Principal, card_id: int) -> tuple[Row[Any], str]:
    """The card and the caller's role on its board (404 when they may not read it)."""
    return board_cards.load(session, actor=actor, card_id=card_id, lock=False)


def _comment(session: Session, *, actor: Principal, comment_id: int) -> tuple[Row[Any], str]:
    row = repository.comment_with_access(session, comment_id=comment_id, user_id=actor.id)
    if row is None or not may_read(actor, is_member=row.member_id is not None):
        raise CommentNotFound(f"Comment {comment_id} does not exist or is not on your board.")
    return row, effective_role(actor, row.member_role)


# --- the public shape ---


def _public(row: Any, mentioned: list[int]) -> CommentPublic:
    deleted = row.deleted_at is not None
    return CommentPublic(
        id=row.id,
        card_id=row.card_id,
        board_id=row.board_id,
        author_id=row.author_id,
        author_name=row.author_name,
        body="" if deleted else row.body,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted=deleted,
        mentions=[] if deleted else mentioned,
    )


def _read_back(session: Session, comment_id: int, mentioned: list[int]) -> CommentPublic:
    row = repository.comment(session, comment_id)
    assert row is not None  # written in this transaction
    return _public(row, mentioned)


# --- the services ---


def add_comment(
    session: Session, *, actor: Principal, card_id: int, data: CommentCreate
) -> CommentPublic:
    """Comment on a card, as a person who may work on its board."""
    card, role = _card(session, actor=actor, card_id=card_id)
    require_role(role, WORK, "comment on cards")
    board_id = int(card.board_id)
    people = repository.mentionable(session, board_id=board_id)
    mentioned = mentions.resolve(data.body, people, author_id=actor.id)
    comment_id = repository.insert_comment(
        session,
        {
            "card_id": card_id,
            "board_id": board_id,
            "author_id": actor.id,
            "body": data.body,
            "created_at": utcnow(),
        },
    )
    events.append(
        session,
        board_id=board_id,
        type="card.commented",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "comment_id": comment_id,
            "body": data.body,
            "mentions": mentioned,
        },
    )
    return _read_back(session, comment_id, mentioned)


def list_comments(
    session: Session, *, actor: Principal, card_id: int, limit: int, cursor: str | None
) -> CommentPage:
    """A page of a card's comments, oldest first, for anyone who may read its board."""
    card, _ = _card(session, actor=actor, card_id=card_id)  # a 404 before a bad cursor's 422
    after = decode_cursor(cursor) if cursor is not None else None
    rows = repository.comments_page(session, card_id=card_id, after=after, limit=limit + 1)
    page = rows[:limit]
    people = repository.mentionable(session, board_id=int(card.board_id)) if page else []
    items = [_public(r, mentions.resolve(r.body, people, author_id=r.author_id)) for r in page]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return CommentPage(items=items, next_cursor=next_cursor)


def edit_comment(
    session: Session, *, actor: Principal, comment_id: int, data: CommentUpdate
) -> CommentPublic:
    """Change a comment's text: its author only, and not once it is deleted."""
    row, role = _comment(session, actor=actor, comment_id=comment_id)
    require_role(role, WORK, "edit comments")
    if row.author_id != actor.id:
        raise NotCommentAuthor("Only the comment's author may edit it.")
    if row.deleted_at is not None:
        raise CommentDeleted(f"Comment {comment_id} was deleted; it cannot be edited.")
    people = repository.mentionable(session, board_id=int(row.board_id))
    mentioned = mentions.resolve(data.body, people, author_id=actor.id)
    if data.body == row.body:
        return _read_back(session, comment_id, mentioned)  # nothing to do: no event
    if not repository.update_live_comment(
        session, comment_id, {"body": data.body, "edited_at": utcnow()}
    ):
        raise CommentDeleted(f"Comment {comment_id} was deleted; it cannot be edited.")
    events.append(
        session,
        board_id=int(row.board_id),
        type="comment.edited",
        actor=actor_ref(actor),
        data={"card_id": row.card_id, "comment_id": comment_id, "body": data.body},
    )
    return _read_back(session, comment_id, mentioned)


def delete_comment(session: Session, *, actor: Principal, comment_id: int) -> None:
    """Delete a comment (its author, or a lead or admin of the board); it stays in the
    thread, empty. A second delete is a 409 ``comment-deleted``."""
    row, role = _comment(session, actor=actor, comment_id=comment_id)
    require_role(role, WORK, "delete comments")
    if row.author_id != actor.id and not may_manage(role):
        raise NotCommentAuthor("Only the comment's author, a lead or an admin may delete it.")
    if row.deleted_at is not None or not repository.update_live_comment(
        session, comment_id, {"body": "", "deleted_at": utcnow()}
    ):
        raise CommentDeleted(f"Comment {comment_id} was already deleted.")
    events.append(
        session,
        board_id=int(row.board_id),
        type="comment.deleted",
        actor=actor_ref(actor),
        data={"card_id": row.card_id, "comment_id": comment_id},
    )
