"""The board event table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.models import JSONType, UTCDateTime

__all__ = ["BoardEvent"]


class BoardEvent(SQLModel, table=True):
    __tablename__ = "board_events"
    # The unique (board_id, seq) pair is both the replay index and the last line of
    # defence against two writers handing out the same sequence number.
    __table_args__ = (
        UniqueConstraint("board_id", "seq"),
        # A card's history (its activity) without scanning the board's whole log.
        Index("ix_board_events_card_id_seq", "card_id", "seq"),
    )

    id: str = Field(primary_key=True, max_length=40)
    board_id: int = Field(
        sa_column=Column(Integer, ForeignKey("boards.id", ondelete="CASCADE"), nullable=False)
    )
    seq: int
    type: str = Field(max_length=60)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None)
    actor_kind: str = Field(default="user", max_length=20)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # The card the event is about (``data["card_id"]``), kept as a column for lookups.
    card_id: int | None = Field(default=None)
