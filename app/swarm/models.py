"""Swarm, invitation and membership tables."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.core.models import JSONType, UTCDateTime, utcnow
from app.swarm.schemas import SwarmRole

__all__ = ["ROLES", "Swarm", "SwarmInvitation", "SwarmMember"]

ROLES: tuple[SwarmRole, ...] = get_args(SwarmRole)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


class Swarm(SQLModel, table=True):
    __tablename__ = "swarms"
    __table_args__ = (
        # At most one open swarm per card, enforced by the database as well as the
        # service, so two concurrent requests can never both open one.
        Index(
            "uq_swarms_open_card",
            "card_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_swarms_card_id", "card_id"),
        Index("ix_swarms_board_id_state", "board_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    card_id: int = Field(sa_column=_fk("cards.id"))
    requested_by: int | None = Field(
        default=None, sa_column=_fk("users.id", nullable=True, ondelete="SET NULL")
    )
    # open -> resolved | cancelled; either may be reopened.
    state: str = Field(default="open", max_length=10)
    skills: list[str] = Field(default_factory=list, sa_type=JSONType)
    question: str = Field(sa_column=Column(Text, nullable=False))
    tried: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    unmatched_skills: list[str] = Field(default_factory=list, sa_type=JSONType)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    knowledge: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    knowledge_by: int | None = Field(
        default=None, sa_column=_fk("users.id", nullable=True, ondelete="SET NULL")
    )
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SwarmInvitation(SQLModel, table=True):
    __tablename__ = "swarm_invitations"
    __table_args__ = (
        UniqueConstraint("swarm_id", "user_id"),
        Index("ix_swarm_invitations_user_id_state", "user_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    swarm_id: int = Field(sa_column=_fk("swarms.id"))
    user_id: int = Field(sa_column=_fk("users.id"))
    # pending -> accepted | declined
    state: str = Field(default="pending", max_length=10)
    # The requested skills this person was invited to cover.
    skills: list[str] = Field(default_factory=list, sa_type=JSONType)
    invited_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SwarmMember(SQLModel, table=True):
    __tablename__ = "swarm_members"
    __table_args__ = (
        UniqueConstraint("swarm_id", "user_id"),
        Index("ix_swarm_members_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    swarm_id: int = Field(sa_column=_fk("swarms.id"))
    user_id: int = Field(sa_column=_fk("users.id"))
    role: str = Field(default="helper", max_length=10)
    # The person's team when they joined: "teams a fix needs" counts what the swarm
    # really had, not where people moved since.
    team: str | None = Field(default=None, max_length=100)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the person leaves; a re-join clears it again (joined_at keeps the first join).
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
