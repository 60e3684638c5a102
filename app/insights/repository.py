"""SQL for evidence rows and for the insight ranking.

The ranking is one statement per page: grouped subqueries count each card's links
(frequency), evidence and swarm teams, and the score, the filters, the order and the
page are all applied by the database.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    distinct,
    func,
    insert,
    not_,
    or_,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.board import repository as board_repository
from app.core.models import table_of
from app.insights.models import Evidence

# Named exceptions to "features are independent" (insights -> swarm, insights ->
# tickets): an insight's frequency is its repeat/duplicate ticket links and its "teams
# needed" the distinct teams of its swarm members. The ranking sorts, filters and pages
# on them in one statement (see the module docstring), so it joins their tables; the
# board's tables do not hold either.
from app.swarm.models import Swarm, SwarmMember
from app.tickets.models import CardLink

__all__ = [
    "SORTS",
    "Sort",
    "card_insight",
    "count_insights",
    "currency_of",
    "delete_evidence",
    "evidence_bytes",
    "evidence_of_card",
    "evidence_with_access",
    "insert_evidence",
    "insight_page",
    "lock_board",
]

Sort = Literal["score", "impact", "frequency", "effort", "recent"]
SORTS: tuple[Sort, ...] = ("score", "impact", "frequency", "effort", "recent")

evidence = table_of(Evidence)
links = table_of(CardLink)
swarms = table_of(Swarm)
swarm_members = table_of(SwarmMember)
cards = board_repository.cards
columns = board_repository.columns
members = board_repository.members
boards = board_repository.boards


def lock_board(session: Session, board_id: int) -> None:
    """Lock the board row until commit (PostgreSQL), so evidence uploads to one board
    check its byte cap one at a time; SQLite's single writer already serialises them.

    FOR NO KEY UPDATE, as the card lock: foreign-key checks naming the board still pass.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(
            select(boards.c.id).where(boards.c.id == board_id).with_for_update(key_share=True)
        )


def evidence_bytes(session: Session, *, board_id: int, card_id: int) -> tuple[int, int]:
    """The bytes of evidence stored on the card, and on its whole board."""
    on_card = func.coalesce(
        func.sum(case((evidence.c.card_id == card_id, evidence.c.size_bytes))), 0
    )
    on_board = func.coalesce(func.sum(evidence.c.size_bytes), 0)
    row = session.execute(select(on_card, on_board).where(evidence.c.board_id == board_id)).one()
    return int(row[0]), int(row[1])


def insert_evidence(session: Session, values: dict[str, Any]) -> Row[Any]:
    return session.execute(insert(evidence).values(**values).returning(evidence)).one()


def evidence_of_card(session: Session, card_id: int) -> list[Row[Any]]:
    """A card's evidence, oldest first."""
    stmt = select(evidence).where(evidence.c.card_id == card_id).order_by(evidence.c.id)
    return list(session.execute(stmt).all())


def evidence_with_access(session: Session, *, evidence_id: int, user_id: int) -> Row[Any] | None:
    """The evidence row and the caller's membership of its board (None: not a member)."""
    stmt = (
        select(evidence, members.c.id.label("member_id"), members.c.role.label("member_role"))
        .outerjoin(
            members, and_(members.c.board_id == evidence.c.board_id, members.c.user_id == user_id)
        )
        .where(evidence.c.id == evidence_id)
    )
    return session.execute(stmt).first()


def delete_evidence(session: Session, evidence_id: int) -> bool:
    """Delete one row; False when it was already gone."""
    stmt = delete(evidence).where(evidence.c.id == evidence_id).returning(evidence.c.id)
    return session.execute(stmt).first() is not None


def currency_of(session: Session, board_id: int) -> str:
    return str(session.execute(select(boards.c.currency).where(boards.c.id == board_id)).scalar())


def _text(col: Any) -> ColumnElement[bool]:
    return and_(col.is_not(None), func.trim(col) != "")


def _insights(board_id: int, card_id: int | None) -> Any:
    """Every card of the board (or the one card) with its insight components."""

    def scope(table: Any) -> ColumnElement[bool]:
        cond = table.c.board_id == board_id
        return cond if card_id is None else and_(cond, table.c.id == card_id)

    target = cards.alias("target")
    freq = (
        select(links.c.target_id.label("card_id"), func.count().label("n"))
        .join(target, target.c.id == links.c.target_id)
        .where(scope(target))
        .group_by(links.c.target_id)
        .subquery("freq")
    )
    owner = cards.alias("owner")
    ev = (
        select(evidence.c.card_id, func.count().label("n"))
        .join(owner, owner.c.id == evidence.c.card_id)
        .where(scope(owner))
        .group_by(evidence.c.card_id)
        .subquery("ev")
    )
    team_filter = [swarms.c.board_id == board_id, _text(swarm_members.c.team)]
    if card_id is not None:
        team_filter.append(swarms.c.card_id == card_id)
    teams = (
        select(swarms.c.card_id, func.count(distinct(swarm_members.c.team)).label("n"))
        .join(swarm_members, swarm_members.c.swarm_id == swarms.c.id)
        .where(*team_filter)
        .group_by(swarms.c.card_id)
        .subquery("teams")
    )
    return (
        select(
            cards.c.id.label("card_id"),
            cards.c.title,
            cards.c.column_id,
            columns.c.name.label("column_name"),
            cards.c.problem_statement,
            cards.c.suggested_fix,
            cards.c.impact_per_month,
            cards.c.effort_hours,
            cards.c.owner_team,
            cards.c.created_at,
            (1 + func.coalesce(freq.c.n, 0)).label("frequency"),
            func.coalesce(ev.c.n, 0).label("evidence_count"),
            func.coalesce(teams.c.n, 0).label("teams_needed"),
        )
        .select_from(cards)
        .join(columns, columns.c.id == cards.c.column_id)
        .outerjoin(freq, freq.c.card_id == cards.c.id)
        .outerjoin(ev, ev.c.card_id == cards.c.id)
        .outerjoin(teams, teams.c.card_id == cards.c.id)
        .where(scope(cards))
        .subquery("insights")
    )


def _ranked(board_id: int, card_id: int | None, complete: bool | None) -> tuple[Any, Select[Any]]:
    q = _insights(board_id, card_id).c
    score = case(
        (
            and_(q.impact_per_month.is_not(None), q.effort_hours > 0),
            q.impact_per_month * q.frequency / q.effort_hours,
        ),
        else_=None,
    )
    # Each one is true or false, never NULL, so NOT works on their conjunction.
    present = [
        q.evidence_count > 0,
        _text(q.problem_statement),
        _text(q.suggested_fix),
        q.impact_per_month.is_not(None),
        and_(q.effort_hours.is_not(None), q.effort_hours > 0),
        _text(q.owner_team),
    ]
    stmt = select(q, score.label("score"))
    if card_id is None:
        stmt = stmt.where(or_(*present))  # a card with no insight field is not an insight
    if complete is not None:
        stmt = stmt.where(and_(*present) if complete else not_(and_(*present)))
    return (q, score), stmt


def card_insight(session: Session, *, board_id: int, card_id: int) -> Row[Any] | None:
    """One card's insight components and score."""
    _, stmt = _ranked(board_id, card_id, None)
    return session.execute(stmt).first()


def insight_page(
    session: Session,
    *,
    board_id: int,
    sort: Sort,
    complete: bool | None,
    limit: int,
    offset: int,
) -> list[Row[Any]]:
    """One page of the board's insights in the chosen order (ties by card id)."""
    (q, score), stmt = _ranked(board_id, None, complete)
    order = {
        "score": (score.desc().nulls_last(), q.card_id),
        "impact": (q.impact_per_month.desc().nulls_last(), q.card_id),
        "frequency": (q.frequency.desc(), q.card_id),
        "effort": (q.effort_hours.asc().nulls_last(), q.card_id),
        "recent": (q.created_at.desc(), q.card_id.desc()),
    }[sort]
    return list(session.execute(stmt.order_by(*order).limit(limit).offset(offset)).all())


def count_insights(session: Session, *, board_id: int, complete: bool | None) -> int:
    _, stmt = _ranked(board_id, None, complete)
    return int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
