"""SQL for swarms, invitations, members, knowledge and the swarm reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.models import User
from app.board.models import Board, BoardMember, Card
from app.core.models import table_of
from app.swarm.models import Swarm, SwarmInvitation, SwarmMember

__all__ = [
    "board_people",
    "board_snapshot",
    "card_column_id",
    "card_owner_id",
    "card_titles",
    "get_invitation",
    "get_swarm",
    "invitations_of",
    "knowledge_rows",
    "lock_swarm",
    "member_row",
    "members_of",
    "open_swarm_id",
    "pending_invitation",
    "user_team",
]

swarms = table_of(Swarm)
invitations = table_of(SwarmInvitation)
members = table_of(SwarmMember)
users = table_of(User)
cards = table_of(Card)
board_members = table_of(BoardMember)
boards = table_of(Board)


def open_swarm_id(session: Session, card_id: int) -> int | None:
    stmt = select(swarms.c.id).where(swarms.c.card_id == card_id, swarms.c.state == "open")
    return session.execute(stmt).scalar_one_or_none()


def lock_swarm(session: Session, swarm_id: int) -> Swarm | None:
    """The swarm, its row locked until commit on PostgreSQL (SQLite's writer excludes)."""
    # populate_existing: the row may already be in the session from an unlocked read.
    stmt = (
        select(Swarm)
        .where(swarms.c.id == swarm_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def get_swarm(session: Session, swarm_id: int) -> Swarm | None:
    return session.get(Swarm, swarm_id)


def get_invitation(session: Session, invitation_id: int) -> SwarmInvitation | None:
    return session.get(SwarmInvitation, invitation_id)


def pending_invitation(session: Session, *, swarm_id: int, user_id: int) -> SwarmInvitation | None:
    """The person's unanswered invitation to the swarm, if any."""
    stmt = select(SwarmInvitation).where(
        invitations.c.swarm_id == swarm_id,
        invitations.c.user_id == user_id,
        invitations.c.state == "pending",
    )
    return session.execute(stmt).scalar_one_or_none()


def card_column_id(session: Session, card_id: int) -> int:
    stmt = select(cards.c.column_id).where(cards.c.id == card_id)
    return int(session.execute(stmt).scalar_one())


def card_owner_id(session: Session, card_id: int) -> int | None:
    stmt = select(cards.c.owner_id).where(cards.c.id == card_id)
    owner = session.execute(stmt).scalar_one()
    return int(owner) if owner is not None else None


def user_team(session: Session, user_id: int) -> str | None:
    stmt = select(users.c.team).where(users.c.id == user_id)
    team = session.execute(stmt).scalar_one()
    return str(team) if team is not None else None


def board_people(session: Session, board_id: int) -> list[Any]:
    """Every member of the board with the profile fields the matcher needs."""
    stmt = (
        select(
            users.c.id,
            users.c.name,
            users.c.team,
            users.c.skills,
            users.c.availability,
            users.c.wip_limit,
            users.c.role.label("user_role"),
            board_members.c.role.label("member_role"),
        )
        .join(board_members, board_members.c.user_id == users.c.id)
        .where(board_members.c.board_id == board_id)
        .order_by(users.c.id)
    )
    return list(session.execute(stmt).all())


def invitations_of(session: Session, swarm_ids: Sequence[int]) -> list[Any]:
    stmt = (
        select(invitations, users.c.name)
        .join(users, users.c.id == invitations.c.user_id)
        .where(invitations.c.swarm_id.in_(swarm_ids))
        .order_by(invitations.c.id)
    )
    return list(session.execute(stmt).all())


def members_of(session: Session, swarm_ids: Sequence[int]) -> list[Any]:
    """Current members (not those who left), in joining order."""
    stmt = (
        select(members, users.c.name)
        .join(users, users.c.id == members.c.user_id)
        .where(members.c.swarm_id.in_(swarm_ids), members.c.left_at.is_(None))
        .order_by(members.c.joined_at, members.c.id)
    )
    return list(session.execute(stmt).all())


def member_row(session: Session, *, swarm_id: int, user_id: int) -> SwarmMember | None:
    stmt = select(SwarmMember).where(members.c.swarm_id == swarm_id, members.c.user_id == user_id)
    return session.execute(stmt).scalar_one_or_none()


def card_titles(session: Session, card_ids: Sequence[int]) -> dict[int, str]:
    stmt = select(cards.c.id, cards.c.title).where(cards.c.id.in_(set(card_ids)))
    return {int(i): str(t) for i, t in session.execute(stmt).all()}


def _visible(user_id: int | None) -> Any:
    """Swarms on boards the person is a member of (``None``: every board, for admins)."""
    if user_id is None:
        return True
    return swarms.c.board_id.in_(
        select(board_members.c.board_id).where(board_members.c.user_id == user_id)
    )


def _notes(visible_to: int | None, exclude_swarm: int | None = None) -> Any:
    """Every knowledge note the person may read, as one selectable: resolved swarms'
    (question, outcome, note) and resolved cards' (title, resolution, note). The columns
    are those of :func:`app.swarm.views.knowledge_item`."""
    from_swarms = (
        select(
            swarms.c.id.label("swarm_id"),
            swarms.c.board_id,
            swarms.c.card_id,
            cards.c.title.label("card_title"),
            swarms.c.skills,
            swarms.c.question,
            swarms.c.outcome,
            swarms.c.knowledge,
            swarms.c.knowledge_by,
            swarms.c.ended_at,
        )
        .join(cards, cards.c.id == swarms.c.card_id)
        .where(swarms.c.state == "resolved", _visible(visible_to))
    )
    if exclude_swarm is not None:
        from_swarms = from_swarms.where(swarms.c.id != exclude_swarm)
    on_board: ColumnElement[bool] = (
        true()
        if visible_to is None
        else cards.c.board_id.in_(
            select(board_members.c.board_id).where(board_members.c.user_id == visible_to)
        )
    )
    from_cards = select(
        literal(None, Integer).label("swarm_id"),
        cards.c.board_id,
        cards.c.id.label("card_id"),
        cards.c.title.label("card_title"),
        cards.c.skills,
        cards.c.title.label("question"),
        cards.c.resolution.label("outcome"),
        cards.c.knowledge,
        cards.c.knowledge_by,
        cards.c.knowledge_at.label("ended_at"),
    ).where(cards.c.knowledge.is_not(None), on_board)
    return union_all(from_swarms, from_cards).subquery("notes")


def knowledge_rows(
    session: Session,
    *,
    visible_to: int | None,
    board_id: int | None,
    words: Sequence[str],
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """Knowledge notes (resolved swarms' and resolved cards') whose question, outcome or
    note contains every word, newest first."""
    notes = _notes(visible_to)
    conds: list[Any] = []
    if board_id is not None:
        conds.append(notes.c.board_id == board_id)
    for word in words:
        pattern = f"%{word.lower()}%"
        conds.append(
            or_(
                func.lower(notes.c.question).like(pattern, escape="\\"),
                func.lower(notes.c.outcome).like(pattern, escape="\\"),
                func.lower(notes.c.knowledge).like(pattern, escape="\\"),
            )
        )
    where = and_(true(), *conds)
    total = session.execute(select(func.count()).select_from(notes).where(where)).scalar_one()
    stmt = (
        select(notes)
        .where(where)
        .order_by(notes.c.ended_at.desc(), notes.c.card_id.desc(), notes.c.swarm_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).all()), int(total)


def recent_knowledge(
    session: Session, *, visible_to: int | None, exclude_swarm: int | None, limit: int
) -> list[Any]:
    """The latest knowledge notes the person may read, as candidates for suggestions."""
    notes = _notes(visible_to, exclude_swarm)
    stmt = (
        select(notes)
        .order_by(notes.c.ended_at.desc(), notes.c.card_id.desc(), notes.c.swarm_id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def list_swarms(
    session: Session,
    *,
    board_id: int | None = None,
    card_id: int | None = None,
    visible_to: int | None = None,
    state: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Swarm], int]:
    conds: list[Any] = [_visible(visible_to)]
    if board_id is not None:
        conds.append(swarms.c.board_id == board_id)
    if card_id is not None:
        conds.append(swarms.c.card_id == card_id)
    if state is not None:
        conds.append(swarms.c.state == state)
    where = and_(*conds)
    total = session.execute(select(func.count()).select_from(swarms).where(where)).scalar_one()
    stmt = (
        select(Swarm)
        .where(where)
        .order_by(swarms.c.requested_at.desc(), swarms.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).scalars()), int(total)


def pending_invitations_for(session: Session, user_id: int) -> list[Any]:
    """The person's unanswered invitations to swarms that are still open."""
    stmt = (
        select(invitations.c.id, invitations.c.swarm_id, invitations.c.skills, swarms)
        .join(swarms, swarms.c.id == invitations.c.swarm_id)
        .where(
            invitations.c.user_id == user_id,
            invitations.c.state == "pending",
            swarms.c.state == "open",
            # Only on boards the person is still a member of.
            _visible(user_id),
        )
        .order_by(invitations.c.id)
    )
    return list(session.execute(stmt).all())


def card_team_sets(session: Session, board_id: int) -> list[Any]:
    """(card, title, team) for every distinct team among each card's swarm members, past
    and present; a member without a team counts as their own team of one."""
    team = func.coalesce(members.c.team, "user:" + cast(members.c.user_id, String))
    stmt = (
        select(swarms.c.card_id, cards.c.title, team.label("team"))
        .join(members, members.c.swarm_id == swarms.c.id)
        .join(cards, cards.c.id == swarms.c.card_id)
        .where(swarms.c.board_id == board_id)
        .distinct()
    )
    return list(session.execute(stmt).all())


def swarm_counts(
    session: Session, *, board_id: int, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    """(swarms requested, swarms resolved) in the period."""
    req = select(func.count()).where(swarms.c.board_id == board_id)
    res = select(func.count()).where(swarms.c.board_id == board_id, swarms.c.state == "resolved")
    if start is not None:
        req = req.where(swarms.c.requested_at >= start)
        res = res.where(swarms.c.ended_at >= start)
    if end is not None:
        req = req.where(swarms.c.requested_at < end)
        res = res.where(swarms.c.ended_at < end)
    return int(session.execute(req).scalar_one()), int(session.execute(res).scalar_one())


def contribution_rows(
    session: Session, *, board_id: int, start: datetime | None, end: datetime | None
) -> list[Any]:
    """Memberships on the board's swarms that were joined or ended in the period."""
    stmt = (
        select(
            members.c.user_id,
            members.c.joined_at,
            members.c.left_at,
            swarms.c.id.label("swarm_id"),
            swarms.c.state,
            swarms.c.requested_at,
            swarms.c.ended_at,
        )
        .join(swarms, swarms.c.id == members.c.swarm_id)
        .where(swarms.c.board_id == board_id)
    )
    if end is not None:
        stmt = stmt.where(members.c.joined_at < end)
    if start is not None:
        stmt = stmt.where(
            or_(
                members.c.joined_at >= start,
                swarms.c.ended_at >= start,
            )
        )
    return list(session.execute(stmt).all())


def knowledge_authors(
    session: Session, *, board_id: int, start: datetime | None, end: datetime | None
) -> dict[int, int]:
    stmt = (
        select(swarms.c.knowledge_by, func.count())
        .where(
            swarms.c.board_id == board_id,
            swarms.c.state == "resolved",
            swarms.c.knowledge_by.is_not(None),
        )
        .group_by(swarms.c.knowledge_by)
    )
    if start is not None:
        stmt = stmt.where(swarms.c.ended_at >= start)
    if end is not None:
        stmt = stmt.where(swarms.c.ended_at < end)
    return {int(u): int(n) for u, n in session.execute(stmt).all()}


def people(session: Session, user_ids: Sequence[int]) -> dict[int, Any]:
    stmt = select(users.c.id, users.c.name, users.c.team).where(users.c.id.in_(set(user_ids)))
    return {int(r.id): r for r in session.execute(stmt).all()}


def board_snapshot(session: Session, board_id: int) -> tuple[int, list[Any]]:
    """(last_seq, cards) in one statement, hence one snapshot even on READ COMMITTED.

    Each card comes with its open swarm's id, if any: a card has at most one open swarm
    (a unique partial index), so the outer join never repeats a card, and the swarm
    badges agree with ``last_seq`` like the rest of the page.
    """
    owners = users.alias("owner")
    stmt = (
        select(
            boards.c.last_seq,
            cards.c.id,
            cards.c.column_id,
            cards.c.lane_id,
            cards.c.position,
            cards.c.title,
            cards.c.priority,
            cards.c.channel,
            cards.c.blocked,
            cards.c.blocked_reason,
            cards.c.version,
            cards.c.column_entered_at,
            cards.c.owner_id,
            cards.c.assignee_ids,
            cards.c.product,
            cards.c.external_ref,
            cards.c.skills,
            owners.c.name.label("owner_name"),
            swarms.c.id.label("swarm_id"),
        )
        .select_from(boards)
        # Archived cards have left the board.
        .outerjoin(cards, and_(cards.c.board_id == boards.c.id, cards.c.archived_at.is_(None)))
        .outerjoin(owners, owners.c.id == cards.c.owner_id)
        .outerjoin(swarms, and_(swarms.c.card_id == cards.c.id, swarms.c.state == "open"))
        .where(boards.c.id == board_id)
        .order_by(cards.c.position, cards.c.id)
    )
    rows = session.execute(stmt).all()
    return int(rows[0].last_seq), [r for r in rows if r.id is not None]
