"""The card comment table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.core.models import UTCDateTime, utcnow

__all__ = ["CardComment"]


class CardComment(SQLModel, table=True):
    __tablename__ = "card_comments"
    # A card's comments, oldest first, a page at a time.
    __table_args__ = (Index("ix_card_comments_card_id_id", "card_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    )
    board_id: int = Field(
        sa_column=Column(Integer, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False)
    )
    # Kept when the author's account goes (the comment stays, shown as "a former member").
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A deleted comment keeps its row (the log and the thread say it was deleted) but
    # loses its body.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
