"""Request and response bodies for ticket intake, interactions and links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.board.schemas import CardPublic, Channel, DbId, Priority, Segment
from app.core.schemas import AwareInstant, InputModel

__all__ = [
    "CardLinks",
    "CustomerIn",
    "CustomerPublic",
    "InteractionCreate",
    "InteractionPage",
    "InteractionPublic",
    "LinkCreate",
    "LinkPublic",
    "LinkRecorded",
    "SupportSummary",
    "TicketCreate",
    "TicketPublic",
    "plausible_email",
]

InteractionKind = Literal[
    "agent_reply", "customer_message", "bot_reply", "internal_note", "handoff", "resolution"
]
ActorKind = Literal["user", "bot"]
LinkKind = Literal["repeat", "duplicate"]
# A week of working time on one contact is already far more than anyone records.
MAX_HANDLE_SECONDS = 7 * 86400


def plausible_email(value: str) -> str:
    """``local@domain.tld`` with no spaces and DNS-shaped labels; the domain lower-cased.

    Deliverability is the mail system's business: this only stops typos and junk
    (``bob``, ``bob@``, ``bob@localhost``, ``a b@x.io``) from reaching the customer record.
    """
    local, at, domain = value.rpartition("@")
    if not at or not local or len(local) > 64 or any(ch.isspace() or ch == "@" for ch in local):
        raise ValueError("must be an email address like name@example.com")
    labels = domain.lower().split(".")
    ok = len(labels) >= 2 and all(
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(ch.isalnum() or ch == "-" for ch in label)
        for label in labels
    )
    if not ok or labels[-1].isdigit():
        raise ValueError("must be an email address with a domain, like name@example.com")
    return f"{local}@{'.'.join(labels)}"


class CustomerIn(InputModel):
    """The customer as the channel knows them; ``ref`` is their id there."""

    ref: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)

    @field_validator("email")
    @classmethod
    def _plausible(cls, value: str | None) -> str | None:
        return None if value is None else plausible_email(value)


class TicketCreate(InputModel):
    """A ticket from a channel or bot; ``external_ref`` makes a repeat harmless."""

    external_ref: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    channel: Channel
    product: str | None = Field(default=None, max_length=100)
    priority: Priority = "normal"
    segment: Segment | None = None
    customer: CustomerIn


class CustomerPublic(BaseModel):
    id: int
    ref: str
    name: str | None
    email: str | None


class TicketPublic(CardPublic):
    # None only when the customer record was deleted after intake.
    customer: CustomerPublic | None


class InteractionCreate(InputModel):
    kind: InteractionKind
    actor_kind: ActorKind
    at: AwareInstant | None = Field(
        default=None, description="When it happened (with a UTC offset); default now"
    )
    body: str | None = Field(default=None, max_length=20_000)
    handle_seconds: float | None = Field(
        default=None, ge=0, le=MAX_HANDLE_SECONDS, allow_inf_nan=False
    )

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999 with an offset
            raise ValueError("is out of range") from None


class InteractionPublic(BaseModel):
    id: int
    board_id: int
    card_id: int
    kind: InteractionKind
    actor_kind: ActorKind
    recorded_by: int | None
    at: datetime
    body: str | None
    handle_seconds: float | None
    created_at: datetime


class SupportSummary(BaseModel):
    """What a card's interactions add up to."""

    first_response_at: datetime | None
    frt_seconds: float | None = Field(description="Creation to the first human agent reply")
    agent_replies: int
    handle_seconds: float = Field(description="Agent working time recorded (AHT numerator)")
    bot_handled: bool
    bot_resolved_at: datetime | None
    automated: bool = Field(description="A bot resolved it and no agent replied")
    handed_off_at: datetime | None


class InteractionPage(BaseModel):
    items: list[InteractionPublic]
    total: int
    limit: int
    offset: int
    summary: SupportSummary


class LinkCreate(InputModel):
    card_id: DbId = Field(description="The earlier ticket this one repeats or duplicates")
    kind: LinkKind


class LinkPublic(BaseModel):
    card_id: int = Field(description="The newer ticket")
    target_id: int = Field(description="The earlier ticket")
    kind: LinkKind
    created_by: int | None
    created_at: datetime


class LinkRecorded(LinkPublic):
    frequency: int = Field(description="The earlier ticket's frequency, this link included")


class CardLinks(BaseModel):
    links_to: list[LinkPublic]
    linked_from: list[LinkPublic]
    frequency: int = Field(description="1 + the number of tickets linked to this one")
