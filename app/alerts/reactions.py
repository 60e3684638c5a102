"""The customer's "no" raises an alert, and finishing the card again clears it;
archiving a card resolves its active alerts (restoring does not bring them back: the
scan raises what still holds).

Subscribers to the board's events (registered in app/wiring.py), so neither board nor
confirm calls into alerts: they run in the transaction that appended the event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.alerts import service
from app.board.reactions import CardFacts

__all__ = ["clear_rejection_on_done", "raise_on_rejection", "resolve_on_archive"]

REJECTED = "customer_rejected"


def raise_on_rejection(session: Session, event: dict[str, Any], card: CardFacts) -> None:
    """``customer.rejected``: the team is alerted (once while one is active)."""
    service.raise_for_card(
        session,
        board_id=card.board_id,
        card_id=card.card_id,
        kind=REJECTED,
        data={"confirmation_id": event["data"]["confirmation_id"]},
    )


def clear_rejection_on_done(session: Session, event: dict[str, Any], card: CardFacts) -> None:
    """Finished again after a "no": the rejection alert has done its job."""
    if card.entered_done:
        service.clear_for_card(session, card_id=card.card_id, kind=REJECTED)


def resolve_on_archive(session: Session, event: dict[str, Any], card: CardFacts) -> None:
    """``card.archived``: every active alert about the card is resolved (reason
    ``archived``); the scan leaves archived cards alone from now on."""
    service.resolve_for_card(session, card_id=card.card_id, reason="archived")
