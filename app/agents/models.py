"""What an agent reported spending on a card, in tokens and money."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.models import UTCDateTime, utcnow

__all__ = ["CardUsage"]


class CardUsage(SQLModel, table=True):
    """One usage report: a model's tokens and their cost, for the cost per confirmed
    resolution (bots) set against handling time times an hourly cost (people)."""

    __tablename__ = "card_usage"
    __table_args__ = (Index("ix_card_usage_board_id_reported_at", "board_id", "reported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(
        sa_column=Column(Integer, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False)
    )
    card_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # Kept when the reporter's account goes away: the money was still spent.
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    model: str = Field(max_length=200)
    input_tokens: int
    output_tokens: int
    cost_usd: float
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
