"""SQL for usage reports and resolutions."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.agents.models import CardUsage
from app.agents.schemas import UsagePublic
from app.board import repository as board_repository
from app.core.models import utcnow

__all__ = ["insert_usage", "set_resolution", "usage_of"]

usage = CardUsage.__table__  # type: ignore[attr-defined]


def insert_usage(
    session: Session,
    *,
    board_id: int,
    card_id: int,
    user_id: int,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: float,
) -> UsagePublic:
    """Insert one usage report and return it."""
    values = {
        "board_id": board_id,
        "card_id": card_id,
        "user_id": user_id,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": cost_usd,
        "reported_at": utcnow(),
    }
    new_id = session.execute(usage.insert().values(**values).returning(usage.c.id)).scalar_one()
    return UsagePublic(id=new_id, **values)


def usage_of(session: Session, *, card_id: int) -> list[UsagePublic]:
    """A card's usage reports, oldest first."""
    stmt = select(usage).where(usage.c.card_id == card_id).order_by(usage.c.id)
    return [UsagePublic.model_validate(dict(r._mapping)) for r in session.execute(stmt)]


def set_resolution(
    session: Session, *, card_id: int, resolution: str, knowledge: str | None, by: int
) -> None:
    """Record the resolution text on the card and, when given, its knowledge note (a
    later resolution without one keeps the earlier note)."""
    cards = board_repository.cards
    values: dict[str, object] = {"resolution": resolution}
    if knowledge is not None:
        values.update(knowledge=knowledge, knowledge_by=by, knowledge_at=utcnow())
    session.execute(update(cards).where(cards.c.id == card_id).values(**values))
