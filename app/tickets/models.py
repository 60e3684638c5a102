"""Customer, interaction and card-link tables."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.models import UTCDateTime, utcnow
from app.tickets.schemas import InteractionKind, LinkKind

__all__ = ["INTERACTION_KINDS", "LINK_KINDS", "CardLink", "Customer", "Interaction"]

INTERACTION_KINDS: tuple[InteractionKind, ...] = get_args(InteractionKind)
LINK_KINDS: tuple[LinkKind, ...] = get_args(LinkKind)


def _fk(target: str, *, ondelete: str = "CASCADE", nullable: bool = False) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


class Customer(SQLModel, table=True):
    """A customer as one board's channels know them: ``ref`` is their id in the source
    system. Each board keeps its own record, so intake on one board never reads or
    changes what another board knows about a customer of the same ``ref``."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("board_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    ref: str = Field(max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Interaction(SQLModel, table=True):
    """One contact on a ticket: a reply, a customer message, a bot turn, a hand-off."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_card_id_at", "card_id", "at"),
        Index("ix_interactions_board_id_at", "board_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    card_id: int = Field(sa_column=_fk("cards.id"))
    kind: str = Field(max_length=20)
    actor_kind: str = Field(max_length=10)
    # Who recorded it (the API caller); a bot integration records with its own token.
    recorded_by: int | None = Field(
        default=None, sa_column=_fk("users.id", ondelete="SET NULL", nullable=True)
    )
    at: datetime = Field(sa_type=UTCDateTime)
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    handle_seconds: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CardLink(SQLModel, table=True):
    """A newer ticket (``card_id``) that repeats or duplicates an earlier one (``target_id``)."""

    __tablename__ = "card_links"
    __table_args__ = (
        UniqueConstraint("card_id", "target_id"),
        Index("ix_card_links_target_id", "target_id"),
        Index("ix_card_links_board_id", "board_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    card_id: int = Field(sa_column=_fk("cards.id"))
    target_id: int = Field(sa_column=_fk("cards.id"))
    kind: str = Field(max_length=10)
    created_by: int | None = Field(
        default=None, sa_column=_fk("users.id", ondelete="SET NULL", nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
