"""SQL for people and tokens."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, User
from app.core.models import table_of

_users = table_of(User)
_tokens = table_of(ApiToken)

__all__ = ["count_users", "get_user", "list_users", "user_by_email", "user_for_token_hash"]


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
