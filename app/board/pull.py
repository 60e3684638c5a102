"""Pull, not push: the caller takes the best card they may work, in one transaction.

"Best" is the highest priority, then the oldest, among the unassigned, unblocked live
cards of the board's backlog-stage columns whose required skills the caller has. The
card is assigned to the caller and moved into the first active column through the one
move path, so the column's, the lane's and the caller's own WIP limits refuse it with
the usual problem types, and the events are the usual ``card.moved`` and
``card.updated`` (with ``pulled: true``).

Two pulls at once never take the same card: on PostgreSQL each candidate is locked with
SKIP LOCKED (a second puller passes over a card the first is taking and re-reads the
next one's state after locking it); SQLite has one writer at a time already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.auth import bots
from app.auth import repository as auth_repository
from app.auth.service import Principal
from app.board import cards, reactions, repository, wip
from app.board.access import WORK, board_role, require_role
from app.board.exceptions import NoActiveColumn
from app.board.schemas import CardPublic
from app.board.service import actor_ref
from app.core.models import utcnow
from app.events import service as events

__all__ = ["CANDIDATES", "pull_next", "skill_key"]

# How many of the best candidates one pull looks at: a first small batch (usually the
# first card is the one), then a larger one to pass over the cards other pullers hold
# locked or that need skills the caller lacks.
CANDIDATES = (16, 200)
_RANK = case(
    {"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=repository.cards.c.priority, else_=4
)


def skill_key(name: str) -> str:
    """Skills match by name, ignoring case and repeated spaces ("Billing  API" = "billing api")."""
    return " ".join(name.split()).casefold()


def _candidates(session: Session, *, backlog: list[int], limit: int, offset: int) -> list[Any]:
    c = repository.cards
    unassigned = (
        ~select(repository.assignees.c.card_id)
        .where(repository.assignees.c.card_id == c.c.id)
        .exists()
    )
    stmt = (
        select(c.c.id, c.c.skills)
        .where(
            c.c.column_id.in_(backlog),
            c.c.archived_at.is_(None),
            c.c.blocked.is_(False),
            unassigned,
        )
        .order_by(_RANK, c.c.created_at, c.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).all())


def _claim(session: Session, card_id: int) -> bool:
    """Lock the card unless another transaction holds it (PostgreSQL's SKIP LOCKED)."""
    if session.connection().dialect.name == "sqlite":
        return True
    c = repository.cards
    # FOR NO KEY UPDATE, as every card lock (app/board/repository.py says why).
    stmt = select(c.c.id).where(c.c.id == card_id).with_for_update(skip_locked=True, key_share=True)
    return session.execute(stmt).first() is not None


def pull_next(
    session: Session, *, actor: Principal, board_id: int, skills: list[str] | None = None
) -> CardPublic | None:
    """Take the best card the caller may work: assign it to them and start it; None when
    there is nothing to pull. ``skills`` narrows the caller's skills for this pull."""
    role = board_role(session, actor=actor, board_id=board_id)
    require_role(role, WORK, "pull cards")
    bots.refuse_if_stopped(actor)
    user = auth_repository.get_user(session, actor.id)
    mine = {skill_key(s["name"]) for s in (user.skills if user is not None else [])}
    if skills is not None:
        mine &= {skill_key(s) for s in skills}
    cols = [c for c in repository.columns_of(session, board_id=board_id) if c.removed_at is None]
    active = [c for c in cols if c.stage == "active"]
    if not active:
        raise NoActiveColumn(f"Board {board_id} has no active column to start work in.")
    backlog = [c.id for c in cols if c.stage == "backlog"]
    if not backlog:
        return None
    first, more = CANDIDATES
    for limit, offset in ((first, 0), (more - first, first)):
        for cand in _candidates(session, backlog=backlog, limit=limit, offset=offset):
            if not {skill_key(s) for s in cand.skills or []} <= mine:
                continue
            if not _claim(session, cand.id):
                continue  # another puller is taking it
            row, _ = cards.load(session, actor=actor, card_id=cand.id, lock=False)
            # Re-read after the lock: it may have been moved or assigned since the list.
            if row.column_id not in backlog or row.assignee_ids or row.archived_at:
                continue
            if row.blocked:
                continue
            return _take(session, actor=actor, role=role, row=row, target_id=active[0].id)
    return None


def _take(session: Session, *, actor: Principal, role: str, row: Any, target_id: int) -> CardPublic:
    card_id, board_id = row.id, row.board_id
    # Assigned first, so the move's admission counts the card against the caller's own
    # limit as well as the column's and the lane's; a refusal rolls all of it back.
    repository.replace_assignees(session, card_id=card_id, user_ids=[actor.id])
    repository.update_card(session, card_id, {"assignee_ids": [actor.id]})
    row, _ = cards.load(session, actor=actor, card_id=card_id, lock=False)
    target = repository.lock_column(session, target_id)
    assert target is not None  # read from the board's live columns in this transaction
    changes = cards.move(
        session,
        row,
        target=target,
        lane_id=row.lane_id,
        index=None,
        actor=actor_ref(actor),
        enforcement=wip.Enforcement.REFUSE,
        principal=actor,
        role=role,
    )
    assigned = events.append(
        session,
        board_id=board_id,
        type="card.updated",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "changes": {"assignee_ids": [actor.id]},
            "assigned": [actor.id],
            "unassigned": [],
            "pulled": True,
        },
    )
    now = utcnow()
    reactions.publish(session, cards.facts(row, stage=target.stage, at=now), [assigned])
    fields = {**dict(row._mapping), **changes, "updated_at": now}
    return CardPublic.model_validate(fields)
