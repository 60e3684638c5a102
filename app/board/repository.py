"""SQL for boards, columns, lanes, members and cards.

The card paths use Core statements on the tables (no ORM identity map); each function
here is one round trip.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    table,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.models import User
from app.board.models import Board, BoardColumn, BoardMember, Card, CardAssignee, CardStay, Lane
from app.board.reactions import LoadSource
from app.board.schemas import CardQuery, PersonFilter
from app.core.models import UTCDateTime, table_of

__all__ = [
    "active_card_count_for_user",
    "board_names",
    "boards_by_name",
    "card_with_access",
    "cards_of",
    "column_counts",
    "column_fill",
    "column_for_update",
    "columns_of",
    "count_boards_for",
    "delete_member",
    "first_column_id",
    "get_board",
    "has_membership",
    "insert_card",
    "lane_active_count",
    "lane_board_id",
    "lane_for_update",
    "lanes_of",
    "list_boards_for",
    "lock_column",
    "lock_lane",
    "lock_reopen_targets",
    "lock_users",
    "member_role",
    "members_among",
    "members_of",
    "neighbour_positions",
    "next_position",
    "person_loads",
    "place_names",
    "record_stay",
    "reopen_column_id",
    "replace_assignees",
    "search_cards",
    "share_a_board",
    "update_card",
    "user_names",
]

boards = table_of(Board)
columns = table_of(BoardColumn)
lanes = table_of(Lane)
members = table_of(BoardMember)
cards = table_of(Card)
assignees = table_of(CardAssignee)
users = table_of(User)
stays = table_of(CardStay)

# An archived card has left the board and every WIP count (metrics and exports keep it).
_live = cards.c.archived_at.is_(None)
# A removed column has left the board too: every live read skips it, history keeps it.
live_column = columns.c.removed_at.is_(None)


def member_role(session: Session, *, board_id: int, user_id: int) -> tuple[bool, str | None]:
    """(board exists, the member's board role or None when not a member)."""
    stmt = (
        select(boards.c.id, members.c.id.label("mid"), members.c.role)
        .select_from(boards)
        .outerjoin(members, and_(members.c.board_id == boards.c.id, members.c.user_id == user_id))
        .where(boards.c.id == board_id)
    )
    row = session.execute(stmt).first()
    if row is None:
        return False, None
    if row.mid is None:
        return True, None
    return True, row.role or ""


def get_board(session: Session, board_id: int) -> Board | None:
    """The board by id (no access check: see app/board/access.py)."""
    return session.get(Board, board_id)


def boards_by_name(session: Session, *, where: Any, limit: int) -> list[dict[str, Any]]:
    """Id and name of the boards matching ``where``, by name (case-insensitive), then id."""
    stmt = (
        select(boards.c.id, boards.c.name)
        .where(where)
        .order_by(func.lower(boards.c.name), boards.c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def board_names(session: Session, *, ids: set[int], where: Any) -> dict[int, str]:
    """Names of the boards among ``ids`` that match ``where``."""
    if not ids:
        return {}
    stmt = select(boards.c.id, boards.c.name).where(boards.c.id.in_(ids), where)
    return {int(r.id): str(r.name) for r in session.execute(stmt)}


def list_boards_for(session: Session, *, where: Any, limit: int, offset: int) -> list[Board]:
    """A page of the boards matching ``where``, by id."""
    stmt = select(Board).where(where).order_by(boards.c.id).limit(limit).offset(offset)
    return list(session.execute(stmt).scalars())


def count_boards_for(session: Session, *, where: Any) -> int:
    """How many boards match ``where``."""
    stmt = select(func.count()).select_from(boards).where(where)
    return int(session.execute(stmt).scalar_one())


def columns_of(session: Session, *, board_id: int) -> list[Any]:
    """The board's columns, left to right (removed ones left out)."""
    stmt = (
        select(columns)
        .where(columns.c.board_id == board_id, live_column)
        .order_by(columns.c.position)
    )
    return list(session.execute(stmt).all())


def lanes_of(session: Session, *, board_id: int) -> list[Any]:
    """The board's lanes, top to bottom."""
    stmt = select(lanes).where(lanes.c.board_id == board_id).order_by(lanes.c.position)
    return list(session.execute(stmt).all())


def column_counts(session: Session, *, board_id: int) -> dict[int, int]:
    """Cards per column, archived ones left out (they have left the board)."""
    stmt = (
        select(cards.c.column_id, func.count())
        .where(cards.c.board_id == board_id, _live)
        .group_by(cards.c.column_id)
    )
    return {int(cid): int(n) for cid, n in session.execute(stmt).all()}


# The hot path (card moves) runs these statements built once at import, with bind
# parameters, on the session's Core connection: building a statement per call and the
# ORM execution layer cost more CPU than the SQL itself.
_CARD_WITH_ACCESS = (
    select(
        cards,
        columns.c.stage.label("column_stage"),
        columns.c.waits_on_customer.label("column_waits"),
        members.c.id.label("member_id"),
        members.c.role.label("member_role"),
    )
    .join(columns, columns.c.id == cards.c.column_id)
    .outerjoin(
        members,
        and_(members.c.board_id == cards.c.board_id, members.c.user_id == bindparam("user_id")),
    )
    .where(cards.c.id == bindparam("card_id"))
)
# FOR NO KEY UPDATE (key_share): writers of the same row still queue, but a foreign-key
# check (an alert or a stay naming this card or column) does not wait for the lock.
# With FOR UPDATE, an alert scan holding the board's seq lock and inserting an alert for
# a card deadlocked with a move holding that card and waiting for the board.
_LOCK_CARD = (
    select(cards.c.id).where(cards.c.id == bindparam("card_id")).with_for_update(key_share=True)
)
# The card locked through the join, in one round trip. After waiting for the lock,
# PostgreSQL returns the card as the other writer left it but re-checks the join against
# the column row it had read: when that writer moved the card to another column, the
# row is dropped (a false 404). Only then is the card locked on its own and read again.
_CARD_WITH_ACCESS_LOCKED = _CARD_WITH_ACCESS.with_for_update(key_share=True, of=cards)
_LOCK_COLUMN = (
    select(columns).where(columns.c.id == bindparam("column_id")).with_for_update(key_share=True)
)
_LOCK_LANE = select(lanes).where(lanes.c.id == bindparam("lane_id")).with_for_update(key_share=True)
# Card ids start at 1, so excluding id 0 excludes nothing.
_COLUMN_FILL = select(func.count(), func.max(cards.c.position)).where(
    cards.c.column_id == bindparam("column_id"), cards.c.id != bindparam("exclude"), _live
)
_LANE_ACTIVE = (
    select(func.count())
    .select_from(cards.join(columns, columns.c.id == cards.c.column_id))
    .where(
        cards.c.lane_id == bindparam("lane_id"),
        columns.c.stage == "active",
        cards.c.id != bindparam("exclude"),
        _live,
    )
)


def _load_pairs(user_filter: Any, exclude: Any, sources: Sequence[LoadSource]) -> Any:
    """(user_id, card_id) for every card a person carries: the active cards they are
    assigned to, and what the load sources add (the open swarms they are in, see
    app/board/reactions.py). A UNION, so helping on a card you are also assigned to
    counts once."""
    assigned = (
        select(assignees.c.user_id, assignees.c.card_id)
        .join(cards, cards.c.id == assignees.c.card_id)
        .join(columns, columns.c.id == cards.c.column_id)
        .where(user_filter(assignees.c.user_id), columns.c.stage == "active", _live)
        .where(cards.c.id != exclude)
    )
    return union(assigned, *(source(user_filter, exclude) for source in sources)).subquery()


@functools.cache
def _person_active(sources: tuple[LoadSource, ...]) -> Any:
    # Built once per set of load sources (one, after wiring), like the statements above.
    pairs = _load_pairs(lambda col: col == bindparam("user_id"), bindparam("exclude"), sources)
    return select(func.count()).select_from(pairs)


_CLOSE_STAY = (
    update(stays)
    .where(stays.c.card_id == bindparam("card_pk"), stays.c.left_at.is_(None))
    .values(left_at=bindparam("at"))
)
_OPEN_STAY = insert(stays)
_UPDATE_CARD = update(cards).where(cards.c.id == bindparam("card_pk"))
_INSERT_CARD = insert(cards).returning(cards.c.id)


def card_with_access(
    session: Session, *, card_id: int, user_id: int, lock: bool
) -> Row[Any] | None:
    """The card, its column's stage and the caller's membership.

    With ``lock`` the card row is locked until commit (PostgreSQL; SQLite's single
    writer already excludes other writers, so it skips the lock); one round trip unless
    a concurrent writer moved the card meanwhile.
    """
    conn = session.connection()
    params = {"card_id": card_id, "user_id": user_id}
    if lock and conn.dialect.name != "sqlite":
        row = conn.execute(_CARD_WITH_ACCESS_LOCKED, params).first()
        if row is not None:
            return row
        # No card, or the join dropped it after a concurrent move (see above): the lock
        # alone, then a read in a new snapshot that sees what that writer committed.
        conn.execute(_LOCK_CARD, {"card_id": card_id})
    return conn.execute(_CARD_WITH_ACCESS, params).first()


def lock_column(session: Session, column_id: int) -> Row[Any] | None:
    """Read a column and, on PostgreSQL, lock its row until commit (on SQLite the
    writer already holds the database lock)."""
    return session.connection().execute(_LOCK_COLUMN, {"column_id": column_id}).first()


def lock_lane(session: Session, lane_id: int) -> Row[Any] | None:
    return session.connection().execute(_LOCK_LANE, {"lane_id": lane_id}).first()


def lock_users(session: Session, user_ids: list[int]) -> list[Any]:
    # Sorted so two transactions always lock people in the same order (no deadlock).
    stmt = (
        select(users.c.id, users.c.name, users.c.wip_limit)
        .where(users.c.id.in_(sorted(user_ids)))
        .order_by(users.c.id)
        .with_for_update(key_share=True)
    )
    return list(session.execute(stmt).all())


def column_fill(
    session: Session, *, column_id: int, exclude_card: int | None
) -> tuple[int, float | None]:
    """(number of cards in the column, highest position), one statement."""
    params = {"column_id": column_id, "exclude": exclude_card or 0}
    count, top = session.connection().execute(_COLUMN_FILL, params).one()
    return int(count), (float(top) if top is not None else None)


def lane_active_count(session: Session, *, lane_id: int, exclude_card: int | None) -> int:
    params = {"lane_id": lane_id, "exclude": exclude_card or 0}
    return int(session.connection().execute(_LANE_ACTIVE, params).scalar_one())


def active_card_count_for_user(
    session: Session,
    *,
    user_id: int,
    exclude_card: int | None,
    sources: tuple[LoadSource, ...],
) -> int:
    """How many cards (other than ``exclude_card``) count against the person's WIP limit."""
    params = {"user_id": user_id, "exclude": exclude_card or 0}
    stmt = _person_active(sources)
    return int(session.connection().execute(stmt, params).scalar_one())


def person_loads(
    session: Session, user_ids: list[int], *, sources: Sequence[LoadSource]
) -> dict[int, int]:
    """The WIP load of several people at once (people carrying nothing are absent)."""
    if not user_ids:
        return {}
    pairs = _load_pairs(lambda col: col.in_(user_ids), 0, sources)
    stmt = select(pairs.c.user_id, func.count()).group_by(pairs.c.user_id)
    return {int(u): int(n) for u, n in session.execute(stmt).all()}


# PostgreSQL closes the current stay and opens the next in one round trip.
_MOVE_STAY_PG = text(
    "WITH closed AS (UPDATE card_stays SET left_at = :at "
    "WHERE card_id = :card_id AND left_at IS NULL) "
    "INSERT INTO card_stays (card_id, column_id, entered_at) VALUES (:card_id, :column_id, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def record_stay(session: Session, *, card_id: int, column_id: int, at: Any, new: bool) -> None:
    """Close the card's current stay (unless ``new``) and open one in ``column_id``."""
    conn = session.connection()
    if not new and conn.dialect.name == "postgresql":
        conn.execute(_MOVE_STAY_PG, {"card_id": card_id, "column_id": column_id, "at": at})
        return
    if not new:
        conn.execute(_CLOSE_STAY, {"card_pk": card_id, "at": at})
    conn.execute(_OPEN_STAY, {"card_id": card_id, "column_id": column_id, "entered_at": at})


def neighbour_positions(
    session: Session, *, column_id: int, index: int, exclude_card: int
) -> list[float]:
    """Positions of the cards at ``index - 1`` and ``index`` (0-based), where they exist."""
    start = max(index - 1, 0)
    stmt = (
        select(cards.c.position)
        .where(cards.c.column_id == column_id, cards.c.id != exclude_card, _live)
        .order_by(cards.c.position, cards.c.id)
        .offset(start)
        .limit(2 if index > 0 else 1)
    )
    return [float(p) for p in session.execute(stmt).scalars()]


def insert_card(session: Session, values: dict[str, Any]) -> int:
    return int(session.connection().execute(_INSERT_CARD, values).scalar_one())


def update_card(session: Session, card_id: int, values: dict[str, Any]) -> None:
    """Set the given columns of one card (the SET clause follows the keys given)."""
    session.connection().execute(_UPDATE_CARD, {"card_pk": card_id, **values})


def delete_member(session: Session, *, board_id: int, user_id: int) -> bool:
    """Remove a membership; False when there was none (also when a concurrent removal won)."""
    stmt = (
        delete(members)
        .where(members.c.board_id == board_id, members.c.user_id == user_id)
        .returning(members.c.id)
    )
    return session.execute(stmt).first() is not None


def replace_assignees(session: Session, *, card_id: int, user_ids: list[int]) -> None:
    session.execute(delete(assignees).where(assignees.c.card_id == card_id))
    if user_ids:
        session.execute(insert(assignees), [{"card_id": card_id, "user_id": u} for u in user_ids])


def boards_with_card_counts(session: Session, *, user_id: int | None, limit: int) -> list[Any]:
    """(id, name, cards) of the boards ``user_id`` is a member of (``None``: every
    board), by name (case-insensitive), then id."""
    counts = (
        select(cards.c.board_id, func.count().label("n"))
        .where(_live)
        .group_by(cards.c.board_id)
        .subquery()
    )
    stmt = (
        select(boards.c.id, boards.c.name, func.coalesce(counts.c.n, 0).label("cards"))
        .outerjoin(counts, counts.c.board_id == boards.c.id)
        .order_by(func.lower(boards.c.name), boards.c.id)
        .limit(limit)
    )
    if user_id is not None:
        stmt = stmt.join(members, members.c.board_id == boards.c.id).where(
            members.c.user_id == user_id
        )
    return list(session.execute(stmt).all())


def member_names(session: Session, *, board_id: int) -> list[Any]:
    """(id, name) of the board's members, by name."""
    stmt = (
        select(users.c.id, users.c.name)
        .join(members, members.c.user_id == users.c.id)
        .where(members.c.board_id == board_id)
        .order_by(users.c.name)
    )
    return list(session.execute(stmt).all())


def board_ids(session: Session, *, member: int | None) -> list[int]:
    """The ids of the boards ``member`` is a member of (``None``: every board)."""
    stmt = (
        select(boards.c.id)
        if member is None
        else select(members.c.board_id).where(members.c.user_id == member)
    )
    return [int(i) for i in session.execute(stmt).scalars()]


def user_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Names of these people (any that exist), in one statement."""
    if not user_ids:
        return {}
    stmt = select(users.c.id, users.c.name).where(users.c.id.in_(sorted(user_ids)))
    return {int(i): str(n) for i, n in session.execute(stmt).all()}


def place_names(session: Session, *, board_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """(column id -> name, lane id -> name) of a board, in one statement."""
    stmt = union(
        select(literal("column").label("kind"), columns.c.id, columns.c.name).where(
            columns.c.board_id == board_id
        ),
        select(literal("lane").label("kind"), lanes.c.id, lanes.c.name).where(
            lanes.c.board_id == board_id
        ),
    )
    found: dict[str, dict[int, str]] = {"column": {}, "lane": {}}
    for kind, id_, name in session.execute(stmt).all():
        found[kind][int(id_)] = str(name)
    return found["column"], found["lane"]


def has_membership(session: Session, *, user_id: int) -> bool:
    """Is the person a member of any board?"""
    stmt = select(members.c.board_id).where(members.c.user_id == user_id).limit(1)
    return session.execute(stmt).first() is not None


def share_a_board(session: Session, user_a: int, user_b: int) -> bool:
    """Are both people members of one board?"""
    other = members.alias("other")
    stmt = (
        select(members.c.board_id)
        .join(other, other.c.board_id == members.c.board_id)
        .where(members.c.user_id == user_a, other.c.user_id == user_b)
        .limit(1)
    )
    return session.execute(stmt).first() is not None


def members_of(session: Session, *, board_id: int, lock: bool = False) -> list[Any]:
    """(user_id, role, name, email, user_role) of the board's members, in the order they
    joined."""
    stmt = (
        select(
            members.c.user_id,
            members.c.role,
            users.c.name,
            users.c.email,
            users.c.role.label("user_role"),
            users.c.kind,
        )
        .join(users, users.c.id == members.c.user_id)
        .where(members.c.board_id == board_id)
        .order_by(members.c.id)
    )
    if lock:  # two role changes at once cannot both take the last lead away
        stmt = stmt.with_for_update(of=members)
    return list(session.execute(stmt).all())


def set_member_role(session: Session, *, board_id: int, user_id: int, role: str | None) -> None:
    stmt = (
        update(members)
        .where(members.c.board_id == board_id, members.c.user_id == user_id)
        .values(role=role)
    )
    session.execute(stmt)


def cards_of(session: Session, *, board_id: int) -> list[Any]:
    """The board's cards, column by column (left to right), each column top to bottom;
    archived cards have left the board."""
    stmt = (
        select(cards)
        .join(columns, columns.c.id == cards.c.column_id)
        .where(cards.c.board_id == board_id, _live)
        .order_by(columns.c.position, cards.c.position, cards.c.id)
    )
    return list(session.execute(stmt).all())


def next_position(session: Session, table: Any, *, board_id: int) -> int:
    """The position after the board's last column or lane (``table``; removed columns
    do not count)."""
    where = [table.c.board_id == board_id]
    if "removed_at" in table.c:
        where.append(table.c.removed_at.is_(None))
    last = session.execute(
        select(table.c.position).where(*where).order_by(table.c.position.desc()).limit(1)
    ).scalar_one_or_none()
    return 0 if last is None else int(last) + 1


def column_for_update(session: Session, column_id: int) -> BoardColumn | None:
    """The column (ORM), its row locked FOR NO KEY UPDATE until commit."""
    return session.get(BoardColumn, column_id, with_for_update={"key_share": True})


def lane_for_update(session: Session, lane_id: int) -> Lane | None:
    """The lane (ORM), its row locked FOR NO KEY UPDATE until commit."""
    return session.get(Lane, lane_id, with_for_update={"key_share": True})


def ordered_for_update(session: Session, model: Any, *, board_id: int) -> list[Any]:
    """The board's current columns or lanes (ORM ``model``), in order, locked."""
    stmt = select(model).where(model.board_id == board_id)
    if model is BoardColumn:
        stmt = stmt.where(live_column)
    stmt = stmt.order_by(model.position, model.id).with_for_update(key_share=True)
    return list(session.scalars(stmt).all())


def _card_ids(session: Session, where: Any) -> tuple[list[int], list[int]]:
    """(cards on the board, archived cards) matching ``where``, in board order."""
    stmt = (
        select(cards.c.id, cards.c.archived_at)
        .where(where)
        .order_by(cards.c.position, cards.c.id)
        .with_for_update(key_share=True)
    )
    live: list[int] = []
    archived: list[int] = []
    for card_id, archived_at in session.execute(stmt).all():
        (live if archived_at is None else archived).append(int(card_id))
    return live, archived


def column_card_ids(session: Session, *, column_id: int) -> tuple[list[int], list[int]]:
    """(live, archived) card ids of a column, top to bottom."""
    return _card_ids(session, cards.c.column_id == column_id)


def lane_card_ids(session: Session, *, lane_id: int) -> tuple[list[int], list[int]]:
    """(live, archived) card ids of a lane."""
    return _card_ids(session, cards.c.lane_id == lane_id)


def relocate_archived(session: Session, *, card_ids: list[int], column_id: int, at: Any) -> None:
    """Put archived cards into another column (their stay moves with them)."""
    for card_id in card_ids:
        record_stay(session, card_id=card_id, column_id=column_id, at=at, new=False)
        update_card(session, card_id, {"column_id": column_id, "column_entered_at": at})


def set_lane(session: Session, *, card_ids: list[int], lane_id: int | None) -> None:
    if card_ids:
        session.execute(update(cards).where(cards.c.id.in_(card_ids)).values(lane_id=lane_id))


def lock_reopen_targets(
    session: Session, *, board_id: int, except_column: int
) -> list[BoardColumn]:
    """The board's other columns flagged as the reopen target, locked."""
    stmt = (
        select(BoardColumn)
        .where(
            columns.c.board_id == board_id,
            columns.c.id != except_column,
            columns.c.reopen_target.is_(True),
        )
        .with_for_update()
    )
    return list(session.scalars(stmt).all())


def first_column_id(session: Session, *, board_id: int) -> int:
    """The board's leftmost column (every board keeps at least one)."""
    stmt = (
        select(columns.c.id)
        .where(columns.c.board_id == board_id, live_column)
        .order_by(columns.c.position)
    )
    return int(session.execute(stmt.limit(1)).scalar_one())


def lane_board_id(session: Session, *, lane_id: int) -> int | None:
    """The board a lane belongs to, or None when there is no such lane."""
    stmt = select(lanes.c.board_id).where(lanes.c.id == lane_id)
    found = session.execute(stmt).scalar_one_or_none()
    return None if found is None else int(found)


def members_among(session: Session, *, board_id: int, user_ids: list[int]) -> set[int]:
    """Those of ``user_ids`` who are members of the board."""
    stmt = select(members.c.user_id).where(
        members.c.board_id == board_id, members.c.user_id.in_(user_ids)
    )
    return {int(u) for u in session.execute(stmt).scalars()}


def reopen_column_id(session: Session, *, board_id: int) -> int | None:
    """The flagged reopen column, else the first active one, else the first not done."""
    stmt = (
        select(columns.c.id)
        .where(columns.c.board_id == board_id, columns.c.stage != "done", live_column)
        .order_by(
            case((columns.c.reopen_target.is_(True), 0), (columns.c.stage == "active", 1), else_=2),
            columns.c.position,
        )
        .limit(1)
    )
    found = session.execute(stmt).scalar_one_or_none()
    return None if found is None else int(found)


# --- search ---

# The search reads three tables of the domains above board by name, as plain table
# clauses (the cards table already names ``customers`` in its foreign key): board does
# not import tickets, alerts or swarm. An alert is active while open or acknowledged
# (the states of ``uq_alerts_active_subject_kind``); a swarm is open in state "open"
# (``uq_swarms_open_card``).
_customers = table(
    "customers", column("id", Integer), column("board_id", Integer), column("ref", String)
)
_alerts = table("alerts", column("card_id", Integer), column("state", String))
_swarms = table("swarms", column("card_id", Integer), column("state", String))
_ACTIVE_ALERT = ("open", "acknowledged")


def _person(value: PersonFilter, *, field: Any, assigned: bool) -> Any:
    if assigned:
        pairs = select(assignees.c.card_id).where(assignees.c.card_id == cards.c.id)
        if value == "none":
            return not_(exists(pairs))
        return exists(pairs.where(assignees.c.user_id == value))
    return field.is_(None) if value == "none" else field == value


def _flag(present: Any, wanted: bool) -> Any:
    return present if wanted else not_(present)


def _search_where(board_id: int, query: CardQuery) -> list[Any]:
    archived = cards.c.archived_at.is_not(None) if query.archived else _live
    where: list[Any] = [cards.c.board_id == board_id, archived]
    if query.q is not None:
        customers = select(_customers.c.id).where(
            _customers.c.board_id == board_id,
            _customers.c.ref.icontains(query.q, autoescape=True),
        )
        where.append(
            or_(
                cards.c.title.icontains(query.q, autoescape=True),
                cards.c.description.icontains(query.q, autoescape=True),
                cards.c.external_ref.icontains(query.q, autoescape=True),
                cards.c.customer_id.in_(customers),
            )
        )
    if query.assignee is not None:
        where.append(_person(query.assignee, field=None, assigned=True))
    if query.owner is not None:
        where.append(_person(query.owner, field=cards.c.owner_id, assigned=False))
    for name in ("priority", "channel", "product", "column_id", "lane_id", "blocked"):
        value = getattr(query, name)
        if value is not None:
            where.append(cards.c[name] == value)
    if query.alerted is not None:
        active = select(_alerts.c.card_id).where(
            _alerts.c.card_id == cards.c.id, _alerts.c.state.in_(_ACTIVE_ALERT)
        )
        where.append(_flag(exists(active), query.alerted))
    if query.swarmed is not None:
        open_ = select(_swarms.c.card_id).where(
            _swarms.c.card_id == cards.c.id, _swarms.c.state == "open"
        )
        where.append(_flag(exists(open_), query.swarmed))
    return where


def search_cards(
    session: Session,
    *,
    board_id: int,
    query: CardQuery,
    after: tuple[int, float, int] | None,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` of the board's cards matching ``query``, in board order (column
    position, card position, id), after the key ``after``; each row also carries its
    column's position as ``column_position`` (the key of the next page)."""
    where = _search_where(board_id, query)
    key = tuple_(columns.c.position, cards.c.position, cards.c.id)
    if after is not None:
        where.append(key > tuple_(*after))
    stmt = (
        select(cards, columns.c.position.label("column_position"))
        .join(columns, columns.c.id == cards.c.column_id)
        .where(*where)
        .order_by(columns.c.position, cards.c.position, cards.c.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())
