"""Ticket intake from channels and bots, the interactions recorded on a ticket, and
repeat/duplicate links between tickets.

A customer's ticket is never refused by a WIP limit: like a reopen, it is admitted and
the breach recorded for the lead. Intake is idempotent per board on the channel's own
reference, so a channel that retries after a timeout never makes a second card.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards as board_cards
from app.board import repository as board_repository
from app.board import wip
from app.board.access import WORK, board_role, require_role
from app.board.service import actor_ref
from app.core.models import iso, utcnow
from app.events import service as events
from app.tickets import repository
from app.tickets.exceptions import InvalidInteraction, InvalidLink, LinkExists, LinkNotFound
from app.tickets.schemas import InteractionCreate, LinkCreate, TicketCreate

__all__ = [
    "INTAKE_REASON",
    "card_links",
    "customer_contact",
    "link_cards",
    "list_interactions",
    "record_interaction",
    "take_in",
    "unlink_cards",
]

INTAKE_REASON = "Ticket intake: customer tickets are never refused"
# Channel and bot clocks drift; beyond this an interaction's time is a bug, not drift.
CLOCK_SKEW = timedelta(seconds=60)
# Which kinds need which actor, and why it matters for the metrics.
_ACTOR_FOR = {
    "agent_reply": ("user", "an agent reply is a person's public answer; bots send bot_reply"),
    "bot_reply": ("bot", "a bot reply comes from a bot; people send agent_reply"),
    "handoff": ("bot", "a hand-off is a bot passing the ticket to a person"),
}


def _card(session: Session, *, actor: Principal, card_id: int, lock: bool) -> tuple[Row[Any], str]:
    """The card and the caller's role on its board (404 when they may not read it)."""
    return board_cards.load(session, actor=actor, card_id=card_id, lock=lock)


def _ticket(session: Session, card: Row[Any]) -> dict[str, Any]:
    found = (
        None
        if card.customer_id is None
        else repository.customer(session, board_id=card.board_id, customer_id=card.customer_id)
    )
    return {**card._mapping, "customer": None if found is None else dict(found._mapping)}


def customer_contact(session: Session, *, board_id: int, customer_id: int) -> dict[str, Any] | None:
    """Whom a message about a card goes to: the board's customer's ref, name and email."""
    found = repository.customer(session, board_id=board_id, customer_id=customer_id)
    return None if found is None else {"ref": found.ref, "name": found.name, "email": found.email}


def _admission(session: Session, target: Row[Any]) -> wip.Admission:
    """Admit the ticket whatever the column's limit, noting a breach as reopen does."""
    count, top = board_repository.column_fill(session, column_id=target.id, exclude_card=None)
    adm = wip.Admission(top_position=top)
    if target.wip_limit is not None and count >= target.wip_limit:
        kind = "wip.exceeded" if target.wip_policy == "soft" else "wip.overridden"
        data = {
            "scope": "column",
            "column_id": target.id,
            "limit": target.wip_limit,
            "count": count,
            "reason": INTAKE_REASON,
            "by": None,
        }
        adm.notes.append((kind, data))
    return adm


def take_in(
    session: Session, *, actor: Principal, board_id: int, data: TicketCreate
) -> tuple[dict[str, Any], bool]:
    """Create a ticket card in the intake column, or return the board's card for this
    ``external_ref`` unchanged; (ticket, created)."""
    role = board_role(session, actor=actor, board_id=board_id)
    require_role(role, WORK, "take in tickets")
    column_id = repository.intake_column_id(session, board_id=board_id)
    assert column_id is not None  # a board is created with at least one column
    # Locked before the lookup: concurrent repeats of one ticket queue here, and each
    # later one finds the card the first committed.
    target = board_repository.lock_column(session, column_id)
    assert target is not None
    ref = data.external_ref
    existing = repository.card_by_external_ref(session, board_id=board_id, external_ref=ref)
    if existing is not None:
        return _ticket(session, existing), False
    announced = session.info.setdefault("events", [])
    before = len(announced)
    try:
        with session.begin_nested():
            card_id = _insert(session, actor=actor, board_id=board_id, target=target, data=data)
    except IntegrityError:
        # The unique index caught a twin that slipped past the lock (say, the intake
        # column changed meanwhile): answer with the card that won.
        del announced[before:]
        existing = repository.card_by_external_ref(session, board_id=board_id, external_ref=ref)
        if existing is None:
            raise
        return _ticket(session, existing), False
    card = repository.card(session, card_id)
    assert card is not None
    return _ticket(session, card), True


def _insert(
    session: Session, *, actor: Principal, board_id: int, target: Row[Any], data: TicketCreate
) -> int:
    customer = repository.upsert_customer(
        session,
        board_id=board_id,
        ref=data.customer.ref,
        name=data.customer.name,
        email=data.customer.email,
        now=utcnow(),
    )
    values = data.model_dump(exclude={"customer"})
    values.update(lane_id=None, owner_id=None, customer_id=customer.id)
    card = board_cards.insert_card(
        session,
        actor=actor_ref(actor),
        board_id=board_id,
        target=target,
        adm=_admission(session, target),
        values=values,
        assignee_ids=[],
    )
    return card.id


def _check_interaction(data: InteractionCreate, *, at: Any, now: Any, created_at: Any) -> None:
    need = _ACTOR_FOR.get(data.kind)
    if need is not None and data.actor_kind != need[0]:
        raise InvalidInteraction(
            f"A {data.kind} needs actor_kind '{need[0]}': {need[1]}.", field="actor_kind"
        )
    if at > now + CLOCK_SKEW:
        raise InvalidInteraction(
            f"'at' ({iso(at)}) is in the future; the server time is {iso(now)}.", field="at"
        )
    if at < created_at - CLOCK_SKEW:
        raise InvalidInteraction(
            f"'at' ({iso(at)}) is before the card was created ({iso(created_at)}).", field="at"
        )


def record_interaction(
    session: Session, *, actor: Principal, card_id: int, data: InteractionCreate
) -> dict[str, Any]:
    """Record a contact on a ticket and fold it into the card's FRT, AHT and bot counters."""
    row, role = _card(session, actor=actor, card_id=card_id, lock=False)
    require_role(role, WORK, "record interactions")
    now = utcnow()
    at = data.at or now
    _check_interaction(data, at=at, now=now, created_at=row.created_at)
    values = {**data.model_dump(), "at": at, "created_at": now}
    values.update(board_id=row.board_id, card_id=card_id, recorded_by=actor.id)
    interaction = repository.insert_interaction(session, values)
    counters = repository.apply_interaction(
        session,
        card_id=card_id,
        kind=data.kind,
        actor_kind=data.actor_kind,
        at=at,
        handle_seconds=data.handle_seconds,
    )
    first = counters.first_response_at
    # No body: the event log, websockets and webhooks carry no customer text.
    events.append(
        session,
        board_id=row.board_id,
        type="interaction.recorded",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "interaction_id": interaction.id,
            "kind": data.kind,
            "actor_kind": data.actor_kind,
            "at": iso(at),
            "handle_seconds": data.handle_seconds,
            "first_response_at": None if first is None else iso(first),
        },
    )
    return dict(interaction._mapping)


def _summary(card: Any) -> dict[str, Any]:
    first = card.first_response_at
    # A reply inside the clock-skew allowance counts as immediate, never negative.
    frt = None if first is None else max((first - card.created_at).total_seconds(), 0.0)
    return {
        "first_response_at": first,
        "frt_seconds": frt,
        "agent_replies": card.agent_replies,
        "handle_seconds": card.handle_seconds,
        "bot_handled": card.bot_handled,
        "bot_resolved_at": card.bot_resolved_at,
        "automated": card.bot_resolved_at is not None and card.agent_replies == 0,
        "handed_off_at": card.handed_off_at,
    }


def list_interactions(
    session: Session, *, actor: Principal, card_id: int, limit: int, offset: int
) -> dict[str, Any]:
    """A ticket's interactions, oldest first, with what they add up to."""
    row, _ = _card(session, actor=actor, card_id=card_id, lock=False)
    items = repository.list_interactions(session, card_id=card_id, limit=limit, offset=offset)
    return {
        "items": [dict(i._mapping) for i in items],
        "total": repository.count_interactions(session, card_id=card_id),
        "limit": limit,
        "offset": offset,
        "summary": _summary(row),
    }


def _announce(session: Session, actor: Principal, type_: str, link: Row[Any]) -> int:
    """Append ``card.linked``/``card.unlinked`` with the target's frequency now."""
    frequency = repository.frequencies(session, [link.target_id])[link.target_id]
    data = {"card_id": link.card_id, "target_id": link.target_id, "kind": link.kind}
    events.append(
        session,
        board_id=link.board_id,
        type=type_,
        actor=actor_ref(actor),
        data={**data, "frequency": frequency},
    )
    return frequency


def link_cards(
    session: Session, *, actor: Principal, card_id: int, data: LinkCreate
) -> dict[str, Any]:
    """Link this (newer) ticket to an earlier one with the same problem."""
    # Links always run newer -> older, and so do these locks: no two links deadlock.
    row, role = _card(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "link tickets")
    if data.card_id == card_id:
        raise InvalidLink(f"Card {card_id} cannot be linked to itself.")
    target = repository.card(session, data.card_id)
    if target is None or target.board_id != row.board_id:
        raise InvalidLink(
            f"Card {data.card_id} is not on board {row.board_id}; "
            "only tickets of the same board can be linked."
        )
    if (target.created_at, target.id) > (row.created_at, row.id):
        raise InvalidLink(
            f"Card {target.id} is newer than card {card_id}; link the newer ticket to the "
            f"earlier one: POST /api/cards/{target.id}/links with card_id {card_id}."
        )
    if repository.link_row(session, card_id=card_id, target_id=target.id) is not None:
        detail = f"Card {card_id} is already linked to card {target.id}."
        raise LinkExists(detail, card_id=card_id, target_id=target.id)
    # The target's lock makes the frequency in the event exact under concurrent links.
    board_repository.card_with_access(session, card_id=target.id, user_id=actor.id, lock=True)
    values = {"board_id": row.board_id, "card_id": card_id, "target_id": target.id}
    values.update(kind=data.kind, created_by=actor.id, created_at=utcnow())
    link = repository.insert_link(session, values)
    return {**link._mapping, "frequency": _announce(session, actor, "card.linked", link)}


def unlink_cards(session: Session, *, actor: Principal, card_id: int, target_id: int) -> None:
    """Remove this ticket's link to an earlier one."""
    _, role = _card(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "unlink tickets")
    link = repository.delete_link(session, card_id=card_id, target_id=target_id)
    if link is None:
        raise LinkNotFound(f"Card {card_id} is not linked to card {target_id}.")
    # Locked only now, so only a real (newer -> older) link ever takes the target's lock.
    board_repository.card_with_access(session, card_id=target_id, user_id=actor.id, lock=True)
    _announce(session, actor, "card.unlinked", link)


def card_links(session: Session, *, actor: Principal, card_id: int) -> dict[str, Any]:
    """The earlier tickets this one repeats, the later ones repeating it, and its frequency."""
    _card(session, actor=actor, card_id=card_id, lock=False)
    links_to, linked_from = repository.links_of(session, card_id=card_id)
    return {
        "links_to": [dict(r._mapping) for r in links_to],
        "linked_from": [dict(r._mapping) for r in linked_from],
        "frequency": 1 + len(linked_from),
    }
