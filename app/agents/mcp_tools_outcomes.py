"""The MCP tools for outcomes: resolving a card and reporting what working it cost.

They call app/agents/service.py (the HTTP API's ``/resolve`` and ``/usage``), after the
kill switch, in one write transaction each.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from app.agents import service as agents_service
from app.agents.mcp_tools_common import Tools
from app.agents.mcp_tools_write import CHANGES, Id
from app.agents.schemas import MAX_COST, MAX_TOKENS, UsagePublic
from app.board.schemas import CardPublic

__all__ = ["register"]


def register(mcp: MCPServer[Any], tools: Tools) -> None:
    """Add ``resolve_card`` and ``report_usage`` to ``mcp``."""
    db = tools.db

    @mcp.tool(
        annotations=CHANGES,
        description="Finish a card you solved: records `resolution` (what fixed it) and "
        "moves the card to the board's done column, which asks the customer to confirm "
        "it is solved; only a confirmation counts as a resolution. Add `knowledge` when "
        "the answer is worth reusing. Reply to the customer first.",
    )
    async def resolve_card(
        card_id: Id,
        resolution: Annotated[str, Field(min_length=1, max_length=4000)],
        knowledge: Annotated[str | None, Field(min_length=1, max_length=4000)] = None,
    ) -> CardPublic:
        return await db.write(
            agents_service.resolve_card,
            actor=tools.writer(),
            card_id=card_id,
            resolution=resolution,
            knowledge=knowledge,
        )

    @mcp.tool(
        annotations=CHANGES,
        description="Report what working a card cost you: the model, its input and output "
        "tokens and the cost in US dollars. Report once per working session on the card; "
        "the board sets it against customer-confirmed resolutions.",
    )
    async def report_usage(
        card_id: Id,
        model: Annotated[str, Field(min_length=1, max_length=200)],
        input_tokens: Annotated[int, Field(ge=0, le=MAX_TOKENS)],
        output_tokens: Annotated[int, Field(ge=0, le=MAX_TOKENS)],
        cost_usd: Annotated[float, Field(ge=0, le=MAX_COST, allow_inf_nan=False)],
    ) -> UsagePublic:
        return await db.write(
            agents_service.report_usage,
            actor=tools.writer(),
            card_id=card_id,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost_usd,
        )
