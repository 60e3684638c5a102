"""Boards, columns, lanes and memberships: access rules and structural changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import true
from sqlalchemy.orm import Session

from app.auth import bots
from app.auth import repository as auth_repository
from app.auth import service as auth_service
from app.auth.exceptions import UserNotFound
from app.auth.roles import ADMIN
from app.auth.service import Principal
from app.board import presets, repository
from app.board.access import (
    MANAGE,
    board_role,
    effective_role_of,
    may_manage_sql,
    may_read_sql,
    require_role,
)
from app.board.exceptions import (
    BoardNotFound,
    ColumnNotFound,
    InvalidReference,
    LaneNotFound,
)
from app.board.models import Board, BoardColumn, BoardMember, Lane
from app.board.schemas import (
    BoardCreate,
    BoardDetail,
    BoardPage,
    BoardSummary,
    BoardUpdate,
    CardPublic,
    ColumnCreate,
    ColumnPublic,
    ColumnUpdate,
    LaneCreate,
    LanePublic,
    LaneUpdate,
    MemberCreate,
    MemberPublic,
)
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.events import service as events
from app.events.redaction import for_role
from app.events.service import ActorRef

__all__ = [
    "add_column",
    "add_lane",
    "add_member",
    "board_detail",
    "board_events",
    "board_names",
    "create_board",
    "list_boards",
    "managed_boards",
    "readable_board",
    "remove_member",
    "share_a_board",
    "update_board",
    "update_column",
    "update_lane",
]

_boards = repository.boards
_cols = repository.columns
_lanes = repository.lanes
_members = repository.members

# Who may do what: app/board/access.py.


def actor_ref(actor: Principal) -> ActorRef:
    """Who an event names: a bot's events carry ``actor.kind = "bot"``."""
    return ActorRef(id=actor.id, kind="bot" if actor.is_bot else "user")


def _layout(data: BoardCreate) -> presets.Preset:
    """The columns, lanes and SLA policies to create: the body's, or its preset's (the
    schema has made sure there is exactly one)."""
    if data.preset is not None:
        return presets.PRESETS[data.preset]
    assert data.columns is not None
    return presets.Preset(columns=data.columns, lanes=data.lanes)


def create_board(session: Session, *, actor: Principal, data: BoardCreate) -> Board:
    """Create a board with its columns and lanes (or a preset's, SLA policies included);
    the creator becomes a member."""
    require_role(actor.role, MANAGE, "create boards")
    layout = _layout(data)
    board = Board(
        name=data.name,
        blocked_alert_seconds=data.blocked_alert_seconds,
        swarm_answer_seconds=data.swarm_answer_seconds,
        currency=data.currency,
    )
    session.add(board)
    session.flush()
    assert board.id is not None
    for i, col in enumerate(layout.columns):
        session.add(BoardColumn(board_id=board.id, position=i, **col.model_dump()))
    for i, lane in enumerate(layout.lanes):
        session.add(Lane(board_id=board.id, position=i, **lane.model_dump()))
    session.add(BoardMember(board_id=board.id, user_id=actor.id))
    session.flush()
    cols = repository.columns_of(session, board_id=board.id)
    lane_rows = repository.lanes_of(session, board_id=board.id)
    events.append(
        session,
        board_id=board.id,
        type="board.created",
        actor=actor_ref(actor),
        data={
            "name": board.name,
            "columns": [{k: v for k, v in c._mapping.items() if k not in _INTERNAL} for c in cols],
            "lanes": [dict(lane._mapping) for lane in lane_rows],
        },
    )
    events.append(
        session,
        board_id=board.id,
        type="member.added",
        actor=actor_ref(actor),
        data={"user_id": actor.id, "role": None},
    )
    presets.write_policies(
        session, board_id=board.id, actor=actor_ref(actor), policies=layout.sla_policies
    )
    return board


# Column fields that are bookkeeping, not part of a column's public shape.
_INTERNAL = frozenset({"over_limit_since", "removed_at"})


def readable_board(session: Session, *, actor: Principal, board_id: int) -> Board:
    """The board, for a person who may read it; 404 otherwise (app/board/access.py)."""
    board_role(session, actor=actor, board_id=board_id)
    board = repository.get_board(session, board_id)
    assert board is not None  # board_role found it
    return board


def managed_boards(session: Session, *, actor: Principal, limit: int) -> list[dict[str, Any]]:
    """Id and name of the boards the person may manage (every board, for an admin), by
    name."""
    where = true() if actor.is_admin else may_manage_sql(user_id=actor.id, board_id=_boards.c.id)
    return repository.boards_by_name(session, where=where, limit=limit)


def board_names(session: Session, *, actor: Principal, ids: set[int]) -> dict[int, str]:
    """Names of these boards, as far as the person may read them."""
    return repository.board_names(session, ids=ids, where=may_read_sql(actor, _boards.c.id))


def share_a_board(session: Session, user_a: int, user_b: int) -> bool:
    """Do two people share a board? (Auth asks, to show profiles: app/auth/hooks.py.)"""
    return repository.share_a_board(session, user_a, user_b)


def list_boards(session: Session, *, actor: Principal, limit: int, offset: int) -> BoardPage:
    """Boards the caller can see: all for an admin, their memberships otherwise."""
    readable = may_read_sql(actor, _boards.c.id)
    found = repository.list_boards_for(session, where=readable, limit=limit, offset=offset)
    return BoardPage(
        boards=[_summary(board) for board in found],
        total=repository.count_boards_for(session, where=readable),
        limit=limit,
        offset=offset,
    )


def _summary(board: Board, *, last_seq: int | None = None) -> BoardSummary:
    return BoardSummary(
        id=board.id or 0,
        name=board.name,
        created_at=board.created_at,
        last_seq=board.last_seq if last_seq is None else last_seq,
        blocked_alert_seconds=board.blocked_alert_seconds,
        swarm_answer_seconds=board.swarm_answer_seconds,
        currency=board.currency,
    )


def board_detail(session: Session, *, actor: Principal, board_id: int) -> BoardDetail:
    """The board with its columns (and card counts), lanes, members and cards."""
    board = readable_board(session, actor=actor, board_id=board_id)
    counts = repository.column_counts(session, board_id=board_id)
    cols = repository.columns_of(session, board_id=board_id)
    lane_rows = repository.lanes_of(session, board_id=board_id)
    member_rows = repository.members_of(session, board_id=board_id)
    card_rows = repository.cards_of(session, board_id=board_id)
    return BoardDetail(
        **_summary(board).model_dump(),
        columns=[_column(c._mapping, counts.get(c.id, 0)) for c in cols],
        lanes=[LanePublic.model_validate(lane._mapping) for lane in lane_rows],
        members=[_member(board_id, m) for m in member_rows],
        cards=[CardPublic.model_validate(r._mapping) for r in card_rows],
    )


def _member(board_id: int, m: Any) -> MemberPublic:
    return MemberPublic(
        board_id=board_id,
        user_id=m.user_id,
        name=m.name,
        email=m.email,
        role=effective_role_of(m.user_role, m.role),
        board_role=m.role,
        kind=m.kind,
    )


def _column(fields: Any, card_count: int) -> ColumnPublic:
    return ColumnPublic.model_validate({**fields, "card_count": card_count})


def update_board(
    session: Session, *, actor: Principal, board_id: int, data: BoardUpdate
) -> BoardSummary:
    """Rename a board or change its alert thresholds (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "change boards")
    board = repository.get_board(session, board_id)
    assert board is not None
    changes = data.model_dump(include=data.model_fields_set)
    for key in ("name", "currency"):
        if key in changes and changes[key] is None:
            del changes[key]
    changes = {k: v for k, v in changes.items() if getattr(board, k) != v}
    for key, value in changes.items():
        setattr(board, key, value)
    session.flush()
    last_seq = board.last_seq
    if changes:
        last_seq = events.append(
            session,
            board_id=board_id,
            type="board.updated",
            actor=actor_ref(actor),
            data=changes,
        )["seq"]
    return _summary(board, last_seq=last_seq)


def add_member(
    session: Session, *, actor: Principal, board_id: int, data: MemberCreate
) -> MemberPublic:
    """Add a person to the board, optionally with a board role (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "add members")
    user = auth_repository.get_user(session, data.user_id)
    if user is None:
        raise UserNotFound(f"User {data.user_id} does not exist.")
    bots.require_bot_role(user.kind, data.role)
    _, existing = repository.member_role(session, board_id=board_id, user_id=data.user_id)
    if existing is not None:
        raise Conflict(f"User {data.user_id} is already a member of board {board_id}.")
    session.add(BoardMember(board_id=board_id, user_id=data.user_id, role=data.role))
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type="member.added",
        actor=actor_ref(actor),
        data={"user_id": data.user_id, "role": data.role},
    )
    return MemberPublic(
        board_id=board_id,
        user_id=data.user_id,
        name=user.name,
        email=user.email,
        role=effective_role_of(user.role, data.role),
        board_role=data.role,
        kind=user.kind,
    )


def remove_member(session: Session, *, actor: Principal, board_id: int, user_id: int) -> None:
    """Remove a person from the board (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "remove members")
    if not repository.delete_member(session, board_id=board_id, user_id=user_id):
        raise UserNotFound(f"User {user_id} is not a member of board {board_id}.")
    events.append(
        session,
        board_id=board_id,
        type="member.removed",
        actor=actor_ref(actor),
        data={"user_id": user_id},
    )
    # Their last board gone (and not an admin): their browser sessions end too.
    user = auth_repository.get_user(session, user_id)
    if user is None or user.role == ADMIN or repository.has_membership(session, user_id=user_id):
        return
    auth_service.end_sessions(session, user_id=user_id)


def _apply_changes(
    session: Session,
    *,
    actor: Principal,
    target: BoardColumn | Lane,
    kind: str,
    changes: dict[str, Any],
    required: tuple[str, ...],
) -> None:
    """Apply a PATCH to a column or lane the caller manages, and record ``<kind>.updated``.

    A non-member gets the same 404 as for a missing row; ``null`` for a required field
    means "no change".
    """
    try:
        role = board_role(session, actor=actor, board_id=target.board_id)
    except BoardNotFound:
        raise _NOT_FOUND[kind](f"{kind.title()} {target.id} does not exist.") from None
    require_role(role, MANAGE, f"change {kind}s")
    index = changes.pop("position", None)
    changes = {k: v for k, v in changes.items() if v is not None or k not in required}
    for key, value in changes.items():
        setattr(target, key, value)
    data: dict[str, Any] = {f"{kind}_id": target.id, "changes": changes}
    order = None if index is None else _reorder(session, target=target, index=index)
    if order is not None:
        changes["position"] = index
        data["order"] = order  # every column (lane) id, left to right (top to bottom)
    session.flush()
    if changes:
        events.append(
            session,
            board_id=target.board_id,
            type=f"{kind}.updated",
            actor=actor_ref(actor),
            data=data,
        )


def _reorder(session: Session, *, target: BoardColumn | Lane, index: int) -> list[int] | None:
    """Put ``target`` at ``index`` among its board's current columns (lanes), the others
    shifting; the new order of ids, or None when nothing moved."""
    rows = repository.ordered_for_update(session, type(target), board_id=target.board_id)
    if index >= len(rows):
        detail = f"position must be from 0 to {len(rows) - 1} (the board has {len(rows)})."
        raise ValidationFailed(
            f"Position {index} is past the end: {detail}",
            errors=[{"field": "position", "in": "body", "message": detail}],
        )
    order = [r for r in rows if r.id != target.id]
    order.insert(index, target)
    if [r.id for r in order] == [r.id for r in rows] and target.position == index:
        return None
    for i, row in enumerate(order):
        if row.position != i:
            row.position = i
    return [int(r.id or 0) for r in order]


_NOT_FOUND: dict[str, type[NotFound]] = {
    "column": ColumnNotFound,
    "lane": LaneNotFound,
}


def add_column(
    session: Session, *, actor: Principal, board_id: int, data: ColumnCreate
) -> ColumnPublic:
    """Append a column at the right end of the board (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "add columns")
    position = repository.next_position(session, _cols, board_id=board_id)
    col = BoardColumn(board_id=board_id, position=position, **data.model_dump())
    _check_reopen_target(col)
    session.add(col)
    session.flush()
    public = col.model_dump(exclude=set(_INTERNAL))
    events.append(
        session, board_id=board_id, type="column.created", actor=actor_ref(actor), data=public
    )
    if col.reopen_target:
        _single_reopen_target(session, actor=actor, col=col)
    return _column(public, 0)


def _check_reopen_target(col: BoardColumn) -> None:
    if col.reopen_target and col.stage == "done":
        raise InvalidReference(
            "A done column cannot be where reopened cards go.",
            errors=[{"field": "reopen_target", "in": "body", "message": "not on a done column"}],
        )


def _single_reopen_target(session: Session, *, actor: Principal, col: BoardColumn) -> None:
    """One reopen column per board: flagging one clears the flag on the others."""
    assert col.id is not None
    others = repository.lock_reopen_targets(session, board_id=col.board_id, except_column=col.id)
    for other in others:
        other.reopen_target = False
        events.append(
            session,
            board_id=col.board_id,
            type="column.updated",
            actor=actor_ref(actor),
            data={"column_id": other.id, "changes": {"reopen_target": False}},
        )
    session.flush()


def update_column(
    session: Session, *, actor: Principal, column_id: int, data: ColumnUpdate
) -> ColumnPublic:
    """Change a column's name, stage, WIP limit or policy (leads and admins)."""
    col = repository.column_for_update(session, column_id)
    if col is None or col.removed_at is not None:
        raise ColumnNotFound(f"Column {column_id} does not exist.")
    _apply_changes(
        session,
        actor=actor,
        target=col,
        kind="column",
        changes=data.model_dump(exclude_unset=True),
        required=("name", "stage", "wip_policy", "waits_on_customer", "requires_insight"),
    )
    _check_reopen_target(col)
    if col.reopen_target:
        _single_reopen_target(session, actor=actor, col=col)
    count = repository.column_fill(session, column_id=column_id, exclude_card=None)[0]
    return _column(col.model_dump(), count)


def add_lane(session: Session, *, actor: Principal, board_id: int, data: LaneCreate) -> LanePublic:
    """Add a lane at the bottom of the board (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "add lanes")
    position = repository.next_position(session, _lanes, board_id=board_id)
    lane = Lane(board_id=board_id, position=position, **data.model_dump())
    session.add(lane)
    session.flush()
    public = lane.model_dump()
    events.append(
        session, board_id=board_id, type="lane.created", actor=actor_ref(actor), data=public
    )
    return LanePublic.model_validate(public)


def update_lane(
    session: Session, *, actor: Principal, lane_id: int, data: LaneUpdate
) -> LanePublic:
    """Rename a lane or change its WIP limit (leads and admins)."""
    lane = repository.lane_for_update(session, lane_id)
    if lane is None:
        raise LaneNotFound(f"Lane {lane_id} does not exist.")
    _apply_changes(
        session,
        actor=actor,
        target=lane,
        kind="lane",
        changes=data.model_dump(exclude_unset=True),
        required=("name",),
    )
    return LanePublic.model_validate(lane.model_dump())


def board_events(
    session: Session, *, actor: Principal, board_id: int, since: int, limit: int
) -> dict[str, Any]:
    """The board's event log after ``since``, for any member; confirmation links only for
    roles that may contact the customer (redacted for the others)."""
    role = board_role(session, actor=actor, board_id=board_id)
    items, has_more = events.list_since(session, board_id=board_id, since=since, limit=limit)
    items = [for_role(item, role) for item in items]
    board = repository.get_board(session, board_id)
    assert board is not None
    return {"events": items, "last_seq": board.last_seq, "has_more": has_more}
