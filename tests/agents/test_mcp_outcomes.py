"""A bot's work to its outcome over MCP: a hand-over to people through a swarm, and a
resolution the customer confirms, counted in the support metrics at its reported cost."""

from __future__ import annotations

import uuid

import httpx

from tests import factories
from tests.agents.conftest import make_bot, mcp_session, ok, support_board
from tests.confirm.helpers import BLANK, path_of, requested


async def _ticket(client: httpx.AsyncClient, board_id: int, title: str) -> dict:
    body = {
        "external_ref": f"T-{uuid.uuid4().hex[:8]}",
        "title": title,
        "channel": "chat",
        "product": "Payments",
        "customer": {"ref": f"c-{uuid.uuid4().hex[:6]}", "email": "grace@example.com"},
    }
    r = await client.post(f"/api/boards/{board_id}/tickets", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_bot_hands_a_card_over_to_people(client, mcp_serve):
    board_id, cols = await support_board(client)
    bot, token = await make_bot(client, board_id)
    expert, _ = await factories.create_user(client, skills=[{"name": "Refunds", "level": 3}])
    await factories.add_member(client, board_id, expert["id"])
    card = await _ticket(client, board_id, "Refund never arrived")

    async with mcp_session(mcp_serve.url, token) as mcp:
        pulled = ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        ok(await mcp.call_tool("reply_to_customer", {"card_id": card["id"], "body": "Checking"}))
        swarm = ok(
            await mcp.call_tool(
                "request_swarm",
                {
                    "card_id": card["id"],
                    "skills": ["Refunds"],
                    "question": "The refund shows as sent but the bank has nothing.",
                    "tried": "Checked the payout log and the knowledge notes.",
                },
            )
        )
        after = ok(await mcp.call_tool("get_card", {"card_id": card["id"]}))

    assert pulled["card"]["id"] == card["id"]
    assert swarm["state"] == "open" and swarm["card_id"] == card["id"]
    assert swarm["requested_by"] == bot["id"]
    assert swarm["question"].startswith("The refund shows as sent")
    assert swarm["tried"] == "Checked the payout log and the knowledge notes."
    assert [i["user_id"] for i in swarm["invitations"]] == [expert["id"]]
    # A hand-over, with the bot's context for the people who take it.
    handover = swarm["handover"]
    assert (handover["by"]["id"], handover["by"]["kind"]) == (bot["id"], "bot")
    assert handover["tried"] == swarm["tried"]
    assert [i["kind"] for i in handover["interactions"]] == ["bot_reply"]
    # Handed over: the bot no longer holds the card, which stays in the active column.
    assert bot["id"] not in after["card"]["assignee_ids"]
    assert after["card"]["column_id"] == cols["Investigating"]
    assert [s["id"] for s in after["swarms"]] == [swarm["id"]]
    board = (await client.get(f"/api/boards/{board_id}/swarms?state=open")).json()
    assert [s["id"] for s in board["swarms"]] == [swarm["id"]]


async def test_a_confirmed_bot_resolution_is_counted_at_its_reported_cost(client, mcp_serve):
    board_id, cols = await support_board(client)
    bot, token = await make_bot(client, board_id)
    card = await _ticket(client, board_id, "How do I export my invoices?")

    async with mcp_session(mcp_serve.url, token) as mcp:
        ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        ok(
            await mcp.call_tool(
                "reply_to_customer",
                {"card_id": card["id"], "body": "Billing > Invoices > Export as CSV."},
            )
        )
        resolved = ok(
            await mcp.call_tool(
                "resolve_card",
                {
                    "card_id": card["id"],
                    "resolution": "Pointed the customer to the CSV export.",
                    "knowledge": "Invoices export: Billing > Invoices > Export as CSV",
                },
            )
        )
        usage = ok(
            await mcp.call_tool(
                "report_usage",
                {
                    "card_id": card["id"],
                    "model": "claude-sonnet",
                    "input_tokens": 1200,
                    "output_tokens": 300,
                    "cost_usd": 0.42,
                },
            )
        )

    assert resolved["column_id"] == cols["Resolved"]
    assert resolved["resolution"] == "Pointed the customer to the CSV export."
    assert (usage["card_id"], usage["user_id"], usage["cost_usd"]) == (card["id"], bot["id"], 0.42)
    # The customer follows the link they were sent (to this server) and says yes.
    link = path_of((await requested(client, board_id, card["id"]))["data"]["url"])
    async with httpx.AsyncClient(base_url=mcp_serve.url) as customer:
        answer = await customer.post(link, data={**BLANK, "solved": "yes"})
    assert answer.status_code == 303, answer.text

    r = await client.get(f"/api/boards/{board_id}/metrics/support")
    assert r.status_code == 200, r.text
    automation = r.json()["automation"]
    assert automation["bot_resolutions"] == 1
    assert (automation["confirmed"], automation["assumed"], automation["rejected"]) == (1, 0, 0)
    assert automation["confirmed_rate"] == 1.0
    assert automation["bot_cost_usd"] == 0.42
    assert automation["cost_per_confirmed_resolution_usd"] == 0.42
