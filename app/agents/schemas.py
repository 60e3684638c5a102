"""Request and response bodies for usage reports and resolutions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.schemas import InputModel

__all__ = ["ResolveRequest", "UsageCreate", "UsagePage", "UsagePublic", "UsageTotals"]

# One report's tokens: far beyond any real call, and within the INTEGER columns (a
# larger number was a 500 on PostgreSQL, found by the fuzz run).
MAX_TOKENS = 2_000_000_000
MAX_COST = 10.0**9


class UsageCreate(InputModel):
    """What working a card cost: the model, its tokens and the money."""

    model: str = Field(min_length=1, max_length=200)
    input_tokens: int = Field(ge=0, le=MAX_TOKENS)
    output_tokens: int = Field(ge=0, le=MAX_TOKENS)
    cost_usd: float = Field(ge=0, le=MAX_COST, allow_inf_nan=False)


class UsagePublic(BaseModel):
    """One usage report."""

    id: int
    board_id: int
    card_id: int
    user_id: int | None
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    reported_at: datetime


class UsageTotals(BaseModel):
    """The sums over a card's usage reports."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsagePage(BaseModel):
    """A card's usage reports, oldest first, with their totals."""

    items: list[UsagePublic]
    totals: UsageTotals


class ResolveRequest(InputModel):
    """What solved the card and, optionally, a knowledge note worth reusing."""

    resolution: str = Field(min_length=1, max_length=4000)
    knowledge: str | None = Field(default=None, min_length=1, max_length=4000)
