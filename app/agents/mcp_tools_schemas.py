"""What the MCP tools return: structured results (clients get them as structuredContent)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.board.schemas import (
    ActivityItem,
    BoardSummary,
    CardPublic,
    ColumnPublic,
    LanePublic,
)
from app.comments.schemas import CommentPublic
from app.swarm.schemas import KnowledgeItem, SwarmPublic
from app.tickets.schemas import CustomerPublic, InteractionPublic

__all__ = ["BoardList", "BoardOverview", "CardDetail", "PullResult"]


class BoardList(BaseModel):
    """The boards the caller is a member of (every board, for an admin)."""

    boards: list[BoardSummary]
    total: int


class BoardOverview(BaseModel):
    """Where the work stands on a board, from the caller's seat."""

    board: BoardSummary
    columns: list[ColumnPublic] = Field(
        description="In board order, each with card_count, wip_limit and wip_policy"
    )
    lanes: list[LanePublic]
    my_cards: list[CardPublic] = Field(description="Cards on the board assigned to the caller")
    swarms_needing_my_skills: list[SwarmPublic] = Field(
        description="Open swarms the caller is not in that need one of the caller's skills"
    )


class CardDetail(BaseModel):
    """A card with everything needed to work it."""

    card: CardPublic
    customer: CustomerPublic | None
    interactions: list[InteractionPublic] = Field(description="Oldest first (up to 50)")
    comments: list[CommentPublic] = Field(description="Oldest first (up to 50)")
    activity: list[ActivityItem] = Field(description="Newest first (up to 30 events)")
    swarms: list[SwarmPublic] = Field(description="The card's swarms, newest first")
    related_knowledge: list[KnowledgeItem] = Field(
        description="Earlier knowledge notes sharing skills or words with the card"
    )


class PullResult(BaseModel):
    """The card the caller now works on, or null when there is nothing to pull."""

    card: CardPublic | None
    message: str
