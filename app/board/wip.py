"""WIP admission: may this card enter that column or lane, with these people assigned?

Decided here and only here, so the API, the web page and any later channel enforce the
same limits. Callers run it inside the write transaction that makes the change; the
rows counted against are locked first (PostgreSQL ``FOR UPDATE``; on SQLite the single
writer already holds the database lock), so concurrent moves never overshoot a limit.

How a breach is handled is the caller's :class:`Enforcement`: a person's change is
refused at a hard limit unless a lead overrides it with a reason; a change nobody on the
board asked for (the customer's reopen) is never refused, and every limit it breaks is
recorded with its reason, for the lead to see. A person's WIP load counts their active
assigned cards plus what the load sources registered at wiring add (open swarms, see
:mod:`app.board.reactions`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import reactions, repository
from app.board.access import MANAGE
from app.board.exceptions import OverrideForbidden, PersonWipLimitExceeded, WipLimitExceeded
from app.core.errors import DomainError

__all__ = [
    "Admission",
    "Enforcement",
    "admit",
    "admit_people",
    "people_at_limit",
    "person_loads",
]


class Enforcement(enum.Enum):
    """What a breached limit does."""

    # A person's change: a soft limit records ``wip.exceeded``; a hard one refuses,
    # unless a lead or admin gives a reason (``wip.overridden``, "by" them).
    REFUSE = "refuse"
    # A change nobody on the board asked for: never refused; each breach is recorded
    # (``wip.exceeded`` or ``wip.overridden``) with the reason, and "by" nobody.
    RECORD_BREACH = "record_breach"


@dataclass(slots=True)
class Admission:
    """The outcome of the WIP checks: events to record alongside the change."""

    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    top_position: float | None = None


def _breach(
    adm: Admission,
    *,
    error: DomainError,
    policy: str,
    role: str | None,
    reason: str | None,
    actor: Principal | None,
    enforcement: Enforcement,
    data: dict[str, Any],
) -> None:
    """Soft limits record a breach; hard ones refuse unless a lead overrides with a reason
    (or, recording breaches, are noted as overridden by nobody)."""
    if enforcement is Enforcement.RECORD_BREACH:
        kind = "wip.exceeded" if policy == "soft" else "wip.overridden"
        adm.notes.append((kind, {**data, "reason": reason, "by": None}))
        return
    if policy == "soft":
        adm.notes.append(("wip.exceeded", data))
        return
    if reason is None:
        raise error
    if actor is None or role is None or role not in MANAGE:
        raise OverrideForbidden(
            f"Your role '{role}' may not override a WIP limit; ask a lead.", **data
        )
    adm.notes.append(("wip.overridden", {**data, "reason": reason, "by": actor.id}))


def admit(
    session: Session,
    *,
    actor: Principal | None,
    role: str | None,
    board_id: int,
    card_id: int | None,
    target: Row[Any],
    lane_id: int | None,
    from_column_id: int | None,
    from_lane_id: int | None,
    from_stage: str | None,
    assignee_ids: list[int],
    reason: str | None,
    enforcement: Enforcement = Enforcement.REFUSE,
) -> Admission:
    """Check the column, lane and personal limits the card meets by entering ``target``
    (and lane ``lane_id``); ``actor`` and ``role`` are the person making the change."""
    adm = Admission()
    entering_column = from_column_id != target.id
    count, adm.top_position = repository.column_fill(
        session, column_id=target.id, exclude_card=card_id
    )
    if entering_column and target.wip_limit is not None and count >= target.wip_limit:
        data = {
            "scope": "column",
            "card_id": card_id,
            "column_id": target.id,
            "limit": target.wip_limit,
            "count": count,
        }
        _breach(
            adm,
            error=WipLimitExceeded(
                f"Column '{target.name}' is at its WIP limit of {target.wip_limit} "
                f"({count} cards); finish something first.",
                **data,
            ),
            policy=target.wip_policy,
            role=role,
            reason=reason,
            actor=actor,
            enforcement=enforcement,
            data=data,
        )

    newly_active = target.stage == "active" and from_stage != "active"
    if (
        lane_id is not None
        and target.stage == "active"
        and (newly_active or from_lane_id != lane_id)
    ):
        lane = repository.lock_lane(session, lane_id)
        if lane is not None and lane.wip_limit is not None:
            lane_count = repository.lane_active_count(
                session, lane_id=lane_id, exclude_card=card_id
            )
            if lane_count >= lane.wip_limit:
                data = {
                    "scope": "lane",
                    "card_id": card_id,
                    "column_id": target.id,
                    "lane_id": lane_id,
                    "limit": lane.wip_limit,
                    "count": lane_count,
                }
                _breach(
                    adm,
                    error=WipLimitExceeded(
                        f"Lane '{lane.name}' is at its WIP limit of {lane.wip_limit} "
                        f"({lane_count} active cards).",
                        **data,
                    ),
                    policy="hard",
                    role=role,
                    reason=reason,
                    actor=actor,
                    enforcement=enforcement,
                    data=data,
                )

    if newly_active and assignee_ids:
        admit_people(
            session,
            adm,
            actor=actor,
            role=role,
            card_id=card_id,
            column_id=target.id,
            user_ids=assignee_ids,
            reason=reason,
            enforcement=enforcement,
        )
    return adm


def admit_people(
    session: Session,
    adm: Admission,
    *,
    actor: Principal | None,
    role: str | None,
    card_id: int | None,
    column_id: int,
    user_ids: list[int],
    reason: str | None,
    enforcement: Enforcement = Enforcement.REFUSE,
) -> None:
    """Personal limits count active assigned cards and open swarms, each card once."""
    for person, count in _at_limit(session, user_ids=user_ids, card_id=card_id):
        data = {
            "scope": "person",
            "card_id": card_id,
            "column_id": column_id,
            "user_id": person.id,
            "limit": person.wip_limit,
            "count": count,
        }
        _breach(
            adm,
            error=PersonWipLimitExceeded(_carries(person, count, actor), **data),
            policy="hard",
            role=role,
            reason=reason,
            actor=actor,
            enforcement=enforcement,
            data=data,
        )


def _carries(person: Any, count: int, actor: Principal | None) -> str:
    """The refusal, addressed to the person when they are the one making the change."""
    if actor is not None and int(person.id) == actor.id:
        return (
            f"You already carry {count} active cards and swarms; "
            f"your WIP limit is {person.wip_limit}."
        )
    return (
        f"{person.name} already carries {count} active cards and swarms; "
        f"their WIP limit is {person.wip_limit}."
    )


def _at_limit(
    session: Session, *, user_ids: list[int], card_id: int | None
) -> list[tuple[Any, int]]:
    """(person, their load) for each of these people who could not take on ``card_id``
    now; their rows are locked first, so the answer holds until commit."""
    full = []
    sources = reactions.load_sources()
    for person in repository.lock_users(session, user_ids):
        if person.wip_limit is None:
            continue
        count = repository.active_card_count_for_user(
            session, user_id=person.id, exclude_card=card_id, sources=sources
        )
        if count >= person.wip_limit:
            full.append((person, count))
    return full


def people_at_limit(session: Session, *, user_ids: list[int], card_id: int) -> list[int]:
    """Of these people, those who could not take on ``card_id`` now (rows locked first)."""
    return [int(p.id) for p, _ in _at_limit(session, user_ids=user_ids, card_id=card_id)]


def person_loads(session: Session, user_ids: list[int]) -> dict[int, int]:
    """The WIP load of several people at once, as their limits count it (people carrying
    nothing are absent)."""
    return repository.person_loads(session, user_ids, sources=reactions.load_sources())
