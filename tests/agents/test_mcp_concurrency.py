"""Concurrent pulls over MCP: four bots, each with its own token and client, pulling at
once never take one card twice and never exceed a column's or a bot's WIP limit."""

from __future__ import annotations

import asyncio
from typing import Any

from tests import factories
from tests.agents.conftest import PROBLEMS, make_bot, mcp_session, support_board

BOTS = 4
PULLS_EACH = 5  # 20 pulls in all
COLUMN_LIMIT = 12
BOT_LIMIT = 4  # 4 bots x 4 > 12: the column's limit is the one that binds


async def _pulls(
    url: str, token: str, board_id: int, ready: asyncio.Event, start: asyncio.Event
) -> list[Any]:
    async with mcp_session(url, token) as mcp:
        ready.set()
        await start.wait()
        calls = [mcp.call_tool("pull_next_card", {"board_id": board_id}) for _ in range(PULLS_EACH)]
        return list(await asyncio.gather(*calls))


async def test_twenty_concurrent_pulls_by_four_bots(client, mcp_serve):
    board_id, cols = await support_board(client, active_limit=COLUMN_LIMIT)
    bots = [await make_bot(client, board_id, wip_limit=BOT_LIMIT) for _ in range(BOTS)]
    backlog = [await factories.create_card(client, board_id) for _ in range(30)]
    ready = [asyncio.Event() for _ in bots]
    start = asyncio.Event()

    running = [
        asyncio.create_task(_pulls(mcp_serve.url, token, board_id, up, start))
        for (_, token), up in zip(bots, ready, strict=True)
    ]
    # Every session initialized first, so the twenty pulls are sent together.
    await asyncio.gather(*(up.wait() for up in ready))
    start.set()
    results = await asyncio.gather(*running)

    taken: list[int] = []
    refusals: list[str] = []
    for (bot, _), outcomes in zip(bots, results, strict=True):
        mine = []
        for result in outcomes:
            body = result.structured_content
            if result.is_error:
                refusals.append(body["type"])
            else:
                assert body["card"]["assignee_ids"] == [bot["id"]]
                mine.append(body["card"]["id"])
        assert len(mine) <= BOT_LIMIT
        taken += mine
    # Pulls stop exactly when the column is full: the column's limit binds first.
    assert len(taken) == len(set(taken)) == COLUMN_LIMIT
    assert len(refusals) == BOTS * PULLS_EACH - COLUMN_LIMIT
    assert set(refusals) <= {
        PROBLEMS + "wip-limit-exceeded",
        PROBLEMS + "person-wip-limit-exceeded",
    }
    # The board afterwards agrees.
    board = (await client.get(f"/api/boards/{board_id}")).json()
    active = [c for c in board["cards"] if c["column_id"] == cols["Investigating"]]
    assert sorted(c["id"] for c in active) == sorted(taken)
    assert next(c for c in board["columns"] if c["id"] == cols["Investigating"])["card_count"] == (
        COLUMN_LIMIT
    )
    for bot, _ in bots:
        held = [c for c in board["cards"] if bot["id"] in c["assignee_ids"]]
        assert len(held) <= BOT_LIMIT
        assert all(len(c["assignee_ids"]) == 1 for c in held)
    assert {c["id"] for c in backlog} >= set(taken)
