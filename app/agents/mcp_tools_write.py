"""The MCP tools that change the board: pull, reply, comment, move, hand over, resolve.

Each runs the HTTP API's service in one write transaction, as the caller, after the
kill switch (:meth:`Tools.writer`): the same access rules, WIP admission and events.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field
from sqlalchemy.orm import Session

from app.agents.mcp_tools_common import Tools
from app.agents.mcp_tools_schemas import PullResult
from app.auth.service import Principal
from app.board import cards, pull
from app.board.schemas import CardMove, CardPublic
from app.comments import service as comments_service
from app.comments.schemas import CommentCreate, CommentPublic
from app.core.params import MAX_ID
from app.swarm import service as swarm_service
from app.swarm.schemas import SwarmCreate, SwarmPublic
from app.tickets import service as tickets_service
from app.tickets.schemas import InteractionCreate, InteractionPublic

__all__ = ["register", "reply"]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
# Changes that stay on this board: never destructive, and a repeat is not a no-op.
CHANGES = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)
NOTHING_TO_PULL = (
    "Nothing to pull: no unassigned card you have the skills for waits in the backlog."
)


def reply(session: Session, *, actor: Principal, card_id: int, body: str) -> InteractionPublic:
    """Record a public answer to the card's customer: a bot's is a bot_reply, a person's an
    agent_reply (the metrics count them apart)."""
    data = InteractionCreate(
        kind="bot_reply" if actor.is_bot else "agent_reply",
        actor_kind="bot" if actor.is_bot else "user",
        body=body,
    )
    recorded = tickets_service.record_interaction(session, actor=actor, card_id=card_id, data=data)
    return InteractionPublic.model_validate(recorded)


def register(mcp: MCPServer[Any], tools: Tools) -> None:
    """Add the tools that change the board to ``mcp``."""
    db = tools.db

    @mcp.tool(
        annotations=CHANGES,
        description="Take the next card to work on from a board: the highest-priority, "
        "then oldest, unassigned card in the backlog whose required skills you have. It "
        "is assigned to you and moved into the first active column, atomically (two "
        "agents never get the same card). Optionally restrict it to cards needing some of "
        "`skills`. Refused with type wip-limit-exceeded / person-wip-limit-exceeded when a "
        "column, lane or your own WIP limit is full: finish a card first. Returns "
        '{"card": null} when there is nothing to pull.',
    )
    async def pull_next_card(
        board_id: Id,
        skills: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=60)]], Field(max_length=20)
        ]
        | None = None,
    ) -> PullResult:
        card = await db.write(
            pull.pull_next, actor=tools.writer(), board_id=board_id, skills=skills or None
        )
        if card is None:
            return PullResult(card=None, message=NOTHING_TO_PULL)
        return PullResult(card=card, message=f"Card {card.id} is yours now: {card.title}")

    @mcp.tool(
        annotations=CHANGES,
        description="Send a public reply to the card's customer. It is recorded on the "
        "card as an interaction (a bot's reply counts as a bot reply). Use add_comment "
        "for notes to teammates instead.",
    )
    async def reply_to_customer(card_id: Id, body: Text) -> InteractionPublic:
        return await db.write(reply, actor=tools.writer(), card_id=card_id, body=body)

    @mcp.tool(
        annotations=CHANGES,
        description="Comment on a card, for your teammates (never shown to the customer). "
        "`@name` mentions a member of the board.",
    )
    async def add_comment(
        card_id: Id, body: Annotated[str, Field(min_length=1, max_length=10_000)]
    ) -> CommentPublic:
        return await db.write(
            comments_service.add_comment,
            actor=tools.writer(),
            card_id=card_id,
            data=CommentCreate(body=body),
        )

    @mcp.tool(
        annotations=CHANGES,
        description="Move a card to another column of its board (see board_overview for "
        "column ids). WIP limits are enforced: a full column, lane or your own limit "
        "refuses the move with type wip-limit-exceeded / person-wip-limit-exceeded. "
        "`reason` is only for a lead overriding a hard limit; bots cannot override. To "
        "finish a case use resolve_card, which also records the resolution.",
    )
    async def move_card(
        card_id: Id,
        column_id: Id,
        reason: Annotated[str | None, Field(min_length=1, max_length=500)] = None,
    ) -> CardPublic:
        return await db.write(
            cards.move_card,
            actor=tools.writer(),
            card_id=card_id,
            data=CardMove(column_id=column_id, override_reason=reason),
        )

    @mcp.tool(
        annotations=CHANGES,
        description="Hand a card over to people when you cannot solve it: opens a swarm "
        "that invites the people with `skills`, with your `question` and what you "
        "`tried` (be specific: they read it instead of starting over). A bot is "
        "unassigned from the card. Refused if the card already has an open swarm.",
    )
    async def request_swarm(
        card_id: Id,
        skills: Annotated[list[str], Field(min_length=1, max_length=20)],
        question: Annotated[str, Field(min_length=1, max_length=4000)],
        tried: Annotated[str, Field(min_length=1, max_length=4000)],
    ) -> SwarmPublic:
        return await db.write(
            swarm_service.request_swarm,
            actor=tools.writer(),
            card_id=card_id,
            data=SwarmCreate(skills=skills, question=question, tried=tried),
        )
