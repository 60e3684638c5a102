"""What a swarm does when its card changes: archiving the card cancels its open swarm.

A subscriber to the board's events (registered in app/wiring.py), so board never calls
into swarm: it runs in the transaction that archived the card. The swarm ends as
cancelled with a reason, its members' personal WIP is freed at once (open swarms are
what counts, see app/swarm/load.py), and restoring the card does not reopen it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.board.reactions import CardFacts
from app.core.models import utcnow
from app.events import service as events
from app.events.service import ActorRef
from app.swarm import repository

__all__ = ["ARCHIVED_REASON", "cancel_on_archive"]

ARCHIVED_REASON = "The card was archived."


def cancel_on_archive(session: Session, event: dict[str, Any], card: CardFacts) -> None:
    """``card.archived``: the card's open swarm (at most one) is cancelled, by whoever
    archived the card."""
    swarm_id = repository.open_swarm_id(session, card.card_id)
    if swarm_id is None:
        return
    swarm = repository.lock_swarm(session, swarm_id)
    if swarm is None or swarm.state != "open":
        return
    swarm.state, swarm.ended_at, swarm.cancel_reason = "cancelled", utcnow(), ARCHIVED_REASON
    session.flush()
    actor = event["actor"]
    events.append(
        session,
        board_id=swarm.board_id,
        type="swarm.cancelled",
        actor=ActorRef(id=actor["id"], kind=actor["kind"]),
        data={"swarm_id": swarm.id, "card_id": swarm.card_id, "reason": ARCHIVED_REASON},
    )
