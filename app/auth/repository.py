"""SQL for people and tokens."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, User
from app.board.models import BoardMember
from app.core.models import table_of, utcnow

_users = table_of(User)
_tokens = table_of(ApiToken)

__all__ = [
    "count_users",
    "get_user",
    "list_users",
    "revoke_named_tokens",
    "revoke_token",
    "share_a_board",
    "user_by_email",
    "user_for_token_hash",
]


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(_users.c.email == email)).scalar_one_or_none()


def user_for_token_hash(session: Session, token_hash: str) -> User | None:
    stmt = (
        select(User)
        .join(_tokens, _tokens.c.user_id == _users.c.id)
        .where(_tokens.c.token_hash == token_hash, _tokens.c.revoked_at.is_(None))
    )
    return session.execute(stmt).scalar_one_or_none()


def list_users(session: Session, *, limit: int, offset: int) -> list[User]:
    stmt = select(User).order_by(_users.c.id).limit(limit).offset(offset)
    return list(session.execute(stmt).scalars())


def count_users(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(_users)).scalar_one())


def revoke_named_tokens(session: Session, *, user_id: int, name: str) -> None:
    session.execute(
        update(_tokens)
        .where(_tokens.c.user_id == user_id, _tokens.c.name == name, _tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_token(session: Session, *, user_id: int, token_id: int) -> bool:
    result = session.execute(
        update(_tokens)
        .where(
            _tokens.c.id == token_id, _tokens.c.user_id == user_id, _tokens.c.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
        .returning(_tokens.c.id)
    )
    return result.first() is not None


def share_a_board(session: Session, user_a: int, user_b: int) -> bool:
    members = table_of(BoardMember)
    other = members.alias("other")
    stmt = (
        select(members.c.board_id)
        .join(other, other.c.board_id == members.c.board_id)
        .where(members.c.user_id == user_a, other.c.user_id == user_b)
        .limit(1)
    )
    return session.execute(stmt).first() is not None
