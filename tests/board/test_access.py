"""Each access rule's Python check and SQL expression (app/board/access.py) agree, for
every global role, board role (or none) and membership, and for a deactivated owner."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ROLES, User
from app.auth.service import Principal
from app.board import access
from app.board.models import Board, BoardMember
from app.core.models import table_of, utcnow
from tests import factories

BOARD_ROLES: tuple[str | None, ...] = (None, "lead", "agent", "facilitator", "viewer")
boards = table_of(Board)


def _people(session: Session, board_id: int) -> list[tuple[Principal, str | None, bool]]:
    """(person, board role: None for a non-member, deactivated?) for every combination."""
    out = []
    for role in ROLES:
        variants: list[tuple[bool, str | None]] = [(False, None)]
        variants += [(True, board_role) for board_role in BOARD_ROLES]
        for member, board_role in variants:
            for deactivated in (False, True):
                user = User(
                    name=f"{role} {board_role}",
                    email=f"access-{uuid.uuid4().hex[:12]}@example.com",
                    role=role,
                    deactivated_at=utcnow() if deactivated else None,
                )
                session.add(user)
                session.flush()
                assert user.id is not None
                if member:
                    session.add(BoardMember(board_id=board_id, user_id=user.id, role=board_role))
                person = Principal(id=user.id, name=user.name, role=role)
                # As access.member_role reads it: "" for a member without a board role.
                out.append((person, (board_role or "") if member else None, deactivated))
    session.flush()
    return out


def _disagreements(session: Session, board_id: int) -> list[Any]:
    wrong: list[Any] = []
    for person, member_role, deactivated in _people(session, board_id):
        is_member = member_role is not None
        # may read
        readable = session.execute(
            select(boards.c.id).where(
                boards.c.id == board_id, access.may_read_sql(person, boards.c.id)
            )
        ).first()
        if access.may_read(person, is_member=is_member) != (readable is not None):
            wrong.append(("read", person, member_role))
        # may manage, on the board and on every board (None)
        role = access.role_on_board(session, actor=person, board_id=board_id)
        python = role is not None and access.may_manage(role)
        sql = session.execute(select(access.may_manage_sql(user_id=person.id, board_id=board_id)))
        if python != sql.scalar_one():
            wrong.append(("manage", person, member_role))
        every = session.execute(select(access.may_manage_sql(user_id=person.id, board_id=None)))
        if every.scalar_one() != person.is_admin:
            wrong.append(("manage every board", person, member_role))
        # may receive deliveries, on the board and on every board
        for target in (board_id, None):
            python = access.may_receive(
                owner=person,
                deactivated=deactivated,
                board_id=target,
                member_role=member_role,
            )
            sql = session.execute(
                select(access.may_receive_sql(owner_id=person.id, board_id=target))
            )
            if python != sql.scalar_one():
                wrong.append(("receive", target, person, member_role, deactivated))
    missing_owner = session.execute(
        select(access.may_receive_sql(owner_id=None, board_id=board_id))
    )
    if missing_owner.scalar_one() or access.may_receive(
        owner=None, deactivated=False, board_id=board_id, member_role=None
    ):
        wrong.append(("receive", "deleted owner"))
    return wrong


def _effective_roles(session: Session, board_id: int) -> list[Any]:
    """The SQL effective role of every member equals the Python one."""
    users, members = table_of(User), table_of(BoardMember)
    rows = session.execute(
        select(
            users.c.id,
            users.c.role,
            members.c.role.label("member_role"),
            access.effective_role_sql(users.c.role, members.c.role).label("effective"),
        )
        .join(members, members.c.user_id == users.c.id)
        .where(members.c.board_id == board_id)
    ).all()
    assert rows
    return [
        r
        for r in rows
        if r.effective
        != access.effective_role(Principal(id=r.id, name="", role=r.role), r.member_role)
    ]


async def test_python_and_sql_rules_agree(app: Any, client: httpx.AsyncClient) -> None:
    board = await factories.create_board(client)
    db = app.state.db
    assert await db.write(_disagreements, board["id"]) == []
    assert await db.read(_effective_roles, board["id"]) == []


def test_contact_roles_are_the_work_roles() -> None:
    """Who sees a customer's link is who may work the board's cards: one definition."""
    from app.events.redaction import CONTACT_ROLES

    assert CONTACT_ROLES is access.WORK
    assert all(access.may_work(r) for r in CONTACT_ROLES)
