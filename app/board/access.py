"""Who may do what on a board: each rule once, as a Python check and as SQL.

- **may read**: a member of the board, or an admin (anyone else gets a 404 that does
  not even say whether the board exists);
- **may work** (cards, tickets, the customer): the effective role is in
  :data:`~app.auth.roles.WORK`;
- **may manage** (the board, its members, its webhooks): the effective role is in
  :data:`~app.auth.roles.MANAGE`, as a member of the board, or an admin;
- **may receive deliveries**: a webhook's owner may manage its board now (an admin for
  an all-boards endpoint) and is not deactivated.

The effective role is the person's board role where they have one, their global role
otherwise, and ``admin`` for an admin everywhere. The Python checks take values already
read; the ``*_sql`` expressions put the same rule into a query (the outbox, the relay,
the webhook list), so a page, a service and a query cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, true
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.roles import ADMIN, MANAGE, WORK
from app.auth.service import Principal
from app.board import repository
from app.board.exceptions import BoardNotFound, RoleForbidden
from app.board.models import BoardMember
from app.core.models import table_of

__all__ = [
    "MANAGE",
    "WORK",
    "board_role",
    "effective_role",
    "effective_role_of",
    "effective_role_sql",
    "may_manage",
    "may_manage_sql",
    "may_read",
    "may_read_sql",
    "may_receive",
    "may_receive_sql",
    "may_work",
    "require_role",
    "role_on_board",
]

_users = table_of(User)
_members = table_of(BoardMember)


# --- the effective role ---


def effective_role(actor: Principal, member_role: str | None) -> str:
    """Admins are admins everywhere; otherwise a board role overrides the global one."""
    return effective_role_of(actor.role, member_role)


def effective_role_of(user_role: str, member_role: str | None) -> str:
    """:func:`effective_role` on plain role values (a row read with a person's roles)."""
    if user_role == ADMIN:
        return ADMIN
    return member_role or user_role


def effective_role_sql(user_role: Any, member_role: Any) -> ColumnElement[str]:
    """:func:`effective_role` on a person's and a membership's role columns."""
    return case((user_role == ADMIN, literal(ADMIN)), else_=func.coalesce(member_role, user_role))


# --- may read ---


def may_read(actor: Principal, *, is_member: bool) -> bool:
    """A member of the board, or an admin."""
    return is_member or actor.is_admin


def may_read_sql(actor: Principal, board_id: Any) -> ColumnElement[bool]:
    """:func:`may_read` for the board in column ``board_id``."""
    if actor.is_admin:
        return true()
    mine = select(_members.c.board_id).where(_members.c.user_id == actor.id)
    in_mine: ColumnElement[bool] = board_id.in_(mine)
    return in_mine


# --- may work, may manage ---


def may_work(role: str) -> bool:
    """May this effective role work cards and tickets and contact the customer?"""
    return role in WORK


def may_manage(role: str) -> bool:
    """May this effective role manage the board (or, as a global role, people)?"""
    return role in MANAGE


def _manages(user_id: Any, board_id: Any, *, active_only: bool) -> ColumnElement[bool]:
    """SQL: the person ``user_id`` is an admin, or a member of ``board_id`` whose
    effective role manages; with ``active_only``, and not deactivated."""
    person = _users.alias("manager")
    member = _members.alias("manager_membership")
    leads = (
        select(member.c.id)
        .where(
            member.c.board_id == board_id,
            member.c.user_id == person.c.id,
            effective_role_sql(person.c.role, member.c.role).in_(sorted(MANAGE)),
        )
        .correlate_except(member)
        .exists()
    )
    where = [person.c.id == user_id, or_(person.c.role == ADMIN, leads)]
    if active_only:
        where.append(person.c.deactivated_at.is_(None))
    return select(person.c.id).where(*where).correlate_except(person).exists()


def may_manage_sql(*, user_id: Any, board_id: Any) -> ColumnElement[bool]:
    """SQL: the person ``user_id`` may manage the board ``board_id`` (NULL: every board,
    which only an admin manages)."""
    return _manages(user_id, board_id, active_only=False)


# --- may receive deliveries ---


def may_receive(
    *,
    owner: Principal | None,
    deactivated: bool,
    board_id: int | None,
    member_role: str | None,
) -> bool:
    """A webhook owner receives deliveries while they may manage its board now: an
    admin anywhere, else a managing member of the board (``member_role`` is None when
    they are not a member, ``""`` for a member without a board role). A deleted owner
    (``None``) or a deactivated one receives nothing."""
    if owner is None or deactivated:
        return False
    if owner.is_admin:
        return True
    if board_id is None or member_role is None:
        return False
    return may_manage(effective_role(owner, member_role))


def may_receive_sql(*, owner_id: Any, board_id: Any) -> ColumnElement[bool]:
    """SQL for :func:`may_receive`, on the endpoint's ``owner_id`` and ``board_id``."""
    return _manages(owner_id, board_id, active_only=True)


# --- checks that refuse ---


def role_on_board(session: Session, *, actor: Principal, board_id: int) -> str | None:
    """The caller's effective role on the board; None when they may not read it (or it
    does not exist)."""
    exists, role = repository.member_role(session, board_id=board_id, user_id=actor.id)
    if not exists or not may_read(actor, is_member=role is not None):
        return None
    return effective_role(actor, role)


def board_role(session: Session, *, actor: Principal, board_id: int) -> str:
    """The caller's role on the board; 404 when it does not exist or they are not a member.

    A non-member learns nothing, not even whether the board exists.
    """
    role = role_on_board(session, actor=actor, board_id=board_id)
    if role is None:
        raise BoardNotFound(f"Board {board_id} does not exist or you are not a member.")
    return role


def require_role(role: str, allowed: frozenset[str], action: str) -> None:
    """403 unless ``role`` is one of ``allowed`` (:data:`WORK` or :data:`MANAGE`)."""
    if role not in allowed:
        raise RoleForbidden(f"Your role '{role}' may not {action}.")
