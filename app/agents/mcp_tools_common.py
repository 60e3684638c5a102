"""What every MCP tool shares: the caller, the database, and errors as problem results.

The endpoint (app/agents/mcp_server.py) resolves the bearer token of each HTTP request
and puts the caller here before the SDK sees the request. The transport is stateless
(one POST is one JSON-RPC message), so every tool call is resolved afresh from the
database: a revoked token or a deactivated person stops at the next call, and a bot set
to 'away' is refused before its next change (:func:`writer`).
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError

from app.auth.bots import refuse_if_stopped
from app.auth.service import Principal
from app.core.db import Database
from app.core.errors import PROBLEM_BASE, DomainError

__all__ = [
    "CALLER",
    "Tools",
    "problem",
    "problem_result",
    "validation_problem",
]

# Set per HTTP request by the /mcp endpoint; the SDK runs the tool in a task started
# from that request, which inherits the value.
CALLER: ContextVar[Principal | None] = ContextVar("mcp_caller", default=None)


def problem(status: int, type_: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem+json body the HTTP API would send for the same error."""
    return {
        "type": PROBLEM_BASE + type_,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem_result(body: dict[str, Any]) -> CallToolResult:
    """An MCP tool error carrying the problem: as JSON text and as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(body))],
        structured_content=body,
        is_error=True,
    )


def domain_problem(exc: DomainError) -> dict[str, Any]:
    return problem(exc.status, exc.type, exc.title, exc.detail, **exc.extra)


def validation_problem(exc: ValidationError) -> dict[str, Any]:
    """Bad tool arguments, named as the API names bad fields (422 validation-error)."""
    errors = [
        {
            "field": ".".join(str(part) for part in err["loc"]) or "arguments",
            "in": "arguments",
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    fields = ", ".join(sorted({e["field"] for e in errors})) or "arguments"
    return problem(
        422, "validation-error", "Invalid request", f"Invalid value for: {fields}", errors=errors
    )


@dataclass(frozen=True, slots=True)
class Tools:
    """The database and the caller, as the tools of one server see them."""

    db: Database

    def caller(self) -> Principal:
        principal = CALLER.get()
        # The endpoint refuses a request without a valid token before the SDK runs.
        assert principal is not None, "an MCP tool ran outside an authenticated request"
        return principal

    def writer(self) -> Principal:
        """The caller of a tool that changes something: a stopped bot is refused here."""
        principal = self.caller()
        refuse_if_stopped(principal)
        return principal
