"""The confirmation-request table: one row per "Is your problem solved?" question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.models import UTCDateTime, utcnow

__all__ = ["STATES", "Confirmation"]

# pending: asked, not answered; confirmed/rejected: answered yes/no; superseded: a newer
# request for the same card replaced it; answered: survey scores without a yes/no.
STATES = ("pending", "confirmed", "rejected", "superseded", "answered")


class Confirmation(SQLModel, table=True):
    __tablename__ = "confirmations"
    __table_args__ = (
        UniqueConstraint("nonce"),
        Index("ix_confirmations_card_id_requested_at", "card_id", "requested_at"),
        Index("ix_confirmations_board_id_answered_at", "board_id", "answered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(
        sa_column=Column(Integer, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False)
    )
    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    )
    # Random and unguessable; the link's token is this nonce, signed with the secret key.
    nonce: str = Field(max_length=64)
    # "link" (asked when the card was done) or "survey" (an external tool's answers).
    source: str = Field(default="link", max_length=10)
    state: str = Field(default="pending", max_length=12)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    solved: bool | None = Field(default=None)
    csat: int | None = Field(default=None)
    ces: int | None = Field(default=None)
    nps: int | None = Field(default=None)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
