"""Asking the customer: a confirmation request each time a card enters a done column.

Called by the card moves of :mod:`app.board.cards` in their transaction, so the request
and its ``confirmation.requested`` event commit (or roll back) with the move. A webhook
consumer (an email or chat system) sends the link to the customer.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.alerts import service as alert_service
from app.board.models import Card
from app.confirm.models import Confirmation
from app.core.config import Settings
from app.core.db import settings_of
from app.core.models import iso, table_of
from app.events import service as events
from app.tickets.models import Customer

__all__ = ["link_for", "nonce_of", "on_done_entry", "on_done_exit", "token_for"]

confirmations = table_of(Confirmation)
cards = table_of(Card)
customers = table_of(Customer)
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
    stmt = (
        update(confirmations)
        .where(confirmations.c.card_id == card_id, confirmations.c.state == "pending")
        .values(state="superseded")
        .returning(confirmations.c.id, confirmations.c.board_id)
    )
    for confirmation_id, board_id in sorted(session.execute(stmt).all()):
        # So the system that sent the link can stop reminding the customer.
        events.append(
            session,
            board_id=board_id,
            type="confirmation.withdrawn",
            actor=events.SYSTEM,
            data={"card_id": card_id, "confirmation_id": confirmation_id, "reason": reason},
        )


def _customer(session: Session, card_id: int) -> dict[str, Any] | None:
    row = session.execute(
        select(customers.c.ref, customers.c.name, customers.c.email)
        .select_from(
            cards.join(
                customers,
                (customers.c.id == cards.c.customer_id)
                & (customers.c.board_id == cards.c.board_id),
            )
        )
        .where(cards.c.id == card_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def on_done_entry(
    session: Session, *, board_id: int, card_id: int, external_ref: str | None, now: datetime
) -> None:
    """Ask "Is your problem solved?": a new signed link, and the event that sends it."""
    settings = settings_of(session)
    # Finished again after a "no": the rejection alert has done its job.
    alert_service.clear_for_card(session, card_id=card_id, kind="customer_rejected")
    _supersede(session, card_id=card_id, reason="asked_again")
    nonce = secrets.token_urlsafe(24)
    expires = now + timedelta(days=settings.confirmation_days)
    confirmation_id = session.execute(
        insert(confirmations)
        .values(
            board_id=board_id,
            card_id=card_id,
            nonce=nonce,
            source="link",
            state="pending",
            requested_at=now,
            expires_at=expires,
        )
        .returning(confirmations.c.id)
    ).scalar_one()
    events.append(
        session,
        board_id=board_id,
        type="confirmation.requested",
        actor=events.SYSTEM,
        data={
            "card_id": card_id,
            "confirmation_id": confirmation_id,
            "url": link_for(settings, nonce),
            "expires_at": iso(expires),
            "external_ref": external_ref,
            "customer": _customer(session, card_id),
        },
    )


def on_done_exit(session: Session, *, card_id: int) -> None:
    """The card left done before the customer answered: the open question is withdrawn."""
    _supersede(session, card_id=card_id, reason="left_done")
