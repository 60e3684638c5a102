"""MCP resources: a board's overview and a card, readable by URI (resource templates).

They hold the same JSON as the ``board_overview`` and ``get_card`` tools, for clients
that attach resources to a conversation rather than call tools.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from app.agents.mcp_tools_common import Tools, domain_problem
from app.agents.mcp_tools_read import board_overview, card_detail
from app.core.errors import DomainError
from app.core.params import MAX_ID

__all__ = ["register"]

JSON = "application/json"


def _id(value: str) -> int:
    if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID):
        raise ResourceNotFoundError(f"{value!r} is not an id")
    return int(value)


def _refused(exc: DomainError) -> ResourceError:
    text = json.dumps(domain_problem(exc))
    return ResourceNotFoundError(text) if exc.status == 404 else ResourceError(text)


def register(mcp: MCPServer[Any], tools: Tools) -> None:
    """Add the resource templates to ``mcp``."""
    db = tools.db

    @mcp.resource(
        "swarmboard://boards/{board_id}/overview",
        name="board_overview",
        description="A board's columns (counts, WIP limits), lanes, my cards and the open "
        "swarms needing my skills",
        mime_type=JSON,
    )
    async def board_resource(board_id: str) -> str:
        try:
            found = await db.read(board_overview, actor=tools.caller(), board_id=_id(board_id))
        except DomainError as exc:
            raise _refused(exc) from None
        return found.model_dump_json()

    @mcp.resource(
        "swarmboard://cards/{card_id}",
        name="card",
        description="A card with its customer, interactions, comments, activity, swarms "
        "and related knowledge",
        mime_type=JSON,
    )
    async def card_resource(card_id: str) -> str:
        try:
            found = await db.read(card_detail, actor=tools.caller(), card_id=_id(card_id))
        except DomainError as exc:
            raise _refused(exc) from None
        return found.model_dump_json()
