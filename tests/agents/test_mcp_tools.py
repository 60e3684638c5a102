"""Every MCP tool and resource succeeds through the official client against a real
``swarmboard serve``, and does what the HTTP API does (same services, same events)."""

from __future__ import annotations

import json
import uuid

from tests import factories
from tests.agents.conftest import make_bot, mcp_session, ok, support_board

TOOLS = {
    "list_boards",
    "board_overview",
    "search_cards",
    "get_card",
    "pull_next_card",
    "search_knowledge",
    "reply_to_customer",
    "add_comment",
    "move_card",
    "request_swarm",
    "resolve_card",
    "report_usage",
}


async def _ticket(client, board_id: int, title: str, **fields) -> dict:
    body = {
        "external_ref": f"T-{uuid.uuid4().hex[:8]}",
        "title": title,
        "channel": "email",
        "customer": {"ref": "cust-1", "name": "Ada", "email": "ada@example.com"},
        **fields,
    }
    r = await client.post(f"/api/boards/{board_id}/tickets", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_tools_and_resources_are_listed(client, mcp_serve):
    _, token = await make_bot(client)

    async with mcp_session(mcp_serve.url, token) as mcp:
        tools = (await mcp.list_tools()).tools
        templates = (await mcp.list_resource_templates()).resource_templates

    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema is not None, tool.name  # structured results
    assert {t.uri_template for t in templates} == {
        "swarmboard://boards/{board_id}/overview",
        "swarmboard://cards/{card_id}",
    }


async def test_reading_a_board_its_cards_and_knowledge(client, mcp_serve):
    board_id, _ = await support_board(client)
    _, token = await make_bot(client, board_id, skills=[{"name": "Billing"}])
    # An earlier case, resolved by a swarm with a knowledge note.
    old = await factories.create_card(client, board_id, title="Invoice shows the wrong VAT")
    r = await client.post(
        f"/api/cards/{old['id']}/swarms",
        json={"skills": ["Billing"], "question": "Why is the VAT wrong?", "tried": "Recalc"},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/swarms/{r.json()['id']}/resolve",
        json={"outcome": "Fixed", "knowledge": "Wrong VAT on an invoice: reset the tax region"},
    )
    assert r.status_code == 200, r.text
    card = await _ticket(client, board_id, "VAT wrong on my invoice")
    r = await client.post(f"/api/cards/{card['id']}/comments", json={"body": "Known issue?"})
    assert r.status_code == 201, r.text
    # An open swarm that needs the bot's skill.
    other = await factories.create_card(client, board_id, title="Refund stuck")
    r = await client.post(
        f"/api/cards/{other['id']}/swarms",
        json={"skills": ["Billing"], "question": "Where is the refund?", "tried": "Waited"},
    )
    assert r.status_code == 201, r.text

    async with mcp_session(mcp_serve.url, token) as mcp:
        boards = ok(await mcp.call_tool("list_boards", {}))
        overview = ok(await mcp.call_tool("board_overview", {"board_id": board_id}))
        found = ok(
            await mcp.call_tool(
                "search_cards", {"board_id": board_id, "query": "vat wrong", "channel": "email"}
            )
        )
        detail = ok(await mcp.call_tool("get_card", {"card_id": card["id"]}))
        knowledge = ok(await mcp.call_tool("search_knowledge", {"query": "tax region"}))
        resource = await mcp.read_resource(f"swarmboard://cards/{card['id']}")
        board_resource = await mcp.read_resource(f"swarmboard://boards/{board_id}/overview")

    assert [b["id"] for b in boards["boards"]] == [board_id]
    assert [(c["name"], c["wip_limit"]) for c in overview["columns"]] == [
        ("Triage", None),
        ("Investigating", 3),
        ("Resolved", None),
    ]
    counts = {c["name"]: c["card_count"] for c in overview["columns"]}
    assert counts == {"Triage": 3, "Investigating": 0, "Resolved": 0}
    assert overview["my_cards"] == []
    assert [s["card_id"] for s in overview["swarms_needing_my_skills"]] == [other["id"]]
    assert [c["id"] for c in found["items"]] == [card["id"]]
    assert detail["card"]["id"] == card["id"]
    assert detail["customer"]["ref"] == "cust-1" and detail["customer"]["name"] == "Ada"
    assert [c["body"] for c in detail["comments"]] == ["Known issue?"]
    assert {a["type"] for a in detail["activity"]} >= {"card.created", "card.commented"}
    assert [k["card_id"] for k in detail["related_knowledge"]] == [old["id"]]
    assert [k["card_id"] for k in knowledge["items"]] == [old["id"]]
    assert json.loads(resource.contents[0].text) == detail  # type: ignore[union-attr]
    assert json.loads(board_resource.contents[0].text) == overview  # type: ignore[union-attr]
    assert resource.contents[0].mime_type == "application/json"


async def test_a_bot_pulls_replies_comments_and_moves_as_a_bot(client, mcp_serve):
    board_id, cols = await support_board(client)
    bot, token = await make_bot(client, board_id)
    low = await _ticket(client, board_id, "Font looks odd", priority="low")
    urgent = await _ticket(client, board_id, "Site down", priority="urgent")
    seq = (await client.get(f"/api/boards/{board_id}")).json()["last_seq"]

    async with mcp_session(mcp_serve.url, token) as mcp:
        first = ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        second = ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        empty = ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        replied = ok(
            await mcp.call_tool("reply_to_customer", {"card_id": urgent["id"], "body": "On it"})
        )
        comment = ok(
            await mcp.call_tool("add_comment", {"card_id": urgent["id"], "body": "Checking logs"})
        )
        moved = ok(
            await mcp.call_tool("move_card", {"card_id": low["id"], "column_id": cols["Triage"]})
        )
        overview = ok(await mcp.call_tool("board_overview", {"board_id": board_id}))

    # Highest priority first; both assigned to the bot in the first active column.
    assert first["card"]["id"] == urgent["id"] and second["card"]["id"] == low["id"]
    for pulled in (first, second):
        assert pulled["card"]["assignee_ids"] == [bot["id"]]
        assert pulled["card"]["column_id"] == cols["Investigating"]
    assert empty["card"] is None and "Nothing to pull" in empty["message"]
    assert (replied["kind"], replied["actor_kind"], replied["body"]) == (
        "bot_reply",
        "bot",
        "On it",
    )
    assert comment["author_id"] == bot["id"] and comment["body"] == "Checking logs"
    assert moved["column_id"] == cols["Triage"]
    assert {c["id"] for c in overview["my_cards"]} == {urgent["id"], low["id"]}
    # The same events as the API's, each caused by the bot.
    changes = await factories.events(client, board_id, since=seq)
    assert {e["type"] for e in changes} >= {
        "card.moved",
        "interaction.recorded",
        "card.commented",
    }
    assert all(e["actor"]["kind"] == "bot" and e["actor"]["id"] == bot["id"] for e in changes)


async def test_a_person_drives_the_board_with_their_own_token(client, mcp_serve):
    board_id, _ = await support_board(client)
    person, token = await factories.create_user(client)
    await factories.add_member(client, board_id, person["id"])
    card = await _ticket(client, board_id, "Password reset mail missing")

    async with mcp_session(mcp_serve.url, token) as mcp:
        pulled = ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        replied = ok(
            await mcp.call_tool("reply_to_customer", {"card_id": card["id"], "body": "Resent"})
        )

    assert pulled["card"]["id"] == card["id"] and pulled["card"]["assignee_ids"] == [person["id"]]
    assert (replied["kind"], replied["actor_kind"]) == ("agent_reply", "user")
