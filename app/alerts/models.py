"""Alert and SLA-policy tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from app.alerts.schemas import AlertKind
from app.core.models import JSONType, UTCDateTime, utcnow

__all__ = ["ACTIVE_STATES", "ALL_KINDS", "DIRECT_KINDS", "KINDS", "Alert", "SlaPolicy"]

# Every kind, in the order of the ``AlertKind`` type (the one list of them).
ALL_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)
# Kinds raised directly when something happens (:func:`app.alerts.service.raise_for_card`)
# and resolved by people: the scan has no condition for them and leaves them alone.
DIRECT_KINDS: tuple[AlertKind, ...] = ("customer_rejected",)
# Kinds the scan raises and clears from a condition it measures.
KINDS: tuple[AlertKind, ...] = tuple(k for k in ALL_KINDS if k not in DIRECT_KINDS)
ACTIVE_STATES = ("open", "acknowledged")


def _fk(target: str, *, nullable: bool = False) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


class SlaPolicy(SQLModel, table=True):
    __tablename__ = "sla_policies"
    __table_args__ = (Index("ix_sla_policies_board_id", "board_id"),)

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    name: str = Field(max_length=100)
    # Which cards it covers: null matches any value. The most specific match wins.
    product: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=10)
    priority: str | None = Field(default=None, max_length=10)
    # Targets in seconds of business clock (paused while waiting on the customer).
    frt_seconds: int | None = Field(default=None)
    ttr_seconds: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open or acknowledged alert per subject and kind, enforced by the
        # database too, so that even two scans racing can never duplicate an alert.
        Index(
            "uq_alerts_active_subject_kind",
            "subject",
            "kind",
            unique=True,
            sqlite_where=text("state IN ('open', 'acknowledged')"),
            postgresql_where=text("state IN ('open', 'acknowledged')"),
        ),
        # The scan's "already alerted in this episode?" probe, for every state.
        Index("ix_alerts_subject_kind_state", "subject", "kind", "state", "raised_at"),
        Index("ix_alerts_board_id_state", "board_id", "state"),
        Index("ix_alerts_kind_state", "kind", "state"),
        Index("ix_alerts_card_id", "card_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(sa_column=_fk("boards.id"))
    # "card:<id>" for card alerts, "column:<id>" for a column's WIP breach.
    subject: str = Field(max_length=40)
    card_id: int | None = Field(default=None, sa_column=_fk("cards.id", nullable=True))
    column_id: int | None = Field(default=None, sa_column=_fk("board_columns.id", nullable=True))
    kind: str = Field(max_length=20)
    state: str = Field(default="open", max_length=15)
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who resolved it by hand; null when the scan saw the condition clear.
    resolved_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
