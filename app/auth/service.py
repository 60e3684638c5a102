"""People and API tokens: creation, token issuing and token resolution."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth import bots, hooks, password, repository
from app.auth.exceptions import EmailTaken, NotAllowed, UserNotFound
from app.auth.models import ApiToken, User
from app.auth.roles import ADMIN, BOT, MANAGE
from app.auth.schemas import UserCreate, UserUpdate
from app.core.db import serialize_startup

__all__ = [
    "Principal",
    "create_user",
    "end_sessions",
    "ensure_admin_token",
    "hash_token",
    "issue_token",
    "leads_person",
    "list_users",
    "login_candidate",
    "names_of",
    "new_token",
    "password_hash_of",
    "principal_for_token",
    "principal_of",
    "set_password_hash",
    "update_profile",
]

TOKEN_PREFIX = "sb_"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as cached per token."""

    id: int
    name: str
    role: str
    # 'person' or 'bot'; a bot's 'away' availability is its kill switch (app/auth/bots.py).
    kind: str = "person"
    availability: str = "available"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_bot(self) -> bool:
        return self.kind == BOT


def principal_of(user: User) -> Principal:
    """The caller a user row stands for."""
    assert user.id is not None
    return Principal(
        id=user.id,
        name=user.name,
        role=user.role,
        kind=user.kind,
        availability=user.availability,
    )


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for_token(session: Session, token_hash: str) -> Principal | None:
    """Resolve a token hash to its user, or ``None`` for an unknown or revoked token."""
    row = repository.principal_fields_for_token_hash(session, token_hash)
    if row is None:
        return None
    return Principal(
        id=row.id, name=row.name, role=row.role, kind=row.kind, availability=row.availability
    )


def issue_token(session: Session, *, user_id: int, name: str = "default") -> tuple[ApiToken, str]:
    """Create a token for the user; the clear token is returned once and never stored."""
    token = new_token()
    row = ApiToken(user_id=user_id, token_hash=hash_token(token), name=name)
    session.add(row)
    session.flush()
    return row, token


def create_user(
    session: Session,
    *,
    actor: Principal | None,
    data: UserCreate,
    password_hash: str | None = None,
) -> tuple[User, str]:
    """Create a person with a first API token (admins only).

    ``password_hash`` is ``data.password`` hashed beforehand, off the event loop and
    outside the transaction; without it a given password is hashed here (~50 ms).
    """
    if actor is not None and not actor.is_admin:
        raise NotAllowed("Only an admin can create users.")
    email = data.email or _bot_email(data.name)
    if repository.user_by_email(session, email) is not None:
        raise EmailTaken(f"A user with email {email} already exists.")
    if data.password is not None and password_hash is None:
        password_hash = password.hash_password(data.password)
    user = User(
        name=data.name,
        email=email,
        role=data.role,
        kind=data.kind,
        team=data.team,
        skills=[s.model_dump() for s in data.skills],
        wip_limit=data.wip_limit,
        password_hash=password_hash,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent sign-up with the same email won the unique index.
        raise EmailTaken(f"A user with email {email} already exists.") from None
    assert user.id is not None
    _, token = issue_token(session, user_id=user.id)
    return user, token


def _bot_email(name: str) -> str:
    """A unique address for a bot created without one (nothing is ever sent to it)."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "bot"
    return f"{slug}-{secrets.token_hex(4)}@bots.invalid"


def login_candidate(session: Session, *, email: str) -> tuple[Principal, str] | None:
    """The person with this email and their password hash; None without a password."""
    user = repository.user_by_email(session, email.strip().lower())
    if user is None or user.id is None or not user.password_hash:
        return None
    if user.deactivated_at is not None or user.kind == BOT:  # bots never sign in to pages
        return None
    return principal_of(user), user.password_hash


def names_of(session: Session, *, ids: set[int]) -> dict[int, str]:
    """People's names by id (for showing who owns something)."""
    return repository.user_names(session, ids)


def password_hash_of(session: Session, *, user_id: int) -> str | None:
    """The person's stored password hash (None: API tokens only)."""
    user = repository.get_user(session, user_id)
    return None if user is None else user.password_hash


def end_sessions(session: Session, *, user_id: int) -> None:
    """End every browser session of the person (board does this when they lose their
    last board: app/board/service.py)."""
    repository.delete_sessions(session, user_id=user_id)


def set_password_hash(
    session: Session, *, user_id: int, password_hash: str, replacing: str | None = None
) -> bool:
    """Store a new password hash; with ``replacing`` (a rehash at sign-in), only if that is
    still the stored one, so a rehash cannot undo a password change that raced it.
    Without it, this is a password change: every session of the person ends."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    bots.forbid_bot(principal_of(user), "have a password: it works with API tokens")
    if replacing is not None and user.password_hash != replacing:
        return False
    user.password_hash = password_hash
    if replacing is None:
        repository.delete_sessions(session, user_id=user_id)
    session.flush()
    return True


def create_token_for(
    session: Session, *, actor: Principal, user_id: int, name: str
) -> tuple[ApiToken, str]:
    """Issue another token: admins for anyone, others for themselves."""
    if not actor.is_admin and actor.id != user_id:
        raise NotAllowed("You can only create tokens for yourself.")
    if repository.get_user(session, user_id) is None:
        raise UserNotFound(f"User {user_id} does not exist.")
    return issue_token(session, user_id=user_id, name=name)


def ensure_admin_token(session: Session, *, token: str, name: str = "admin-token") -> User:
    """Make sure an admin owns exactly this token (``SWARMBOARD_ADMIN_TOKEN``, the demo).

    Earlier tokens issued under the same ``name`` are revoked, so rotating the
    configured token, or restarting the demo, leaves only the newest one valid. Safe
    when several replicas run it at once (they take turns).
    """
    serialize_startup(session)
    token_hash = hash_token(token)
    owner = repository.user_for_token_hash(session, token_hash)
    if owner is not None:
        if owner.role != "admin":
            owner.role = "admin"
        return owner
    admin = repository.user_by_email(session, "admin@swarmboard.local")
    if admin is None:
        admin = User(name="Admin", email="admin@swarmboard.local", role="admin")
        session.add(admin)
        session.flush()
    assert admin.id is not None
    repository.revoke_named_tokens(session, user_id=admin.id, name=name)
    session.add(ApiToken(user_id=admin.id, token_hash=token_hash, name=name))
    session.flush()
    return admin


# Leads and admins see the people directory (the managing roles).
DIRECTORY_ROLES = MANAGE


def get_user(session: Session, *, actor: Principal, user_id: int) -> User:
    """A person's profile: yourself, someone you share a board with, or anyone for a
    lead or admin. Others get 404, as if the person did not exist."""
    user = repository.get_user(session, user_id)
    visible = (
        actor.id == user_id
        or actor.role in DIRECTORY_ROLES
        or hooks.are_colleagues(session, user_id, actor.id)
    )
    if user is None or not visible:
        raise UserNotFound(f"User {user_id} does not exist.")
    return user


# Name, email and global role are an admin's to change.
_ADMIN_FIELDS = frozenset({"name", "email", "role"})


def leads_person(session: Session, *, actor: Principal, user: User) -> bool:
    """May ``actor`` manage ``user``'s working profile? Admins anyone; otherwise a lead
    of a board the person is on (their effective role there manages), unless the person
    is an admin."""
    if actor.is_admin:
        return True
    if user.role == ADMIN or user.id is None:
        return False
    led = hooks.led_people(actor.id)
    found = session.execute(led.where(led.selected_columns[0] == user.id).limit(1)).first()
    return found is not None


def _leads_a_board(session: Session, *, actor: Principal) -> bool:
    """Does ``actor`` manage some board (a board role of lead on an agent's account)?"""
    led = hooks.led_people(actor.id)
    return (
        session.execute(led.where(led.selected_columns[0] == actor.id).limit(1)).first() is not None
    )


def update_profile(session: Session, *, actor: Principal, user_id: int, data: UserUpdate) -> User:
    """Change a profile: skills, team, availability or WIP limit (yourself, a lead of
    the person's board, an admin); name, email or role (admins)."""
    user = get_user(session, actor=actor, user_id=user_id)
    changes = data.model_dump(include=data.model_fields_set)
    # A bot's availability is its kill switch and its WIP limit its concurrency: people
    # (its leads, admins) set them, never the bot itself.
    bots.forbid_bot(actor, "change a profile, its own included")
    if user.kind == BOT and changes.get("role") is not None:
        bots.require_bot_role(user.kind, changes["role"])
    if changes.keys() & _ADMIN_FIELDS and not actor.is_admin:
        raise NotAllowed("Only an admin may change a person's name, email or role.")
    if actor.id != user_id and not leads_person(session, actor=actor, user=user):
        raise NotAllowed(
            "Only the person, a lead of a board they are on, or an admin may change a profile."
        )
    for name in ("name", "email", "role", "availability"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # these cannot be cleared: null leaves them as they are
    if "skills" in changes and changes["skills"] is None:
        changes["skills"] = []
    if "team" in changes and not changes["team"]:
        changes["team"] = None
    old_role = user.role
    if changes.get("role", old_role) != old_role and actor.id == user_id:
        raise NotAllowed("You cannot change your own role; ask another admin.")
    email = changes.get("email")
    taken = email is not None and email != user.email
    if taken and repository.user_by_email(session, str(email)) is not None:
        raise EmailTaken(f"A user with email {email} already exists.")
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        session.flush()
    except IntegrityError:
        raise EmailTaken(f"A user with email {email} already exists.") from None
    if user.role != old_role:
        # What the person may do changed: their sockets re-check their access.
        hooks.access_changed(
            session,
            user_id=user_id,
            reason="role-changed",
            actor_id=actor.id,
            everywhere=ADMIN in (old_role, user.role),
        )
    return user


def list_users(
    session: Session, *, actor: Principal, limit: int, offset: int, q: str | None = None
) -> dict[str, Any]:
    """A page of people, oldest first, whose name or email contains ``q`` (leads and
    admins, and whoever leads a board: the directory holds emails, and a board's lead
    finds the people to add there)."""
    if actor.role not in DIRECTORY_ROLES and not _leads_a_board(session, actor=actor):
        raise NotAllowed("Only leads and admins can list people.")
    where = repository.people_filter(q=q)
    return {
        "users": repository.list_users(session, limit=limit, offset=offset, where=where),
        "total": repository.count_users(session, where=where),
        "limit": limit,
        "offset": offset,
    }
