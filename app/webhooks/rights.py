"""An endpoint works only while its owner could create it now.

Managing an endpoint (reading it or its deliveries, changing, pinging, redelivering,
rotating, deleting) and receiving deliveries both need the owner's *current* rights:
lead or admin on the endpoint's board by the board's own rule
(:func:`app.board.service.effective_role` in :data:`~app.board.service.MANAGE`), or
admin for an all-boards endpoint. An admin manages every endpoint. While the owner
lacks the rights, the outbox writes no delivery for the endpoint and the relay sends
none already queued (they become ``dead`` with a ``last_error`` saying why); once the
owner has them again, new events are delivered again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from app.auth.models import User
from app.auth.service import Principal
from app.board.models import BoardMember
from app.board.service import MANAGE, effective_role
from app.core.models import table_of
from app.webhooks.models import WebhookEndpoint

__all__ = [
    "NOT_SENT",
    "OWNER_COLUMNS",
    "join_owner",
    "manageable_boards",
    "may_receive",
    "owner_may_manage",
]

endpoints = table_of(WebhookEndpoint)
users = table_of(User)
members = table_of(BoardMember)

NOT_SENT = (
    "Not sent: the endpoint's owner no longer leads its board (or, for every board, is "
    "no longer an admin), or has been deactivated."
)

# The owner's global role and membership of the endpoint's board, for may_receive().
OWNER_COLUMNS = (
    endpoints.c.owner_id,
    users.c.role.label("owner_role"),
    users.c.deactivated_at.label("owner_deactivated_at"),
    members.c.id.label("owner_member_id"),
    members.c.role.label("owner_board_role"),
)


def join_owner(source: FromClause) -> FromClause:
    """``source`` (holding ``webhook_endpoints``) joined to the owner and their membership."""
    return source.outerjoin(users, users.c.id == endpoints.c.owner_id).outerjoin(
        members,
        and_(members.c.board_id == endpoints.c.board_id, members.c.user_id == endpoints.c.owner_id),
    )


def owner_may_manage(
    *,
    owner_id: int | None,
    owner_role: str | None,
    board_id: int | None,
    is_member: bool,
    board_role: str | None,
) -> bool:
    """The rule, on plain values: admin anywhere; else lead (by the board's rule) on a
    board they are a member of."""
    if owner_id is None or owner_role is None:  # the owner was deleted
        return False
    owner = Principal(id=owner_id, name="", role=owner_role)
    if owner.is_admin:
        return True
    if board_id is None or not is_member:
        return False
    return effective_role(owner, board_role) in MANAGE


def may_receive(row: Any) -> bool:
    """For a row selected with :data:`OWNER_COLUMNS` and ``board_id``: may it be sent to?

    A deactivated owner has no rights at all (they cannot even sign in)."""
    if row.owner_deactivated_at is not None:
        return False
    return owner_may_manage(
        owner_id=row.owner_id,
        owner_role=row.owner_role,
        board_id=row.board_id,
        is_member=row.owner_member_id is not None,
        board_role=row.owner_board_role,
    )


def manageable_boards(session: Session, *, actor: Principal) -> set[int]:
    """The boards whose webhooks a non-admin may manage (where they lead, by the rule)."""
    rows = session.execute(
        select(members.c.board_id, members.c.role).where(members.c.user_id == actor.id)
    ).all()
    return {int(r.board_id) for r in rows if effective_role(actor, r.role) in MANAGE}
