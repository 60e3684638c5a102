"""Request and response bodies for alerts and SLA policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from app.board.schemas import Channel, Priority
from app.core.schemas import InputModel

__all__ = [
    "ActiveAlert",
    "AlertKind",
    "AlertPage",
    "AlertPublic",
    "AlertState",
    "SlaPolicyCreate",
    "SlaPolicyPublic",
    "SlaPolicyUpdate",
]

AlertKind = Literal[
    "stalled",
    "blocked",
    "sla_warning",
    "sla_breach",
    "wip_breach",
    "swarm_unanswered",
    "customer_rejected",
]
AlertState = Literal["open", "acknowledged", "resolved"]
Target = Field(default=None, ge=1, le=365 * 86400)


class AlertPublic(BaseModel):
    id: int
    board_id: int
    card_id: int | None
    card_title: str | None
    column_id: int | None
    kind: AlertKind
    state: AlertState
    raised_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: int | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    """An open or acknowledged alert as the board page marks it: on its card, or on its
    column when it has no card (a WIP breach)."""

    id: int
    card_id: int | None
    column_id: int | None
    kind: str
    state: str


class AlertPage(BaseModel):
    alerts: list[AlertPublic]
    total: int
    limit: int
    offset: int


class SlaPolicyCreate(InputModel):
    name: str = Field(min_length=1, max_length=100)
    product: str | None = Field(default=None, min_length=1, max_length=100)
    channel: Channel | None = None
    priority: Priority | None = None
    frt_seconds: int | None = Target
    ttr_seconds: int | None = Target

    @model_validator(mode="after")
    def _has_a_target(self) -> SlaPolicyCreate:
        if self.frt_seconds is None and self.ttr_seconds is None:
            raise ValueError("give frt_seconds, ttr_seconds or both")
        return self


class SlaPolicyUpdate(InputModel):
    """Only the fields sent change; null widens a match field to "any"."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    product: str | None = Field(default=None, min_length=1, max_length=100)
    channel: Channel | None = None
    priority: Priority | None = None
    frt_seconds: int | None = Target
    ttr_seconds: int | None = Target


class SlaPolicyPublic(BaseModel):
    id: int
    board_id: int
    name: str
    product: str | None
    channel: Channel | None
    priority: Priority | None
    frt_seconds: int | None
    ttr_seconds: int | None
    created_at: datetime
