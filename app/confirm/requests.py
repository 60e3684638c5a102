"""Asking the customer: a confirmation request each time a card enters a done column.

A subscriber to the card's events (:func:`asker`, registered in app/wiring.py), so the
request and its ``confirmation.requested`` event commit (or roll back) with the move;
leaving done withdraws an unanswered question. A webhook consumer (an email or chat
system) sends the link to the customer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from app.board.reactions import CardFacts, Subscriber
from app.confirm import repository
from app.core.config import Settings
from app.core.db import settings_of
from app.core.models import iso
from app.events import service as events

__all__ = ["CustomerOf", "asker", "link_for", "nonce_of", "token_for"]

# The customer a question goes to, as the event names them ({ref, name, email}), by
# (board id, customer id): tickets owns customers, so wiring passes its lookup in.
CustomerOf = Callable[..., dict[str, Any] | None]
_SALT = "swarmboard.confirmation"


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.signing_key, salt=_SALT)


def token_for(settings: Settings, nonce: str) -> str:
    """The link's credential: the request's random nonce, signed with the secret key."""
    return str(_serializer(settings).dumps(nonce))


def nonce_of(settings: Settings, token: str) -> str | None:
    """The nonce inside a token, or None when the signature does not hold."""
    try:
        value = _serializer(settings).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def link_for(settings: Settings, nonce: str) -> str:
    return f"{settings.public_url}/c/{token_for(settings, nonce)}"


def _supersede(session: Session, *, card_id: int, reason: str) -> None:
    """Withdraw the card's unanswered question: its link then says the ticket changed."""
    for confirmation_id, board_id in repository.supersede_pending(session, card_id):
        # So the system that sent the link can stop reminding the customer.
        events.append(
            session,
            board_id=board_id,
            type="confirmation.withdrawn",
            actor=events.SYSTEM,
            data={"card_id": card_id, "confirmation_id": confirmation_id, "reason": reason},
        )


def _ask(session: Session, *, card: CardFacts, now: datetime, customer_of: CustomerOf) -> None:
    """Ask "Is your problem solved?": a new signed link, and the event that sends it."""
    settings = settings_of(session)
    _supersede(session, card_id=card.card_id, reason="asked_again")
    nonce = secrets.token_urlsafe(24)
    expires = now + timedelta(days=settings.confirmation_days)
    confirmation_id = repository.insert_confirmation(
        session,
        {
            "board_id": card.board_id,
            "card_id": card.card_id,
            "nonce": nonce,
            "source": "link",
            "state": "pending",
            "requested_at": now,
            "expires_at": expires,
        },
    )
    customer = (
        None
        if card.customer_id is None
        else customer_of(session, board_id=card.board_id, customer_id=card.customer_id)
    )
    events.append(
        session,
        board_id=card.board_id,
        type="confirmation.requested",
        actor=events.SYSTEM,
        data={
            "card_id": card.card_id,
            "confirmation_id": confirmation_id,
            "url": link_for(settings, nonce),
            "expires_at": iso(expires),
            "external_ref": card.external_ref,
            "customer": customer,
        },
    )


def asker(customer_of: CustomerOf) -> Subscriber:
    """The subscriber that asks the customer when a card enters done, and withdraws the
    unanswered question when it leaves; ``customer_of`` names the customer."""

    def on_card(session: Session, event: dict[str, Any], card: CardFacts) -> None:
        if card.entered_done:
            _ask(session, card=card, now=card.at, customer_of=customer_of)
        elif card.left_done:
            _supersede(session, card_id=card.card_id, reason="left_done")

    return on_card
