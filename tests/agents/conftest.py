"""MCP fixtures: a real ``swarmboard serve`` and the official MCP client over Streamable HTTP.

One server serves every MCP test module of this package (starting servers is the
expensive part of the run); each test builds its own board, people and bots through the
in-process admin client on the same database.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from app.core.config import Settings
from tests import factories
from tests.ops.helpers import ServeProcess, serve_process

PROBLEMS = "https://swarmboard.dev/problems/"


@pytest.fixture(scope="package")
def mcp_serve(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServeProcess]:
    """``swarmboard serve`` on the test database, MCP on (the default)."""
    with serve_process(
        settings.database_url, tmp_path_factory.mktemp("mcp-serve"), log_level="warning"
    ) as server:
        yield server


@asynccontextmanager
async def mcp_session(base_url: str, token: str | None) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session on ``/mcp``, sending ``token`` as the bearer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as http,
        streamable_http_client(base_url + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a successful tool call."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


def refused(result: CallToolResult, type_: str, status: int) -> dict[str, Any]:
    """The problem of a refused tool call: the same body the HTTP API would send, as
    structured content and as the JSON text of the content."""
    assert result.is_error, result.structured_content
    body = dict(result.structured_content or {})
    assert body["type"] == PROBLEMS + type_, body
    assert body["status"] == status and body["title"] and body["detail"], body
    assert json.loads(result.content[0].text) == body  # type: ignore[union-attr]
    return body


async def make_bot(
    client: httpx.AsyncClient, board_id: int | None = None, role: str | None = None, **fields: Any
) -> tuple[dict[str, Any], str]:
    """A bot (kind 'bot'), on ``board_id`` when given; (user, token)."""
    r = await client.post("/api/users", json={"name": f"Bot {uuid.uuid4().hex[:6]}", "kind": "bot"})
    assert r.status_code == 201, r.text
    bot = r.json()
    if fields:
        r = await client.patch(f"/api/users/{bot['id']}", json=fields)
        assert r.status_code == 200, r.text
    if board_id is not None:
        await factories.add_member(client, board_id, bot["id"], role)
    return bot, bot["token"]


async def support_board(
    client: httpx.AsyncClient, *, active_limit: int | None = 3
) -> tuple[int, dict[str, int]]:
    """Triage (backlog), Investigating (active, ``active_limit``), Resolved (done);
    (board id, column id by name)."""
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": active_limit},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return int(board["id"]), {c["name"]: int(c["id"]) for c in board["columns"]}
