"""Invitation links: an admin adds a person without a password and sends them a link on
which they choose one, and are signed in.

A link carries a random 256-bit token; only its SHA-256 is stored (like API tokens),
so a database leak opens nothing. It works once and for :data:`LIFETIME`; a new link
for the same person replaces the old ones. A person who has a password gets no link
(an admin resets their password instead).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth import bots, lifecycle, repository, service
from app.auth.exceptions import AlreadyHasPassword, InvitationInvalid, UserNotFound
from app.auth.models import User, UserInvitation
from app.auth.schemas import UserCreate
from app.auth.service import Principal, principal_of
from app.core.models import utcnow

__all__ = [
    "LIFETIME",
    "Invitation",
    "accept",
    "create_invited",
    "issue",
    "lookup",
]

LIFETIME = timedelta(days=7)
_UNUSABLE = "This invitation link is not valid any more: it was used already or it expired."
_UNKNOWN = "This invitation link is not valid: check that you copied all of it."


@dataclass(frozen=True, slots=True)
class Invitation:
    """A usable link: whose it is and until when (the clear token only when issued)."""

    user_id: int
    name: str
    email: str
    expires_at: datetime
    token: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(session: Session, user: User) -> Invitation:
    assert user.id is not None
    repository.delete_invitations(session, user_id=user.id)
    token = secrets.token_urlsafe(32)
    expires = utcnow() + LIFETIME
    session.add(UserInvitation(user_id=user.id, token_hash=_hash(token), expires_at=expires))
    session.flush()
    return Invitation(user.id, user.name, user.email, expires, token)


def create_invited(
    session: Session, *, actor: Principal, data: UserCreate
) -> tuple[User, str, Invitation]:
    """Create a person without a password (admins only), with their first API token and
    an invitation link."""
    user, token = service.create_user(session, actor=actor, data=data)
    return user, token, _new_link(session, user)


def issue(session: Session, *, actor: Principal, user_id: int) -> Invitation:
    """A new invitation link for a person who has no password yet (admins only); their
    earlier links stop working."""
    lifecycle.require_admin(actor, "invite people")
    user = repository.lock_user(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    bots.forbid_bot(service.principal_of(user), "sign in to pages, so it gets no invitation")
    if user.password_hash:
        raise AlreadyHasPassword(
            f"{user.name} has a password already; set a new one for them instead."
        )
    return _new_link(session, user)


def _usable(session: Session, token: str) -> tuple[UserInvitation, User]:
    if not token or len(token) > 200:
        raise InvitationInvalid(_UNKNOWN)
    row = repository.invitation_for_update(session, _hash(token))
    if row is None:
        raise InvitationInvalid(_UNKNOWN)
    user = repository.get_user(session, row.user_id)
    if row.used_at is not None or row.expires_at <= utcnow() or user is None:
        raise InvitationInvalid(_UNUSABLE)
    if user.password_hash or user.deactivated_at is not None or user.kind == "bot":
        raise InvitationInvalid(_UNUSABLE)
    return row, user


def lookup(session: Session, *, token: str) -> Invitation:
    """The invitation of a link, to greet the person; InvitationInvalid otherwise."""
    row, user = _usable(session, token)
    assert user.id is not None
    return Invitation(user.id, user.name, user.email, row.expires_at)


def accept(session: Session, *, token: str, password_hash: str) -> tuple[Principal, str]:
    """Use the link: store the chosen password (hashed beforehand) and open a browser
    session; the person and the session's id, for the cookie. The link is used up."""
    row, user = _usable(session, token)
    assert user.id is not None
    user.password_hash = password_hash
    row.used_at = utcnow()
    session.flush()
    session_id = lifecycle.open_session(session, user_id=user.id)
    assert session_id is not None  # _usable refused a deactivated person
    return principal_of(user), session_id
