"""Ending access: browser sessions, password changes, deactivation and token revocation.

Sessions live in ``web_sessions`` (one row per signed-in browser; the signed cookie
carries the row's random id), and every request looks its credential up in the
database, so ending a session, revoking a token or deactivating a person takes effect
on every replica with the next request. Each change here also tells
:func:`app.auth.hooks.access_changed` in the same transaction (realtime announces
``access.changed`` there), so the person's open websockets close and reconnect through a
fresh access check.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from app.auth import bots, hooks, repository
from app.auth.exceptions import CannotDeactivateSelf, NotAllowed, TokenNotFound, UserNotFound
from app.auth.models import User
from app.auth.roles import ADMIN, BOT
from app.auth.service import Principal, principal_of
from app.core.models import utcnow

__all__ = [
    "SESSION_MAX_AGE",
    "change_password",
    "deactivate",
    "end_session",
    "hash_session_id",
    "open_session",
    "principal_for_session",
    "reactivate",
    "require_admin",
    "reset_password",
    "revoke_token",
]

# A session row outlives its cookie by nothing: the cookie's signed timestamp and the
# row's created_at both bound it to this age.
SESSION_MAX_AGE = timedelta(hours=12)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _principal(user: User) -> Principal:
    return principal_of(user)


def require_admin(actor: Principal, action: str) -> None:
    if not actor.is_admin:
        raise NotAllowed(f"Only an admin can {action}.")


def _announce(session: Session, user: User, *, reason: str, actor: Principal) -> None:
    assert user.id is not None
    hooks.access_changed(
        session,
        user_id=user.id,
        reason=reason,
        actor_id=actor.id,
        everywhere=user.role == ADMIN,
    )


def open_session(session: Session, *, user_id: int) -> str | None:
    """Record a new signed-in session; its random id (for the cookie), or None when the
    person is gone or deactivated meanwhile. Expired rows of the person are dropped."""
    user = repository.get_user(session, user_id)
    if user is None or user.deactivated_at is not None or user.kind == BOT:
        return None  # bots never hold a browser session
    repository.delete_sessions(session, user_id=user_id, created_before=utcnow() - SESSION_MAX_AGE)
    session_id = secrets.token_urlsafe(32)
    repository.insert_session(session, id_hash=hash_session_id(session_id), user_id=user_id)
    return session_id


def principal_for_session(session: Session, *, user_id: int, session_id: str) -> Principal | None:
    """The active person of a live session, or None (signed out, expired, deactivated)."""
    user = repository.user_for_session(
        session,
        id_hash=hash_session_id(session_id),
        user_id=user_id,
        issued_after=utcnow() - SESSION_MAX_AGE,
    )
    return None if user is None else _principal(user)


def end_session(session: Session, *, session_id: str) -> None:
    """Sign one browser out; the person's sockets reconnect and are checked again."""
    user_id = repository.delete_session(session, id_hash=hash_session_id(session_id))
    user = repository.get_user(session, user_id) if user_id is not None else None
    if user is not None:
        _announce(session, user, reason="signed-out", actor=_principal(user))


def change_password(
    session: Session,
    *,
    actor: Principal,
    password_hash: str,
    expected_hash: str,
    current_session_id: str | None,
) -> bool:
    """Store the caller's new password hash and end their other sessions.

    ``expected_hash`` is the hash the current password was verified against; if it
    changed meanwhile (a racing change or reset), nothing is written and False returned.
    """
    user = repository.lock_user(session, actor.id)
    if user is None or user.password_hash != expected_hash or user.deactivated_at is not None:
        return False
    user.password_hash = password_hash
    keep = hash_session_id(current_session_id) if current_session_id else None
    repository.delete_sessions(session, user_id=actor.id, keep=keep)
    _announce(session, user, reason="password-changed", actor=actor)
    session.flush()
    return True


def reset_password(
    session: Session,
    *,
    actor: Principal,
    user_id: int,
    password_hash: str,
    current_session_id: str | None = None,
) -> None:
    """Set someone's password (admins only) and end all their sessions (an admin resetting
    their own keeps the session that asked)."""
    require_admin(actor, "reset a password")
    user = repository.lock_user(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    bots.forbid_bot(principal_of(user), "have a password: it works with API tokens")
    user.password_hash = password_hash
    own = current_session_id if actor.id == user_id else None
    keep = hash_session_id(own) if own else None
    repository.delete_sessions(session, user_id=user_id, keep=keep)
    _announce(session, user, reason="password-reset", actor=actor)
    session.flush()


def deactivate(session: Session, *, actor: Principal, user_id: int) -> User:
    """Deactivate someone (admins only): their API tokens are revoked, their sessions
    ended and their sockets closed; they cannot sign in until reactivated."""
    require_admin(actor, "deactivate people")
    if actor.id == user_id:
        raise CannotDeactivateSelf("You cannot deactivate yourself; ask another admin.")
    user = repository.lock_user(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        repository.revoke_all_tokens(session, user_id=user_id)
        repository.delete_sessions(session, user_id=user_id)
        _announce(session, user, reason="deactivated", actor=actor)
        session.flush()
    return user


def reactivate(session: Session, *, actor: Principal, user_id: int) -> User:
    """Let a deactivated person sign in again (admins only). Their old API tokens stay
    revoked: issue new ones with ``POST /api/users/{id}/tokens``."""
    require_admin(actor, "reactivate people")
    user = repository.lock_user(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    if user.deactivated_at is not None:
        user.deactivated_at = None
        _announce(session, user, reason="reactivated", actor=actor)
        session.flush()
    return user


def revoke_token(session: Session, *, actor: Principal, user_id: int, token_id: int) -> None:
    """Revoke one API token (admins for anyone, everyone for themselves); sockets opened
    with it close and must reconnect with another credential."""
    if not actor.is_admin and actor.id != user_id:
        raise NotAllowed("You can only revoke your own tokens.")
    if not repository.revoke_token(session, user_id=user_id, token_id=token_id):
        raise TokenNotFound(f"Token {token_id} of user {user_id} does not exist.")
    user = repository.get_user(session, user_id)
    if user is not None:
        _announce(session, user, reason="token-revoked", actor=actor)
