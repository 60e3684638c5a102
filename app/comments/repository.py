"""SQL for card comments and for the people a comment may mention."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.board import repository as board_repository
from app.comments.mentions import Person
from app.comments.models import CardComment
from app.core.models import table_of

__all__ = [
    "comment",
    "comment_with_access",
    "comments",
    "comments_page",
    "insert_comment",
    "mentionable",
    "update_live_comment",
]

comments = table_of(CardComment)
members = board_repository.members
users = board_repository.users


def _with_author() -> Select[Any]:
    """Comments with their author's name (None once the account is gone)."""
    return select(comments, users.c.name.label("author_name")).outerjoin(
        users, users.c.id == comments.c.author_id
    )


def insert_comment(session: Session, values: dict[str, Any]) -> int:
    return int(session.execute(insert(comments).values(**values).returning(comments.c.id)).one()[0])


def comment(session: Session, comment_id: int) -> Row[Any] | None:
    """One comment with its author's name (no access check)."""
    return session.execute(_with_author().where(comments.c.id == comment_id)).first()


def comment_with_access(session: Session, *, comment_id: int, user_id: int) -> Row[Any] | None:
    """The comment and the caller's membership of its board (``member_id`` None: not a
    member)."""
    stmt = (
        select(comments, members.c.id.label("member_id"), members.c.role.label("member_role"))
        .outerjoin(
            members, and_(members.c.board_id == comments.c.board_id, members.c.user_id == user_id)
        )
        .where(comments.c.id == comment_id)
    )
    return session.execute(stmt).first()


def comments_page(
    session: Session, *, card_id: int, after: int | None, limit: int
) -> list[Row[Any]]:
    """Up to ``limit`` of the card's comments after id ``after``, oldest first (by id:
    ids grow with time, and ``(card_id, id)`` is indexed)."""
    stmt = _with_author().where(comments.c.card_id == card_id)
    if after is not None:
        stmt = stmt.where(comments.c.id > after)
    return list(session.execute(stmt.order_by(comments.c.id).limit(limit)).all())


def update_live_comment(session: Session, comment_id: int, values: dict[str, Any]) -> bool:
    """Change a comment that is not deleted; False when it is (or is gone).

    The condition is in the UPDATE itself, so of an edit and a delete at the same moment
    the later one sees the earlier's result (PostgreSQL re-checks a row it waited for).
    """
    stmt = (
        update(comments)
        .where(comments.c.id == comment_id, comments.c.deleted_at.is_(None))
        .values(**values)
        .returning(comments.c.id)
    )
    return session.execute(stmt).first() is not None


def mentionable(session: Session, *, board_id: int) -> list[Person]:
    """The board's members who may be mentioned: everyone on it but the deactivated."""
    stmt = (
        select(users.c.id, users.c.email, users.c.name)
        .join(members, members.c.user_id == users.c.id)
        .where(members.c.board_id == board_id, users.c.deactivated_at.is_(None))
        .order_by(users.c.id)
    )
    return [Person(id=r.id, email=r.email, name=r.name) for r in session.execute(stmt)]
