"""Webhook endpoints, their deliveries (the outbox) and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean as SaBoolean
from sqlalchemy import Column, ForeignKey, Index, Integer, Text, true
from sqlmodel import Field, SQLModel

from app.core.models import JSONType, UTCDateTime, utcnow

__all__ = ["DeliveryAttempt", "WebhookDelivery", "WebhookEndpoint"]


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable)


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_board_id", "board_id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int | None = Field(
        default=None, sa_column=_fk("users.id", nullable=True, ondelete="SET NULL")
    )
    # None: every board (admins only).
    board_id: int | None = Field(default=None, sa_column=_fk("boards.id", nullable=True))
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType)
    # The signing secret (whsec_...), and the previous one while a rotation overlaps.
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enabled: bool = Field(
        default=True, sa_column=Column(SaBoolean, nullable=False, server_default=true())
    )
    disabled_reason: str | None = Field(default=None, max_length=500)
    # Since when every attempt has failed; cleared by a success. Three days disables.
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: written in the event's transaction, sent by the relay."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(sa_column=_fk("webhook_endpoints.id"))
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=60)
    # The exact body sent on every attempt (the event envelope as JSON).
    body: str = Field(sa_column=Column(Text, nullable=False))
    # pending (never tried) -> succeeded | failed (will retry) -> dead (gave up)
    state: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    # When the relay may next take it; also the lease while an attempt is in flight.
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_status: int | None = Field(default=None)
    last_latency_ms: int | None = Field(default=None)
    last_response: str | None = Field(default=None, max_length=1024)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(sa_column=_fk("webhook_deliveries.id"))
    attempted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int | None = Field(default=None)
    latency_ms: int | None = Field(default=None)
    response_body: str | None = Field(default=None, max_length=1024)
    error: str | None = Field(default=None, max_length=500)
