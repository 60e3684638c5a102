"""Hand-overs: a swarm a bot requested is the bot handing its card over to people.

Whether a swarm is a hand-over is read from its requester's kind (a user of kind
'bot'); its context is the card's conversation up to the request (the customer's
messages and the bot's turns, as recorded interactions), so people see what was said
and tried before they join.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.core.models import table_of
from app.swarm.models import Swarm
from app.swarm.schemas import Handover, HandoverBy, HandoverInteraction
from app.tickets.models import Interaction

__all__ = ["CONTEXT_LIMIT", "handovers"]

# The newest interactions shown with a hand-over: a conversation, not a transcript dump.
CONTEXT_LIMIT = 50
_users = table_of(User)
_interactions = table_of(Interaction)


def _bots(session: Session, user_ids: set[int]) -> dict[int, Any]:
    if not user_ids:
        return {}
    stmt = select(_users.c.id, _users.c.name, _users.c.kind).where(
        _users.c.id.in_(sorted(user_ids)), _users.c.kind == "bot"
    )
    return {r.id: r for r in session.execute(stmt)}


def _context(session: Session, swarms: Sequence[Swarm]) -> dict[int, list[HandoverInteraction]]:
    """Each hand-over's card's interactions recorded up to the request, oldest first."""
    found: dict[int, list[HandoverInteraction]] = defaultdict(list)
    for s in swarms:
        i = _interactions.c
        stmt = (
            select(i.id, i.kind, i.actor_kind, i.recorded_by, i.at, i.body)
            .where(and_(i.card_id == s.card_id, i.created_at <= s.requested_at))
            .order_by(i.at.desc(), i.id.desc())
            .limit(CONTEXT_LIMIT)
        )
        rows = list(session.execute(stmt))
        found[s.id or 0] = [
            HandoverInteraction(
                id=r.id,
                kind=r.kind,
                actor_kind=r.actor_kind,
                recorded_by=r.recorded_by,
                at=r.at,
                body=r.body,
            )
            for r in reversed(rows)
        ]
    return found


def handovers(session: Session, swarms: Sequence[Swarm]) -> dict[int, Handover]:
    """The hand-over of each swarm a bot requested, by swarm id (others are left out)."""
    bots = _bots(session, {s.requested_by for s in swarms if s.requested_by is not None})
    handed = [s for s in swarms if s.requested_by in bots]
    context = _context(session, handed)
    return {
        s.id or 0: Handover(
            by=HandoverBy(id=bots[s.requested_by].id, name=bots[s.requested_by].name, kind="bot"),
            question=s.question,
            tried=s.tried,
            at=s.requested_at,
            interactions=context.get(s.id or 0, []),
        )
        for s in handed
        if s.requested_by is not None
    }
