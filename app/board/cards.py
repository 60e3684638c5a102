"""Cards: creation, edits and moves, each admitted by :mod:`app.board.wip` in the same
transaction that writes the change and appends its events.

Every move, a person's or the system's (the customer's reopen, :mod:`app.board.reopen`),
goes through :func:`move`; what differs is its :class:`~app.board.wip.Enforcement`. After
its events are appended, a change publishes them to the reactions registered at wiring
(:mod:`app.board.reactions`); the insight gate is consulted through the same registry.
Services return the typed card (:class:`~app.board.schemas.CardPublic`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth import bots
from app.auth.service import Principal
from app.board import reactions, repository, wip
from app.board.access import WORK, board_role, effective_role, may_read, require_role
from app.board.exceptions import (
    CardArchived,
    CardNotFound,
    InvalidReference,
    StaleIfMatch,
    VersionConflict,
)
from app.board.reactions import CardFacts
from app.board.schemas import CardCreate, CardMove, CardPublic, CardUpdate
from app.board.service import actor_ref
from app.core.models import utcnow
from app.events import service as events
from app.events.service import ActorRef

__all__ = [
    "create_card",
    "facts",
    "get_card",
    "insert_card",
    "load",
    "move",
    "move_card",
    "require_live",
    "update_card",
]

_cols = repository.columns


def _bad_ref(field_name: str, detail: str) -> InvalidReference:
    return InvalidReference(detail, errors=[{"field": field_name, "in": "body", "message": detail}])


def _record(
    session: Session, *, board_id: int, actor: ActorRef, adm: wip.Admission, card_id: int
) -> list[dict[str, Any]]:
    """Append the admission's notes (``wip.exceeded``, ``wip.overridden``)."""
    return [
        events.append(
            session, board_id=board_id, type=type_, actor=actor, data={**data, "card_id": card_id}
        )
        for type_, data in adm.notes
    ]


def facts(row: Row[Any], *, stage: str, at: datetime) -> CardFacts:
    return CardFacts(
        card_id=row.id,
        board_id=row.board_id,
        stage=stage,
        was=row.column_stage,
        external_ref=row.external_ref,
        customer_id=row.customer_id,
        at=at,
    )


def _target_column(session: Session, *, board_id: int, column_id: int | None) -> Row[Any]:
    if column_id is None:
        column_id = repository.first_column_id(session, board_id=board_id)
    target = repository.lock_column(session, column_id)
    # A removed column is no longer on the board (only its history is).
    if target is None or target.board_id != board_id or target.removed_at is not None:
        raise _bad_ref("column_id", f"Column {column_id} is not on board {board_id}.")
    return target


def _check_lane(session: Session, *, board_id: int, lane_id: int | None) -> None:
    if lane_id is None:
        return
    if repository.lane_board_id(session, lane_id=lane_id) != board_id:
        raise _bad_ref("lane_id", f"Lane {lane_id} is not on board {board_id}.")


def _check_people(session: Session, *, board_id: int, field_name: str, ids: list[int]) -> None:
    if not ids:
        return
    found = repository.members_among(session, board_id=board_id, user_ids=ids)
    missing = sorted(set(ids) - found)
    if missing:
        raise _bad_ref(field_name, f"Users {missing} are not members of board {board_id}.")


def create_card(
    session: Session, *, actor: Principal, board_id: int, data: CardCreate
) -> CardPublic:
    """Create a card (first column by default), subject to the same WIP limits as a move."""
    role = board_role(session, actor=actor, board_id=board_id)
    require_role(role, WORK, "create cards")
    target = _target_column(session, board_id=board_id, column_id=data.column_id)
    if target.requires_insight:
        reactions.check_ready(session, card_id=None, card={}, column_name=target.name)
    _check_lane(session, board_id=board_id, lane_id=data.lane_id)
    assignee_ids = list(dict.fromkeys(data.assignee_ids))
    _check_people(session, board_id=board_id, field_name="assignee_ids", ids=assignee_ids)
    if data.owner_id is not None:
        _check_people(session, board_id=board_id, field_name="owner_id", ids=[data.owner_id])
    adm = wip.admit(
        session,
        actor=actor,
        role=role,
        board_id=board_id,
        card_id=None,
        target=target,
        lane_id=data.lane_id,
        from_column_id=None,
        from_lane_id=None,
        from_stage=None,
        assignee_ids=assignee_ids,
        reason=data.override_reason,
    )
    return insert_card(
        session,
        actor=actor_ref(actor),
        board_id=board_id,
        target=target,
        adm=adm,
        values=data.model_dump(exclude={"override_reason"}),
        assignee_ids=assignee_ids,
    )


def insert_card(
    session: Session,
    *,
    actor: ActorRef,
    board_id: int,
    target: Row[Any],
    adm: wip.Admission,
    values: dict[str, Any],
    assignee_ids: list[int],
) -> CardPublic:
    """Write an admitted card with its first stay and ``card.created`` event."""
    now = utcnow()
    values = dict(values)
    values.update(
        board_id=board_id,
        column_id=target.id,
        assignee_ids=assignee_ids,
        position=(adm.top_position or 0.0) + 1.0,
        blocked=False,
        blocked_reason=None,
        blocked_since=None,
        sla_policy_id=None,
        waiting_seconds=0.0,
        # Until interactions are recorded (intake tickets), starting work is the response.
        first_response_at=(
            now if target.stage == "active" and values.get("external_ref") is None else None
        ),
        version=1,
        created_at=now,
        updated_at=now,
        column_entered_at=now,
    )
    card_id = repository.insert_card(session, values)
    repository.record_stay(session, card_id=card_id, column_id=target.id, at=now, new=True)
    if assignee_ids:  # a new card has no assignee rows to clear first
        repository.replace_assignees(session, card_id=card_id, user_ids=assignee_ids)
    created = {
        "card_id": card_id,
        "column_id": target.id,
        "lane_id": values.get("lane_id"),
        "title": values["title"],
        "priority": values["priority"],
        "channel": values.get("channel"),
        "product": values.get("product"),
        "segment": values.get("segment"),
    }
    if values.get("external_ref") is not None:
        created.update(external_ref=values["external_ref"], customer_id=values.get("customer_id"))
    appended = [
        events.append(session, board_id=board_id, type="card.created", actor=actor, data=created),
        *_record(session, board_id=board_id, actor=actor, adm=adm, card_id=card_id),
    ]
    facts = CardFacts(
        card_id=card_id,
        board_id=board_id,
        stage=target.stage,
        was=None,
        external_ref=values.get("external_ref"),
        customer_id=values.get("customer_id"),
        at=now,
    )
    reactions.publish(session, facts, appended)
    return _card({"id": card_id, **values})


def load(session: Session, *, actor: Principal, card_id: int, lock: bool) -> tuple[Row[Any], str]:
    """The card (with its column's stage) and the caller's role on its board; 404 when
    they may not read it."""
    row = repository.card_with_access(session, card_id=card_id, user_id=actor.id, lock=lock)
    if row is None or not may_read(actor, is_member=row.member_id is not None):
        raise CardNotFound(f"Card {card_id} does not exist or you are not on its board.")
    return row, effective_role(actor, row.member_role)


def require_live(row: Row[Any]) -> None:
    """An archived card is not edited, moved or assigned: 409 until it is restored."""
    if row.archived_at is not None:
        raise CardArchived(f"Card {row.id} is archived. Restore the card first.", card_id=row.id)


def _check_version(row: Row[Any], *, version: int | None, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() != "*":
        tags = {t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")}
        if str(row.version) not in tags:
            raise StaleIfMatch(
                f"Card {row.id} is at version {row.version}, not {if_match}; reload it.",
                current_version=row.version,
            )
    if version is not None and version != row.version:
        raise VersionConflict(
            f"Card {row.id} is at version {row.version}, you sent {version}; reload it.",
            current_version=row.version,
        )


def _card_fields(row: Row[Any]) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in repository.cards.columns}


def _card(fields: dict[str, Any]) -> CardPublic:
    return CardPublic.model_validate(fields)


def get_card(session: Session, *, actor: Principal, card_id: int) -> CardPublic:
    """One card, for any member of its board."""
    row, _ = load(session, actor=actor, card_id=card_id, lock=False)
    return _card(_card_fields(row))


def move_card(
    session: Session, *, actor: Principal, card_id: int, data: CardMove, if_match: str | None = None
) -> CardPublic:
    """Move a card to a column (and lane/position), enforcing every WIP limit."""
    row, role = load(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "move cards")
    require_live(row)
    _check_version(row, version=data.version, if_match=if_match)
    lane_id = data.lane_id if "lane_id" in data.model_fields_set else row.lane_id
    if data.column_id == row.column_id and lane_id == row.lane_id and data.position is None:
        return _card(_card_fields(row))  # nothing to do: no version bump, no event
    target = _target_column(session, board_id=row.board_id, column_id=data.column_id)
    changes = move(
        session,
        row,
        target=target,
        lane_id=lane_id,
        index=data.position,
        actor=actor_ref(actor),
        enforcement=wip.Enforcement.REFUSE,
        principal=actor,
        role=role,
        reason=data.override_reason,
    )
    return _card({**_card_fields(row), **changes})


def move(
    session: Session,
    row: Row[Any],
    *,
    target: Row[Any],
    lane_id: int | None,
    index: int | None,
    actor: ActorRef,
    enforcement: wip.Enforcement,
    principal: Principal | None = None,
    role: str | None = None,
    reason: str | None = None,
    reopen: bool = False,
    restore: bool = False,
) -> dict[str, Any]:
    """The one move path: admit ``row`` (a card read locked by ``card_with_access``) into
    ``target`` and lane ``lane_id`` at ``index`` (None: the top, or where it is), write it,
    append its event and publish; returns the card fields that changed.

    ``principal`` and ``role`` are the person moving it (for :attr:`Enforcement.REFUSE`);
    a system move records its breaches instead and is not refused by the insight gate.
    ``reopen`` makes it a ``card.reopened`` (with ``reason``) that counts as a reopen.
    ``restore`` brings an archived card back into its column (``target``) at the bottom,
    admitted as if it entered the column anew, with a ``card.restored`` event.
    """
    board_id, card_id = row.board_id, row.id
    if not restore:
        require_live(row)
    person = enforcement is wip.Enforcement.REFUSE
    if person and target.requires_insight and target.id != row.column_id:
        # Delegating past the insight gate approves the insight: a person's call.
        bots.forbid_bot(principal, f"approve an insight (move a card into '{target.name}')")
        reactions.check_ready(session, card_id=card_id, card=row._mapping, column_name=target.name)
    if lane_id != row.lane_id:
        _check_lane(session, board_id=board_id, lane_id=lane_id)
    adm = wip.admit(
        session,
        actor=principal,
        role=role,
        board_id=board_id,
        card_id=card_id,
        target=target,
        lane_id=lane_id,
        # A restored card re-enters its column, lane and stage: every limit applies.
        from_column_id=None if restore else row.column_id,
        from_lane_id=None if restore else row.lane_id,
        from_stage=None if restore else row.column_stage,
        assignee_ids=list(row.assignee_ids or []),
        reason=reason,
        enforcement=enforcement,
    )
    if restore:
        position = (adm.top_position or 0.0) + 1.0
    elif index is not None:
        position = _position_at(
            session, column_id=target.id, index=index, card_id=card_id, top=adm.top_position
        )
    elif target.id == row.column_id:
        position = row.position
    else:
        position = (adm.top_position or 0.0) + 1.0
    now = utcnow()
    changes: dict[str, Any] = {
        "column_id": target.id,
        "lane_id": lane_id,
        "position": position,
        "version": row.version + 1,
        "updated_at": now,
    }
    if reopen:
        changes["reopen_count"] = row.reopen_count + 1
    if restore:
        changes["archived_at"] = None
    if target.id != row.column_id:
        changes["column_entered_at"] = now
        if row.column_waits:  # the customer answered: stop the pause
            waited = (now - row.column_entered_at).total_seconds()
            changes["waiting_seconds"] = row.waiting_seconds + max(waited, 0.0)
        # Starting work is the first response, when a person does it (a customer's
        # reopen is not); intake tickets get theirs from a recorded agent reply instead.
        if (
            person
            and target.stage == "active"
            and row.first_response_at is None
            and not row.external_ref
        ):
            changes["first_response_at"] = now
        repository.record_stay(session, card_id=card_id, column_id=target.id, at=now, new=False)
    repository.update_card(session, card_id, changes)
    data = {
        "card_id": card_id,
        "from_column_id": row.column_id,
        "to_column_id": target.id,
        "from_lane_id": row.lane_id,
        "to_lane_id": lane_id,
        "position": position,
        "from_stage": row.column_stage,
        "to_stage": target.stage,
    }
    if reopen:
        data["reason"] = reason
    kind = "card.reopened" if reopen else "card.moved"
    if restore:
        kind = "card.restored"
        data = {
            "card_id": card_id,
            "column_id": target.id,
            "lane_id": lane_id,
            "position": position,
            "stage": target.stage,
        }
    appended = [
        events.append(session, board_id=board_id, type=kind, actor=actor, data=data),
        *_record(session, board_id=board_id, actor=actor, adm=adm, card_id=card_id),
    ]
    reactions.publish(session, facts(row, stage=target.stage, at=now), appended)
    return changes


def _position_at(
    session: Session, *, column_id: int, index: int, card_id: int, top: float | None
) -> float:
    around = repository.neighbour_positions(
        session, column_id=column_id, index=index, exclude_card=card_id
    )
    if index == 0:
        return around[0] - 1.0 if around else 1.0
    if len(around) == 2:
        return (around[0] + around[1]) / 2
    return (top if top is not None else 0.0) + 1.0


def update_card(
    session: Session,
    *,
    actor: Principal,
    card_id: int,
    data: CardUpdate,
    if_match: str | None = None,
) -> CardPublic:
    """Edit a card's fields; new assignees are checked against their personal WIP limits."""
    row, role = load(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "edit cards")
    require_live(row)
    _check_version(row, version=data.version, if_match=if_match)
    board_id = row.board_id
    changes = data.model_dump(exclude_unset=True, exclude={"version", "override_reason"})
    for key in ("title", "description", "priority", "blocked"):
        if key in changes and changes[key] is None:
            del changes[key]
    if "skills" in changes and changes["skills"] is None:
        changes["skills"] = []
    if "owner_id" in changes and changes["owner_id"] is not None:
        _check_people(session, board_id=board_id, field_name="owner_id", ids=[changes["owner_id"]])
    adm = wip.Admission()
    if "assignee_ids" in changes:
        new_ids = list(dict.fromkeys(changes["assignee_ids"] or []))
        changes["assignee_ids"] = new_ids
        _check_people(session, board_id=board_id, field_name="assignee_ids", ids=new_ids)
        added = [u for u in new_ids if u not in (row.assignee_ids or [])]
        if added and row.column_stage == "active":
            wip.admit_people(
                session,
                adm,
                actor=actor,
                role=role,
                card_id=card_id,
                column_id=row.column_id,
                user_ids=added,
                reason=data.override_reason,
            )
        repository.replace_assignees(session, card_id=card_id, user_ids=new_ids)
    blocked = changes.get("blocked", row.blocked)
    if not blocked:
        if changes.get("blocked_reason") is not None:
            raise _bad_ref("blocked_reason", "A blocked reason needs the card to be blocked.")
        if "blocked" in changes:
            changes["blocked_reason"] = None
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changes:
        return _card(_card_fields(row))
    now = utcnow()
    if "blocked" in changes:
        changes["blocked_since"] = now if changes["blocked"] else None
        if not changes["blocked"] and row.blocked_since is not None:
            # The spell is over: its length joins the card's blocked time (flow metrics).
            spell = max((now - row.blocked_since).total_seconds(), 0.0)
            changes["blocked_seconds"] = row.blocked_seconds + spell
    changes.update(version=row.version + 1, updated_at=now)
    repository.update_card(session, card_id, changes)
    public_changes = {
        k: v
        for k, v in changes.items()
        if k not in ("version", "updated_at", "blocked_since", "blocked_seconds")
    }
    updated: dict[str, Any] = {"card_id": card_id, "changes": public_changes}
    if "assignee_ids" in changes:  # who joined and left the card, for its activity
        before, after = list(row.assignee_ids or []), changes["assignee_ids"]
        updated["assigned"] = [u for u in after if u not in before]
        updated["unassigned"] = [u for u in before if u not in after]
    appended = [
        events.append(
            session,
            board_id=board_id,
            type="card.updated",
            actor=actor_ref(actor),
            data=updated,
        )
    ]
    if "blocked" in changes:
        kind = "card.blocked" if changes["blocked"] else "card.unblocked"
        appended.append(
            events.append(
                session,
                board_id=board_id,
                type=kind,
                actor=actor_ref(actor),
                data={"card_id": card_id, "reason": changes.get("blocked_reason")},
            )
        )
    appended += _record(
        session, board_id=board_id, actor=actor_ref(actor), adm=adm, card_id=card_id
    )
    reactions.publish(session, facts(row, stage=row.column_stage, at=now), appended)
    return _card({**_card_fields(row), **changes})
