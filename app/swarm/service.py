"""The swarm lifecycle: request, invite, accept or decline, join, leave, resolve, cancel,
reopen. Every step appends a board event in the same transaction.

There is deliberately no tier and no escalation: the card keeps its owner throughout,
and people join the swarm instead of the card being handed up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards as board_cards
from app.board import repository as board_repository
from app.board import wip
from app.board.access import (
    MANAGE,
    WORK,
    effective_role,
    effective_role_of,
    may_work,
    require_role,
)
from app.board.cards import require_live
from app.board.schemas import CardUpdate
from app.board.service import actor_ref
from app.core.models import utcnow
from app.events import service as events
from app.swarm import matching, repository
from app.swarm.exceptions import (
    AlreadyInSwarm,
    InvitationAnswered,
    InvitationNotFound,
    NotInSwarm,
    SwarmAlreadyOpen,
    SwarmForbidden,
    SwarmNotFound,
    SwarmNotOpen,
)
from app.swarm.models import Swarm, SwarmInvitation, SwarmMember
from app.swarm.schemas import SwarmCreate, SwarmPublic
from app.swarm.views import suggestions, swarm_views

__all__ = [
    "accept_invitation",
    "cancel_swarm",
    "decline_invitation",
    "get_swarm",
    "join_swarm",
    "leave_swarm",
    "reopen_swarm",
    "request_swarm",
    "resolve_swarm",
]


def _card(session: Session, *, actor: Principal, card_id: int, lock: bool) -> tuple[Row[Any], str]:
    """The card and the caller's role on its board (404 when they may not read it)."""
    return board_cards.load(session, actor=actor, card_id=card_id, lock=lock)


def _swarm(session: Session, *, actor: Principal, swarm_id: int, lock: bool) -> tuple[Swarm, str]:
    swarm = (repository.lock_swarm if lock else repository.get_swarm)(session, swarm_id)
    if swarm is not None:
        _, member_role = board_repository.member_role(
            session, board_id=swarm.board_id, user_id=actor.id
        )
        if member_role is not None or actor.is_admin:
            return swarm, effective_role(actor, member_role)
    raise SwarmNotFound(f"Swarm {swarm_id} does not exist or you are not on its board.")


def _emit(session: Session, swarm: Swarm, actor: Principal | None, type_: str, **data: Any) -> None:
    ref = actor_ref(actor) if actor is not None else events.SYSTEM
    events.append(
        session,
        board_id=swarm.board_id,
        type=type_,
        actor=ref,
        data={"swarm_id": swarm.id, "card_id": swarm.card_id, **data},
    )


def _candidates(session: Session, board_id: int) -> dict[int, matching.Candidate]:
    """Board members who may work cards, as the matcher sees them (with their load)."""
    rows = [
        r
        for r in repository.board_people(session, board_id)
        if may_work(effective_role_of(r.user_role, r.member_role))
    ]
    loads = wip.person_loads(session, [r.id for r in rows])
    return {
        r.id: matching.Candidate(
            user_id=r.id,
            skills={matching.skill_key(s["name"]): int(s.get("level", 1)) for s in r.skills},
            available=r.availability == "available",
            wip_limit=r.wip_limit,
            load=loads.get(r.id, 0),
        )
        for r in rows
    }


def _rematch(session: Session, swarm: Swarm, actor: Principal | None, *, invite: bool) -> None:
    """Recompute which requested skills nobody in or invited to the swarm covers; with
    ``invite``, invite the next best people for them."""
    assert swarm.id is not None
    people = _candidates(session, swarm.board_id)
    invs = repository.invitations_of(session, [swarm.id])
    current = repository.members_of(session, [swarm.id])
    holding = {i.user_id for i in invs if i.state == "pending"} | {m.user_id for m in current}
    covered = {k for uid in holding if uid in people for k in people[uid].skills}
    needed = [s for s in swarm.skills if matching.skill_key(s) not in covered]
    if not invite:
        swarm.unmatched_skills = needed
        return
    asked = {i.user_id for i in invs} | {m.user_id for m in current}
    result = matching.match(needed, people.values(), requester_id=swarm.requested_by, exclude=asked)
    _invite(session, swarm, actor, result.picks)
    swarm.unmatched_skills = result.unmatched


def _invite(
    session: Session, swarm: Swarm, actor: Principal | None, picks: list[tuple[int, list[str]]]
) -> None:
    assert swarm.id is not None
    for user_id, skills in picks:
        inv = SwarmInvitation(swarm_id=swarm.id, user_id=user_id, skills=skills)
        session.add(inv)
        session.flush()
        _emit(
            session,
            swarm,
            actor,
            "swarm.invited",
            invitation_id=inv.id,
            user_id=user_id,
            skills=skills,
        )


def _admit(session: Session, swarm: Swarm, *, actor: Principal, role: str, user_id: int) -> None:
    """Swarm membership counts against the personal WIP limit: refuse at the limit."""
    column_id = repository.card_column_id(session, swarm.card_id)
    wip.admit_people(
        session,
        wip.Admission(),
        actor=actor,
        role=role,
        card_id=swarm.card_id,
        column_id=column_id,
        user_ids=[user_id],
        reason=None,
    )


def _view(session: Session, swarm: Swarm) -> SwarmPublic:
    session.flush()
    return swarm_views(session, [swarm])[0]


def _hand_over(session: Session, *, actor: Principal, card: Row[Any]) -> None:
    """A bot asking for a swarm hands the card over: it leaves the card's assignees
    through the card update path (a ``card.updated`` with ``unassigned``)."""
    assigned = list(card.assignee_ids or [])
    if actor.id not in assigned:
        return
    others = [u for u in assigned if u != actor.id]
    board_cards.update_card(
        session, actor=actor, card_id=card.id, data=CardUpdate(assignee_ids=others)
    )


def request_swarm(
    session: Session, *, actor: Principal, card_id: int, data: SwarmCreate
) -> SwarmPublic:
    """Ask for help on a card: match and invite the smallest set of people who cover the
    skills; the card keeps its owner. A bot asking hands the card over (it is unassigned)."""
    card, role = _card(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "ask for a swarm")
    require_live(card)
    if (existing := repository.open_swarm_id(session, card_id)) is not None:
        raise SwarmAlreadyOpen(
            f"Card {card_id} already has open swarm {existing}; join it instead.",
            swarm_id=existing,
        )
    people = _candidates(session, card.board_id)
    result = matching.match(data.skills, people.values(), requester_id=actor.id)
    swarm = Swarm(
        board_id=card.board_id,
        card_id=card_id,
        requested_by=actor.id,
        skills=data.skills,
        question=data.question,
        tried=data.tried,
        unmatched_skills=result.unmatched,
    )
    session.add(swarm)
    session.flush()
    _emit(
        session,
        swarm,
        actor,
        "swarm.requested",
        skills=swarm.skills,
        question=swarm.question,
        requested_by=actor.id,
        unmatched_skills=result.unmatched,
        handover=actor.is_bot,
    )
    _invite(session, swarm, actor, result.picks)
    if actor.is_bot:
        _hand_over(session, actor=actor, card=card)
    view = _view(session, swarm)
    view.suggested_knowledge = suggestions(session, actor=actor, swarm=swarm)
    return view


def get_swarm(session: Session, *, actor: Principal, swarm_id: int) -> SwarmPublic:
    """One swarm with its invitations and members, for any member of its board."""
    swarm, _ = _swarm(session, actor=actor, swarm_id=swarm_id, lock=False)
    return _view(session, swarm)


def _invitation(
    session: Session, *, swarm: Swarm, actor: Principal, inv_id: int
) -> SwarmInvitation:
    inv = repository.get_invitation(session, inv_id)
    if inv is None or inv.swarm_id != swarm.id:
        raise InvitationNotFound(f"Swarm {swarm.id} has no invitation {inv_id}.")
    if inv.user_id != actor.id:
        raise SwarmForbidden("Only the invited person may answer an invitation.")
    if inv.state != "pending":
        raise InvitationAnswered(f"Invitation {inv_id} was already {inv.state}.")
    if swarm.state != "open":
        raise SwarmNotOpen(f"Swarm {swarm.id} is {swarm.state}.")
    return inv


def _add_member(session: Session, swarm: Swarm, *, user_id: int, role: str) -> SwarmMember:
    assert swarm.id is not None
    team = repository.user_team(session, user_id)
    member = repository.member_row(session, swarm_id=swarm.id, user_id=user_id)
    if member is None:
        member = SwarmMember(swarm_id=swarm.id, user_id=user_id, role=role, team=team)
        session.add(member)
    else:  # a re-join: keep the first joined_at, which is what credit measures
        member.left_at, member.role, member.team = None, role, team
    session.flush()
    return member


def _join(
    session: Session,
    swarm: Swarm,
    *,
    actor: Principal,
    board_role: str,
    role: str,
    inv: SwarmInvitation | None,
) -> SwarmPublic:
    """Admit the actor against their WIP limit, make them a member and answer their
    invitation (if any): the one path for accepting and for offering help."""
    _admit(session, swarm, actor=actor, role=board_role, user_id=actor.id)
    member = _add_member(session, swarm, user_id=actor.id, role=role)
    if inv is not None:
        inv.state, inv.answered_at = "accepted", utcnow()
        session.flush()
        _emit(
            session,
            swarm,
            actor,
            "swarm.accepted",
            invitation_id=inv.id,
            user_id=actor.id,
            role=role,
        )
    _emit(
        session,
        swarm,
        actor,
        "swarm.joined",
        user_id=actor.id,
        role=role,
        team=member.team,
        via="invitation" if inv is not None else "offer",
    )
    _rematch(session, swarm, actor, invite=False)
    return _view(session, swarm)


def accept_invitation(
    session: Session, *, actor: Principal, swarm_id: int, invitation_id: int, role: str
) -> SwarmPublic:
    """Accept an invitation and join the swarm (refused at your WIP limit)."""
    swarm, board_role = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    inv = _invitation(session, swarm=swarm, actor=actor, inv_id=invitation_id)
    return _join(session, swarm, actor=actor, board_role=board_role, role=role, inv=inv)


def decline_invitation(
    session: Session, *, actor: Principal, swarm_id: int, invitation_id: int
) -> SwarmPublic:
    """Decline an invitation; the next best person is invited for the skills left uncovered."""
    swarm, _ = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    inv = _invitation(session, swarm=swarm, actor=actor, inv_id=invitation_id)
    inv.state, inv.answered_at = "declined", utcnow()
    session.flush()
    _emit(session, swarm, actor, "swarm.declined", invitation_id=inv.id, user_id=actor.id)
    _rematch(session, swarm, actor, invite=True)
    return _view(session, swarm)


def join_swarm(session: Session, *, actor: Principal, swarm_id: int, role: str) -> SwarmPublic:
    """Offer help without an invitation (refused at your WIP limit)."""
    swarm, board_role = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    require_role(board_role, WORK, "join swarms")
    if swarm.state != "open":
        raise SwarmNotOpen(f"Swarm {swarm_id} is {swarm.state}; reopen it first.")
    current = repository.member_row(session, swarm_id=swarm_id, user_id=actor.id)
    if current is not None and current.left_at is None:
        raise AlreadyInSwarm(f"You are already in swarm {swarm_id} as {current.role}.")
    # Joining answers your own pending invitation too.
    pending = repository.pending_invitation(session, swarm_id=swarm_id, user_id=actor.id)
    return _join(session, swarm, actor=actor, board_role=board_role, role=role, inv=pending)


def leave_swarm(session: Session, *, actor: Principal, swarm_id: int) -> SwarmPublic:
    """Leave a swarm; the slot in your WIP limit frees at once."""
    swarm, _ = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    member = repository.member_row(session, swarm_id=swarm_id, user_id=actor.id)
    if member is None or member.left_at is not None:
        raise NotInSwarm(f"You are not in swarm {swarm_id}.")
    if swarm.state != "open":
        raise SwarmNotOpen(f"Swarm {swarm_id} is {swarm.state}.")
    member.left_at = utcnow()
    session.flush()
    _emit(session, swarm, actor, "swarm.left", user_id=actor.id, reason="left")
    _rematch(session, swarm, actor, invite=False)
    return _view(session, swarm)


def _may_end(session: Session, swarm: Swarm, *, actor: Principal, role: str) -> None:
    """The requester, the card's owner, a swarm member, or a lead may end or reopen it,
    and only with a role that may work cards: owning the card is not enough for a viewer
    or a facilitator (nor for a requester whose board role became one of them)."""
    require_role(role, WORK, "end or reopen swarms")
    if role in MANAGE or actor.id == swarm.requested_by:
        return
    owner = repository.card_owner_id(session, swarm.card_id)
    member = repository.member_row(session, swarm_id=swarm.id or 0, user_id=actor.id)
    if actor.id != owner and (member is None or member.left_at is not None):
        raise SwarmForbidden(
            "Only the requester, the card's owner, a swarm member or a lead may do that."
        )


def resolve_swarm(
    session: Session, *, actor: Principal, swarm_id: int, outcome: str, knowledge: str
) -> SwarmPublic:
    """End a swarm as resolved, with its outcome and a knowledge note for next time."""
    swarm, role = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    _may_end(session, swarm, actor=actor, role=role)
    if swarm.state != "open":
        raise SwarmNotOpen(f"Swarm {swarm_id} is already {swarm.state}.")
    swarm.state, swarm.ended_at = "resolved", utcnow()
    swarm.outcome, swarm.knowledge, swarm.knowledge_by = outcome, knowledge, actor.id
    session.flush()
    _emit(session, swarm, actor, "swarm.resolved", outcome=outcome, knowledge=knowledge)
    return _view(session, swarm)


def cancel_swarm(session: Session, *, actor: Principal, swarm_id: int, reason: str) -> SwarmPublic:
    """End a swarm without a fix (for instance the customer went away), with a reason."""
    swarm, role = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    _may_end(session, swarm, actor=actor, role=role)
    if swarm.state != "open":
        raise SwarmNotOpen(f"Swarm {swarm_id} is already {swarm.state}.")
    swarm.state, swarm.ended_at, swarm.cancel_reason = "cancelled", utcnow(), reason
    session.flush()
    _emit(session, swarm, actor, "swarm.cancelled", reason=reason)
    return _view(session, swarm)


def reopen_swarm(session: Session, *, actor: Principal, swarm_id: int) -> SwarmPublic:
    """Reopen a resolved or cancelled swarm; members now at their WIP limit are let go."""
    peek, _ = _swarm(session, actor=actor, swarm_id=swarm_id, lock=False)
    # Lock the card first: the same order a new request takes, so the two serialise.
    card = board_repository.card_with_access(
        session, card_id=peek.card_id, user_id=actor.id, lock=True
    )
    swarm, role = _swarm(session, actor=actor, swarm_id=swarm_id, lock=True)
    _may_end(session, swarm, actor=actor, role=role)
    if card is not None:
        require_live(card)
    if swarm.state == "open":
        raise SwarmAlreadyOpen(f"Swarm {swarm_id} is already open.", swarm_id=swarm_id)
    other = repository.open_swarm_id(session, swarm.card_id)
    if other is not None:
        raise SwarmAlreadyOpen(
            f"Card {swarm.card_id} already has open swarm {other}.", swarm_id=other
        )
    swarm.state, swarm.ended_at = "open", None
    swarm.outcome = swarm.knowledge = swarm.knowledge_by = swarm.cancel_reason = None
    session.flush()
    _emit(session, swarm, actor, "swarm.reopened")
    assert swarm.id is not None
    current = repository.members_of(session, [swarm.id])
    full = set(
        wip.people_at_limit(session, user_ids=[m.user_id for m in current], card_id=swarm.card_id)
    )
    for m in current:
        if m.user_id in full:
            row = repository.member_row(session, swarm_id=swarm.id, user_id=m.user_id)
            assert row is not None
            row.left_at = utcnow()
            session.flush()
            _emit(session, swarm, actor, "swarm.left", user_id=m.user_id, reason="wip_limit")
    _rematch(session, swarm, actor, invite=False)
    return _view(session, swarm)
