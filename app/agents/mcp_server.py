"""The MCP server at ``/mcp``: the board's tools for AI agents (and people's MCP clients).

Built with the official SDK (``mcp.server.mcpserver.MCPServer``) and served over the
Streamable HTTP transport by the same app and process as the API. The endpoint
authenticates each request with the API's bearer tokens before the SDK sees it (401
problem+json otherwise), and the tools run the API's services (app/agents/mcp_tools_*).

``SWARMBOARD_MCP_ENABLED=false`` leaves ``/mcp`` unrouted: a 404 like any unknown path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, InputRequiredResult
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app import __version__
from app.agents import mcp_resources, mcp_tools_outcomes, mcp_tools_read, mcp_tools_write
from app.agents.mcp_tools_common import (
    CALLER,
    Tools,
    domain_problem,
    problem,
    problem_result,
    validation_problem,
)
from app.auth.deps import bearer_token, principal_for_token
from app.auth.exceptions import InvalidToken
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import DomainError, problem_response
from app.core.nul import first_nul

__all__ = ["SwarmboardMCP", "build_server", "install", "running"]

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Swarmboard is a Kanban board for a customer-support team; you work on it as a "
    "teammate under the same WIP limits as people. A typical loop: list_boards, "
    "board_overview, pull_next_card, get_card, search_knowledge, reply_to_customer, then "
    "resolve_card and report_usage; when you cannot solve a card, request_swarm hands it "
    "to people with your question and what you tried. A refused call returns an error "
    "whose JSON carries a problem 'type' (e.g. wip-limit-exceeded) and a 'detail'."
)


class SwarmboardMCP(MCPServer[Any]):
    """The SDK's server, with Swarmboard's errors turned into problem tool results."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Any = None
    ) -> CallToolResult | InputRequiredResult:
        """Run a tool; a domain error or bad arguments become a tool error whose content
        is the problem+json the HTTP API would answer (type, title, status, detail)."""
        where = first_nul(arguments)
        if where is not None:  # PostgreSQL cannot store it; the API refuses it the same way
            detail = f"{where} must not contain a NUL character (U+0000)."
            return problem_result(
                problem(
                    422,
                    "validation-error",
                    "Invalid request",
                    detail,
                    errors=[{"field": where, "in": "arguments", "message": detail}],
                )
            )
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, DomainError):
                return problem_result(domain_problem(cause))
            if isinstance(cause, ValidationError):
                return problem_result(validation_problem(cause))
            if isinstance(cause, IntegrityError):
                # As the API's handler: a violation a service check missed is a conflict.
                log.info("integrity error in MCP tool %s rendered as 409: %s", name, cause)
                return problem_result(
                    problem(409, "conflict", "Conflict", "The change conflicts with existing data.")
                )
            raise


def build_server(db: Database) -> SwarmboardMCP:
    """The MCP server with every tool and resource, running on ``db``."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        server = SwarmboardMCP(name="swarmboard", version=__version__, instructions=INSTRUCTIONS)
    finally:
        # The SDK's constructor calls logging.basicConfig; ours is app/ops/logging.py.
        root.handlers[:] = handlers
        root.setLevel(level)
    tools = Tools(db=db)
    mcp_tools_read.register(server, tools)
    mcp_tools_write.register(server, tools)
    mcp_tools_outcomes.register(server, tools)
    mcp_resources.register(server, tools)
    return server


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: DomainError) -> None:
    response = problem_response(exc.status, exc.type, exc.title, exc.detail, **exc.extra)
    await response(scope, receive, send)


class Endpoint:
    """``/mcp``: the caller from the bearer token, then the SDK's transport."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state
        manager: StreamableHTTPSessionManager | None = getattr(state, "mcp_manager", None)
        if manager is None:  # the app is starting or stopping
            unavailable = problem_response(
                503, "unavailable", "Service unavailable", "The MCP server is not running."
            )
            await unavailable(scope, receive, send)
            return
        try:
            token = bearer_token(Headers(scope=scope).get("authorization"))
            # Read from the database on every request (no cache): stateless, so every
            # tool call is its own request, and a revoked token stops at the next one.
            principal = await principal_for_token(state, state.db, token)
            if principal is None:
                raise InvalidToken("The API token is unknown or revoked.")
        except DomainError as exc:
            await _refuse(scope, receive, send, exc)
            return
        reset = CALLER.set(principal)
        try:
            await manager.handle_request(scope, receive, send)
        finally:
            CALLER.reset(reset)


def install(app: FastAPI, settings: Settings) -> None:
    """Route ``/mcp`` to the MCP server, unless SWARMBOARD_MCP_ENABLED is off."""
    if settings.mcp_enabled:
        # A Route, not a Mount: "/mcp" itself, without a redirect to "/mcp/".
        app.router.routes.append(Route("/mcp", endpoint=Endpoint(), include_in_schema=False))


@asynccontextmanager
async def running(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Create and run the SDK's session manager for the app's lifetime (in its lifespan)."""
    if not settings.mcp_enabled:
        yield
        return
    server = build_server(app.state.db)
    server.streamable_http_app(
        # Stateless, with plain JSON answers: no session lives in a process, so any
        # replica can answer any request behind a load balancer (no sticky sessions).
        stateless_http=True,
        json_response=True,
        max_request_body_size=settings.max_body_bytes,
        # The SDK's DNS-rebinding check would accept only a loopback Host header and
        # refuse the server's real name behind a proxy. It protects servers that trust
        # whoever reaches them; /mcp trusts nothing but a bearer token, which a page a
        # browser was tricked into loading cannot send (no cookie is accepted here).
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    # The SDK's task group must be left by the task that entered it, but a lifespan may
    # be entered and left by different tasks (test harnesses do): it runs in a task of
    # its own, from start to stop.
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def serve() -> None:
        async with manager.run():
            ready.set()
            await stop.wait()

    task = asyncio.create_task(serve(), name="mcp-session-manager")
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():  # it failed to start: say why
        waiting.cancel()
        task.result()
    app.state.mcp_manager = manager
    try:
        yield
    finally:
        app.state.mcp_manager = None
        stop.set()
        await task
