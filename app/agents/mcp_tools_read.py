"""The MCP tools that read: boards, a board's overview, cards and the knowledge base.

Each tool runs the same service functions as the HTTP API, in one read transaction, as
the caller: a board the caller is not on is "not found", as it is over HTTP.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field
from sqlalchemy.orm import Session

from app.agents.mcp_tools_common import Tools
from app.agents.mcp_tools_schemas import BoardList, BoardOverview, CardDetail
from app.auth.service import Principal
from app.board import activity, cards, search
from app.board import service as board_service
from app.board.schemas import BoardSummary, CardPublic, CardSearchPage, Channel, Priority
from app.comments import service as comments_service
from app.core.params import MAX_ID
from app.swarm import reports as swarm_reports
from app.swarm.models import Swarm
from app.swarm.schemas import KnowledgeItem, KnowledgePage
from app.swarm.views import suggestions
from app.tickets import service as tickets_service
from app.tickets.schemas import CustomerPublic, InteractionPublic

__all__ = ["board_overview", "card_detail", "register"]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
_OVERVIEW_SWARMS = 20
_SUMMARY_FIELDS = set(BoardSummary.model_fields)


def board_overview(session: Session, *, actor: Principal, board_id: int) -> BoardOverview:
    """The board's columns and lanes with counts and limits, my cards, swarms needing me."""
    detail = board_service.board_detail(session, actor=actor, board_id=board_id)
    helping = swarm_reports.needing_help(
        session, actor=actor, board_id=board_id, limit=_OVERVIEW_SWARMS, offset=0
    )
    return BoardOverview(
        board=BoardSummary.model_validate(detail.model_dump(include=_SUMMARY_FIELDS)),
        columns=detail.columns,
        lanes=detail.lanes,
        my_cards=[c for c in detail.cards if actor.id in c.assignee_ids],
        swarms_needing_my_skills=helping.swarms,
    )


def _related_knowledge(
    session: Session, *, actor: Principal, card: CardPublic
) -> list[KnowledgeItem]:
    # The swarm suggestions' ranking (shared skills, then shared words), asked for a
    # swarm that is never saved: the card's skills, title and description.
    probe = Swarm(
        id=0,
        board_id=card.board_id,
        card_id=card.id,
        skills=list(card.skills),
        question=card.title,
        tried=card.description,
    )
    found = suggestions(session, actor=actor, swarm=probe, limit=6)
    # Not the card's own note: it answers nothing new about the card.
    return [k for k in found if k.card_id != card.id][:5]


def card_detail(session: Session, *, actor: Principal, card_id: int) -> CardDetail:
    """The card, its customer, interactions, comments, activity, swarms and knowledge."""
    card = cards.get_card(session, actor=actor, card_id=card_id)
    customer = None
    if card.customer_id is not None:
        contact = tickets_service.customer_contact(
            session, board_id=card.board_id, customer_id=card.customer_id
        )
        if contact is not None:
            customer = CustomerPublic(id=card.customer_id, **contact)
    talks = tickets_service.list_interactions(
        session, actor=actor, card_id=card_id, limit=50, offset=0
    )
    said = comments_service.list_comments(
        session, actor=actor, card_id=card_id, limit=50, cursor=None
    )
    history = activity.card_activity(session, actor=actor, card_id=card_id, limit=30, cursor=None)
    swarms = swarm_reports.card_swarms(session, actor=actor, card_id=card_id, limit=10, offset=0)
    return CardDetail(
        card=card,
        customer=customer,
        interactions=[InteractionPublic.model_validate(i) for i in talks["items"]],
        comments=said.items,
        activity=history.items,
        swarms=swarms.swarms,
        related_knowledge=_related_knowledge(session, actor=actor, card=card),
    )


def register(mcp: MCPServer[Any], tools: Tools) -> None:
    """Add the reading tools to ``mcp``."""
    db = tools.db

    @mcp.tool(
        annotations=READ_ONLY,
        description="List the Swarmboard boards you are a member of (id and name). "
        "Start here to find the board_id the other tools need.",
    )
    async def list_boards() -> BoardList:
        page = await db.read(board_service.list_boards, actor=tools.caller(), limit=200, offset=0)
        return BoardList(boards=page.boards, total=page.total)

    @mcp.tool(
        name="board_overview",
        annotations=READ_ONLY,
        description="See where the work stands on a board: its columns in order with "
        "their card counts and WIP limits (a full column refuses more cards), its lanes, "
        "the cards assigned to you, and open swarms that need one of your skills. Use it "
        "before pulling or moving work.",
    )
    async def overview(board_id: Id) -> BoardOverview:
        return await db.read(board_overview, actor=tools.caller(), board_id=board_id)

    @mcp.tool(
        annotations=READ_ONLY,
        description="Search a board's cards, in board order. `query` matches the title, "
        "description, external ref or customer ref (case-insensitive); the filters narrow "
        "it further. `assignee`/`owner` take 'me', 'none' or a user id. Pass "
        "`next_cursor` of a result as `cursor` for the next page.",
    )
    async def search_cards(
        board_id: Id,
        query: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
        assignee: Annotated[str | None, Field(max_length=10)] = None,
        owner: Annotated[str | None, Field(max_length=10)] = None,
        priority: Priority | None = None,
        channel: Channel | None = None,
        product: Annotated[str | None, Field(min_length=1, max_length=100)] = None,
        column_id: Id | None = None,
        blocked: bool | None = None,
        swarmed: bool | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
        cursor: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
    ) -> CardSearchPage:
        actor = tools.caller()
        built = search.build_query(
            actor=actor,
            archived=False,
            assignee=assignee,
            owner=owner,
            q=query,
            priority=priority,
            channel=channel,
            product=product,
            column_id=column_id,
            blocked=blocked,
            swarmed=swarmed,
        )
        return await db.read(
            search.search_cards,
            actor=actor,
            board_id=board_id,
            query=built,
            limit=limit,
            cursor=cursor,
        )

    @mcp.tool(
        annotations=READ_ONLY,
        description="Read one card with everything needed to work it: the card (column, "
        "assignees, required skills), its customer, the conversation so far "
        "(interactions), comments, recent activity, its swarms, and related knowledge "
        "notes from earlier resolved cases. Read it before replying or resolving.",
    )
    async def get_card(card_id: Id) -> CardDetail:
        return await db.read(card_detail, actor=tools.caller(), card_id=card_id)

    @mcp.tool(
        annotations=READ_ONLY,
        description="Search the knowledge notes left when swarms were resolved (question, "
        "outcome, note) and when cards were resolved with a note (title, resolution, "
        "note), newest first; every word of `query` must appear. "
        "Use it to find a known answer before replying to a customer or asking for help.",
    )
    async def search_knowledge(
        query: Annotated[str, Field(max_length=200)] = "",
        board_id: Id | None = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> KnowledgePage:
        return await db.read(
            swarm_reports.search_knowledge,
            actor=tools.caller(),
            q=query or None,
            board_id=board_id,
            limit=limit,
            offset=0,
        )
