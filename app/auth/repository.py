"""SQL for people and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.models import ApiToken, User, UserInvitation, WebSession
from app.core.models import table_of, utcnow

_users = table_of(User)
_tokens = table_of(ApiToken)
_sessions = table_of(WebSession)
_invitations = table_of(UserInvitation)

__all__ = [
    "count_users",
    "delete_invitations",
    "delete_session",
    "delete_sessions",
    "get_user",
    "insert_session",
    "invitation_for_update",
    "list_users",
    "lock_user",
    "people_filter",
    "principal_fields_for_token_hash",
    "revoke_all_tokens",
    "revoke_named_tokens",
    "revoke_token",
    "skills_of",
    "user_by_email",
    "user_for_session",
    "user_for_token_hash",
    "user_names",
]


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(_users.c.email == email)).scalar_one_or_none()


def user_for_token_hash(session: Session, token_hash: str) -> User | None:
    stmt = (
        select(User)
        .join(_tokens, _tokens.c.user_id == _users.c.id)
        .where(
            _tokens.c.token_hash == token_hash,
            _tokens.c.revoked_at.is_(None),
            _users.c.deactivated_at.is_(None),
        )
    )
    return session.execute(stmt).scalar_one_or_none()


# Every API request resolves its token: a Core statement built once, reading only what
# a Principal holds (no ORM entity, no identity map), about half the CPU of the above.
_PRINCIPAL_FOR_TOKEN = (
    select(_users.c.id, _users.c.name, _users.c.role, _users.c.kind, _users.c.availability)
    .join(_tokens, _tokens.c.user_id == _users.c.id)
    .where(
        _tokens.c.token_hash == bindparam("token_hash"),
        _tokens.c.revoked_at.is_(None),
        _users.c.deactivated_at.is_(None),
    )
)


def principal_fields_for_token_hash(
    session: Session, token_hash: str
) -> Row[Any, Any, Any, Any, Any] | None:
    """(id, name, role, kind, availability) of the live user behind a live token."""
    params = {"token_hash": token_hash}
    return session.connection().execute(_PRINCIPAL_FOR_TOKEN, params).one_or_none()


def lock_user(session: Session, user_id: int) -> User | None:
    """The person's row, locked until the transaction ends (PostgreSQL; SQLite's writer
    is serial already), so a password change and a deactivation do not interleave."""
    return session.execute(
        select(User).where(_users.c.id == user_id).with_for_update()
    ).scalar_one_or_none()


def user_for_session(
    session: Session, *, id_hash: str, user_id: int, issued_after: datetime
) -> User | None:
    """The active person of a live session row, or None."""
    stmt = (
        select(User)
        .join(_sessions, _sessions.c.user_id == _users.c.id)
        .where(
            _sessions.c.id_hash == id_hash,
            _sessions.c.user_id == user_id,
            _sessions.c.created_at > issued_after,
            _users.c.deactivated_at.is_(None),
            _users.c.kind != "bot",
        )
    )
    return session.execute(stmt).scalar_one_or_none()


def insert_session(session: Session, *, id_hash: str, user_id: int) -> None:
    session.execute(insert(_sessions).values(id_hash=id_hash, user_id=user_id, created_at=utcnow()))


def delete_session(session: Session, *, id_hash: str) -> int | None:
    """Delete one session row; the user id it belonged to, or None if there was none."""
    row = session.execute(
        delete(_sessions).where(_sessions.c.id_hash == id_hash).returning(_sessions.c.user_id)
    ).first()
    return None if row is None else int(row[0])


def delete_sessions(
    session: Session,
    *,
    user_id: int,
    keep: str | None = None,
    created_before: datetime | None = None,
) -> None:
    """Delete a person's session rows (all, all but ``keep``, or only the expired ones)."""
    stmt = delete(_sessions).where(_sessions.c.user_id == user_id)
    if keep is not None:
        stmt = stmt.where(_sessions.c.id_hash != keep)
    if created_before is not None:
        stmt = stmt.where(_sessions.c.created_at <= created_before)
    session.execute(stmt)


def revoke_all_tokens(session: Session, *, user_id: int) -> None:
    session.execute(
        update(_tokens)
        .where(_tokens.c.user_id == user_id, _tokens.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of these people (the ones that exist)."""
    if not ids:
        return {}
    stmt = select(_users.c.id, _users.c.name).where(_users.c.id.in_(ids))
    return {int(r.id): str(r.name) for r in session.execute(stmt)}


def people_filter(*, q: str | None = None, among: Any = None) -> list[ColumnElement[bool]]:
    """Conditions on ``users``: name or email contains ``q`` (any case; ``%`` and ``_``
    are plain characters), and the id is one of the query ``among``."""
    where: list[ColumnElement[bool]] = []
    if q:
        text = q.lower()
        where.append(
            or_(
                func.lower(_users.c.name).contains(text, autoescape=True),
                _users.c.email.contains(text, autoescape=True),
            )
        )
    if among is not None:
        where.append(_users.c.id.in_(among))
    return where


def list_users(
    session: Session, *, limit: int, offset: int, where: list[ColumnElement[bool]] | None = None
) -> list[User]:
    stmt = select(User).where(*(where or [])).order_by(_users.c.id).limit(limit).offset(offset)
    return list(session.execute(stmt).scalars())


def count_users(session: Session, *, where: list[ColumnElement[bool]] | None = None) -> int:
    stmt = select(func.count()).select_from(_users).where(*(where or []))
    return int(session.execute(stmt).scalar_one())


def skills_of(session: Session, *, where: list[ColumnElement[bool]]) -> list[list[Any]]:
    """The skill lists of the active people matching ``where``."""
    # In a fixed order: where two people spell a skill differently, the suggestion takes
    # the first spelling, which must not depend on where PostgreSQL stored the rows.
    stmt = (
        select(_users.c.skills)
        .where(_users.c.deactivated_at.is_(None), *where)
        .order_by(_users.c.id)
    )
    return [list(row.skills or []) for row in session.execute(stmt)]


def delete_invitations(session: Session, *, user_id: int) -> None:
    """Forget the person's invitation links (a new one replaces them; a used one has
    done its work)."""
    session.execute(delete(_invitations).where(_invitations.c.user_id == user_id))


def invitation_for_update(session: Session, token_hash: str) -> UserInvitation | None:
    """The invitation with this token hash, locked until the transaction ends, so two
    tabs cannot both use it."""
    stmt = select(UserInvitation).where(_invitations.c.token_hash == token_hash)
    return session.execute(stmt.with_for_update()).scalar_one_or_none()


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
