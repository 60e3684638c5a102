"""Board, column, lane, membership and card tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Column, Float, ForeignKey, Index, Integer, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from app.core.models import JSONType, UTCDateTime, utcnow

__all__ = ["Board", "BoardColumn", "BoardMember", "Card", "CardAssignee", "CardStay", "Lane"]


def _fk(
    target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True
) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


class Board(SQLModel, table=True):
    __tablename__ = "boards"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # The last event sequence number handed out; bumped in every write transaction.
    last_seq: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Alert thresholds: a card blocked this long, a swarm unanswered this long (None: off).
    blocked_alert_seconds: int | None = Field(default=4 * 3600)
    swarm_answer_seconds: int | None = Field(default=30 * 60)
    # ISO 4217 code that insight impact estimates are given in.
    currency: str = Field(
        default="USD", sa_column=Column(sa.String(3), nullable=False, server_default="USD")
    )


class BoardMember(SQLModel, table=True):
    __tablename__ = "board_members"
    __table_args__ = (UniqueConstraint("board_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id", index=False))
    user_id: int = Field(sa_column=_fk("users.id"))
    # A board role overrides the person's global role on this board.
    role: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BoardColumn(SQLModel, table=True):
    __tablename__ = "board_columns"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    name: str = Field(max_length=100)
    position: int
    stage: str = Field(default="active", max_length=10)
    wip_limit: int | None = Field(default=None)
    wip_policy: str = Field(default="hard", max_length=10)
    stall_after_seconds: int | None = Field(default=None)
    # The SLA clock pauses while a card sits in a column that waits on the customer.
    waits_on_customer: bool = Field(
        default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=false())
    )
    # The definition of ready for delegation: a card enters only as a complete insight.
    requires_insight: bool = Field(
        default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=false())
    )
    # Where a card goes when its customer says the problem is not solved (at most one
    # per board; without one, the first active column).
    reopen_target: bool = Field(
        default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=false())
    )
    # Since when a soft-limited column has been over its limit (kept by the alert scan).
    over_limit_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the column was taken off the board: live reads skip it, history keeps it.
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lane(SQLModel, table=True):
    __tablename__ = "lanes"

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    name: str = Field(max_length=100)
    position: int
    wip_limit: int | None = Field(default=None)


class Card(SQLModel, table=True):
    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_column_id_position", "column_id", "position"),
        Index("ix_cards_lane_id", "lane_id"),
        # For the alert scan: range scans per column, per SLA policy, and blocked cards.
        Index("ix_cards_column_id_column_entered_at", "column_id", "column_entered_at"),
        Index("ix_cards_sla_policy_id_created_at", "sla_policy_id", "created_at"),
        Index(
            "ix_cards_awaiting_response",
            "sla_policy_id",
            "created_at",
            sqlite_where=text("first_response_at IS NULL"),
            postgresql_where=text("first_response_at IS NULL"),
        ),
        Index("ix_cards_blocked_since", "blocked_since"),
        # Intake is idempotent per board on the channel's own ticket reference.
        Index("uq_cards_board_id_external_ref", "board_id", "external_ref", unique=True),
        Index("ix_cards_customer_id", "customer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    column_id: int = Field(sa_column=_fk("board_columns.id", ondelete="RESTRICT", index=False))
    lane_id: int | None = Field(
        sa_column=_fk("lanes.id", nullable=True, ondelete="SET NULL", index=False)
    )
    # A sort key, not an index: a move writes one row instead of renumbering a column.
    position: float = Field(sa_column=Column(Float, nullable=False))
    title: str = Field(max_length=300)
    description: str = Field(default="")
    priority: str = Field(default="normal", max_length=10)
    channel: str | None = Field(default=None, max_length=10)
    product: str | None = Field(default=None, max_length=100)
    segment: str | None = Field(default=None, max_length=10)
    owner_id: int | None = Field(
        sa_column=_fk("users.id", nullable=True, ondelete="SET NULL", index=False)
    )
    # Denormalised copy of card_assignees for cheap reads; card_assignees is what
    # personal WIP limits count.
    assignee_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    # The skill names the work needs: a pull hands the card only to someone who has them.
    skills: list[str] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False, server_default="[]")
    )
    # What resolved it, in the resolver's words (resolve_card; shown with the outcome).
    resolution: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    # A knowledge note its resolver left (searched with the swarms' notes), by whom, when.
    knowledge: str | None = Field(default=None, sa_column=Column(sa.Text, nullable=True))
    knowledge_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    knowledge_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blocked: bool = Field(default=False)
    blocked_reason: str | None = Field(default=None, max_length=500)
    blocked_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Seconds of finished blocked spells (the current one counts from blocked_since).
    blocked_seconds: float = Field(
        default=0.0, sa_column=Column(Float, nullable=False, server_default="0")
    )
    # The SLA clock: seconds spent in finished stays in waits-on-customer columns (the
    # current stay, if it waits, is counted from column_entered_at), and when the card
    # first reached an active column (its first response, until interactions exist).
    waiting_seconds: float = Field(
        default=0.0, sa_column=Column(Float, nullable=False, server_default="0")
    )
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The SLA policy that applies (the most specific match), kept up to date when the
    # card's product, channel or priority or the board's policies change.
    sla_policy_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("sla_policies.id", ondelete="SET NULL"), nullable=True
        ),
    )
    # Intake: the ticket's id in the channel it came from, and its customer.
    external_ref: str | None = Field(default=None, max_length=200)
    customer_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
    )
    # What the recorded interactions add up to (kept with each interaction, so metrics
    # and exports read one row per card).
    agent_replies: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    handle_seconds: float = Field(
        default=0.0, sa_column=Column(Float, nullable=False, server_default="0")
    )
    bot_handled: bool = Field(
        default=False, sa_column=Column(sa.Boolean, nullable=False, server_default=false())
    )
    bot_resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handed_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    # The actionable-insight fields (evidence is in card_evidence).
    problem_statement: str | None = Field(default=None)
    suggested_fix: str | None = Field(default=None)
    impact_per_month: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    effort_hours: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    owner_team: str | None = Field(default=None, max_length=100)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    column_entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An archived card has left the board and every WIP count; metrics and exports keep it.
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CardAssignee(SQLModel, table=True):
    __tablename__ = "card_assignees"

    card_id: int = Field(
        sa_column=Column(Integer, ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class CardStay(SQLModel, table=True):
    """One stay of a card in a column: the history that time-in-column, stalled-card
    percentiles and the SLA pause are computed from, written with every move."""

    __tablename__ = "card_stays"
    __table_args__ = (
        Index("ix_card_stays_card_id_left_at", "card_id", "left_at"),
        Index("ix_card_stays_column_id_left_at", "column_id", "left_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(sa_column=_fk("cards.id", index=False))
    column_id: int = Field(sa_column=_fk("board_columns.id", index=False))
    entered_at: datetime = Field(sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
