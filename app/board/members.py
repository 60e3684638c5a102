"""A member's board role: the one membership change with a rule of its own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth import bots
from app.auth.exceptions import UserNotFound
from app.auth.service import Principal
from app.board import repository
from app.board.access import MANAGE, board_role, effective_role_of, require_role
from app.board.exceptions import LastManager
from app.board.schemas import MemberPublic, MemberUpdate
from app.board.service import actor_ref
from app.events import service as events

__all__ = ["update_member"]


def update_member(
    session: Session, *, actor: Principal, board_id: int, user_id: int, data: MemberUpdate
) -> MemberPublic:
    """Give a member a board role, or null for their global role (leads and admins).

    Refused (409 ``last-manager``) when it would leave the board without a member who
    may manage it: the caller cannot lock the board's people out of its settings."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "change roles")
    rows = repository.members_of(session, board_id=board_id, lock=True)
    found = [m for m in rows if m.user_id == user_id]
    if not found:
        raise UserNotFound(f"User {user_id} is not a member of board {board_id}.")
    before = found[0]
    bots.require_bot_role(before.kind, data.role)
    if before.role != data.role:
        was_manager = effective_role_of(before.user_role, before.role) in MANAGE
        stays_manager = effective_role_of(before.user_role, data.role) in MANAGE
        others = [
            m
            for m in rows
            if m.user_id != user_id and effective_role_of(m.user_role, m.role) in MANAGE
        ]
        if was_manager and not stays_manager and not others:
            raise LastManager(
                f"{before.name} is the last member who may manage board {board_id}: "
                "make someone else a lead first.",
                user_id=user_id,
            )
        repository.set_member_role(session, board_id=board_id, user_id=user_id, role=data.role)
        events.append(
            session,
            board_id=board_id,
            type="member.updated",
            actor=actor_ref(actor),
            data={"user_id": user_id, "role": data.role, "was": before.role},
        )
    return MemberPublic(
        board_id=board_id,
        user_id=user_id,
        name=before.name,
        email=before.email,
        role=effective_role_of(before.user_role, data.role),
        board_role=data.role,
        kind=before.kind,
    )
