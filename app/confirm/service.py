"""Customer confirmation: the answers to "Is your problem solved?" and what they cause.

A "yes" is recorded (``customer.confirmed``). A "no" is recorded (``customer.rejected``),
moves the card back into the board's reopen column if it is still done, and raises a
``customer_rejected`` alert. Answers come from the customer's signed link (one answer per
link) or from an external survey tool through the API.

Locks are taken card first, then its confirmation rows, the order a card move takes
them (it withdraws a pending request when the card leaves done), so an answer and a
move of the same card queue instead of deadlocking.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import reactions, reopen
from app.board import repository as board_repository
from app.board.access import WORK, effective_role, may_read, require_role
from app.board.exceptions import CardNotFound
from app.board.service import actor_ref
from app.confirm import repository
from app.confirm.exceptions import (
    ConfirmationNotFound,
    LinkExpired,
    LinkNotFound,
    LinkSuperseded,
)
from app.confirm.requests import link_for, nonce_of
from app.confirm.schemas import Answer, SurveyCreate
from app.core.config import Settings
from app.core.db import settings_of
from app.core.models import utcnow
from app.events import service as events
from app.events.redaction import may_contact_customer
from app.events.service import ActorRef

__all__ = ["ANSWERED", "CUSTOMER", "answer_link", "get_confirmation", "link_page", "record_survey"]

# The customer answering through their link: not a user, so no id.
CUSTOMER = ActorRef(id=None, kind="customer")
ANSWERED = frozenset({"confirmed", "rejected", "answered"})
HISTORY_LIMIT = 20
REOPEN_REASON = "The customer said the problem is not solved."
# Tokens are ~60 characters; anything much longer is not one of ours.
_TOKEN_MAX = 200
# A yes/no answer confirms or rejects; scores alone are just "answered".
_STATES = {True: "confirmed", False: "rejected", None: "answered"}
_EVENT_TYPES = {
    "confirmed": "customer.confirmed",
    "rejected": "customer.rejected",
    "answered": "survey.recorded",
}


def _public(row: Row[Any], settings: Settings, now: datetime, *, show_link: bool) -> dict[str, Any]:
    """The record as the API shows it; without ``show_link`` a link request's URL is null
    and named in ``redacted`` (the role may not contact the customer)."""
    is_link = row.source == "link"
    return {
        "id": row.id,
        "card_id": row.card_id,
        "state": row.state,
        "source": row.source,
        "url": link_for(settings, row.nonce) if is_link and show_link else None,
        "redacted": ["url"] if is_link and not show_link else [],
        "requested_at": row.requested_at,
        "expires_at": row.expires_at,
        "expired": row.state == "pending" and row.expires_at <= now,
        "answered_at": row.answered_at,
        "solved": row.solved,
        "csat": row.csat,
        "ces": row.ces,
        "nps": row.nps,
        "comment": row.comment,
    }


def _member_card(session: Session, *, actor: Principal, card_id: int, lock: bool) -> Row[Any]:
    row = board_repository.card_with_access(session, card_id=card_id, user_id=actor.id, lock=lock)
    if row is None or not may_read(actor, is_member=row.member_id is not None):
        raise CardNotFound(f"Card {card_id} does not exist or you are not on its board.")
    return row


def get_confirmation(session: Session, *, actor: Principal, card_id: int) -> dict[str, Any]:
    """The card's latest confirmation request with its earlier ones, for any member; only
    roles that may contact the customer see the link (see app/events/redaction.py)."""
    card = _member_card(session, actor=actor, card_id=card_id, lock=False)
    show_link = may_contact_customer(effective_role(actor, card.member_role))
    rows = repository.for_card(session, card_id, limit=HISTORY_LIMIT + 1)
    if not rows:
        raise ConfirmationNotFound(f"The customer was never asked about card {card_id}.")
    settings, now = settings_of(session), utcnow()
    latest, *earlier = (_public(r, settings, now, show_link=show_link) for r in rows)
    return {**latest, "history": earlier}


def _answer_values(answer: Answer, now: datetime) -> dict[str, Any]:
    return {
        "state": _STATES[answer.solved],
        "answered_at": answer.answered_at or now,
        "solved": answer.solved,
        "csat": answer.csat,
        "ces": answer.ces,
        "nps": answer.nps,
        "comment": answer.comment,
    }


def _effects(
    session: Session,
    *,
    card: Row[Any],
    confirmation_id: int,
    values: dict[str, Any],
    actor: ActorRef,
) -> None:
    """The answer's event; on a "no", the reopen (if still done); then its reactions (a
    "no" raises an alert: app/alerts/reactions.py)."""
    event = events.append(
        session,
        board_id=card.board_id,
        type=_EVENT_TYPES[values["state"]],
        actor=actor,
        data={
            "card_id": card.id,
            "confirmation_id": confirmation_id,
            "csat": values["csat"],
            "ces": values["ces"],
            "nps": values["nps"],
            "has_comment": values["comment"] is not None,
        },
    )
    if values["state"] == "rejected" and card.column_stage == "done":
        reopen.reopen_card(session, card_id=card.id, actor=actor, reason=REOPEN_REASON)
    facts = reactions.CardFacts(
        card_id=card.id,
        board_id=card.board_id,
        stage=card.column_stage,
        was=card.column_stage,
        external_ref=card.external_ref,
        customer_id=card.customer_id,
        at=values["answered_at"],
    )
    reactions.publish(session, facts, [event])


def _nonce(settings: Settings, token: str) -> str:
    nonce = nonce_of(settings, token) if len(token) <= _TOKEN_MAX else None
    if nonce is None:
        raise LinkNotFound("This confirmation link is not valid.")
    return nonce


def _check_open(row: Row[Any], now: datetime) -> None:
    if row.state == "superseded":
        raise LinkSuperseded("The ticket changed after this link was sent.")
    if row.expires_at <= now:
        raise LinkExpired("This confirmation link has expired.")


def _page(row: Row[Any], card: Any, *, replayed: bool = False) -> dict[str, Any]:
    return {
        "title": card.title,
        "external_ref": card.external_ref,
        "state": row.state,
        "expires_at": row.expires_at,
        "answered_at": row.answered_at,
        "solved": row.solved,
        "csat": row.csat,
        "ces": row.ces,
        "nps": row.nps,
        "comment": row.comment,
        "replayed": replayed,
    }


def link_page(session: Session, *, token: str) -> dict[str, Any]:
    """What the customer's link shows: the question, or the answer already recorded."""
    row = repository.by_nonce(session, _nonce(settings_of(session), token))
    card = repository.card_summary(session, row.card_id) if row is not None else None
    if row is None or card is None:
        raise LinkNotFound("This confirmation link is not valid.")
    if row.state not in ANSWERED:
        _check_open(row, utcnow())
    return _page(row, card)


def answer_link(session: Session, *, token: str, answer: Answer) -> dict[str, Any]:
    """Record the customer's answer; a link takes one answer, a replay changes nothing."""
    nonce = _nonce(settings_of(session), token)
    found = repository.by_nonce(session, nonce)
    if found is None:
        raise LinkNotFound("This confirmation link is not valid.")
    card = board_repository.card_with_access(session, card_id=found.card_id, user_id=0, lock=True)
    row = repository.by_nonce(session, nonce, lock=True)
    if row is None or card is None:
        raise LinkNotFound("This confirmation link is not valid.")
    if row.state in ANSWERED:
        return _page(row, card, replayed=True)
    now = utcnow()
    _check_open(row, now)
    # The customer's own answer is given now, whatever a posted form might claim.
    values = _answer_values(answer, now) | {"answered_at": now}
    repository.update_confirmation(session, row.id, values)
    _effects(session, card=card, confirmation_id=row.id, values=values, actor=CUSTOMER)
    return {**_page(row, card), **values}


def record_survey(
    session: Session, *, actor: Principal, card_id: int, data: SurveyCreate
) -> dict[str, Any]:
    """Record an external survey's answers: they fill a pending link request, else a new
    survey record; the same effects as the customer's own answer."""
    card = _member_card(session, actor=actor, card_id=card_id, lock=True)
    require_role(effective_role(actor, card.member_role), WORK, "record survey answers")
    now = utcnow()
    answer = Answer(
        solved=data.solved,
        csat=data.csat,
        ces=data.ces,
        nps=data.nps,
        comment=data.comment,
        answered_at=data.answered_at,
    )
    values = _answer_values(answer, now)
    pending = repository.pending_for_card(session, card_id)
    if pending is not None:
        confirmation_id = int(pending.id)
        repository.update_confirmation(session, confirmation_id, values)
    else:
        confirmation_id = repository.insert_confirmation(
            session,
            {
                **values,
                "board_id": card.board_id,
                "card_id": card_id,
                "nonce": f"survey-{secrets.token_urlsafe(24)}",
                "source": "survey",
                "requested_at": values["answered_at"],
                "expires_at": values["answered_at"],
            },
        )
    _effects(
        session, card=card, confirmation_id=confirmation_id, values=values, actor=actor_ref(actor)
    )
    saved = repository.by_id(session, confirmation_id)
    assert saved is not None
    # Only roles that work cards get here, and they may contact the customer.
    return _public(saved, settings_of(session), now, show_link=True)
