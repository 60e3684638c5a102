"""MCP refusals carry the API's problem types: no token, other boards, WIP limits, the
kill switch, a viewer's token, bad arguments; a refused change writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp.shared.exceptions import MCPError

from app.main import create_app
from tests import factories
from tests.agents.conftest import PROBLEMS, make_bot, mcp_session, ok, refused, support_board

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


async def _last_seq(client: httpx.AsyncClient, board_id: int) -> int:
    return int((await client.get(f"/api/boards/{board_id}")).json()["last_seq"])


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Send an API token"),
        ("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"),
        ("Bearer sb_not_a_token_anyone_was_given", "unknown or revoked"),
    ],
)
async def test_without_a_valid_token_the_sdk_is_never_reached(
    mcp_serve, authorization: str | None, detail: str
):
    headers = {**MCP_HEADERS, **({"Authorization": authorization} if authorization else {})}
    async with httpx.AsyncClient() as http:
        r = await http.post(mcp_serve.url + "/mcp", json=INITIALIZE, headers=headers)

    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert body["type"] == PROBLEMS + "invalid-token" and detail in body["detail"]


async def test_a_revoked_token_or_a_deactivated_bot_stops_at_the_next_call(client, mcp_serve):
    board_id, _ = await support_board(client)
    bot, _ = await make_bot(client, board_id)
    other, other_token = await make_bot(client, board_id)
    issued = await client.post(f"/api/users/{bot['id']}/tokens", json={"name": "mcp"})
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}

    async with mcp_session(mcp_serve.url, token) as mcp:
        ok(await mcp.call_tool("list_boards", {}))
        r = await client.delete(f"/api/users/{bot['id']}/tokens/{issued.json()['id']}")
        assert r.status_code == 204, r.text
        # The open session's next call is refused: each call is resolved afresh.
        with pytest.raises(MCPError):
            await mcp.call_tool("list_boards", {})
        async with httpx.AsyncClient() as http:
            r = await http.post(mcp_serve.url + "/mcp", json=INITIALIZE, headers=headers)
    assert r.status_code == 401 and r.json()["type"] == PROBLEMS + "invalid-token"

    assert (await client.post(f"/api/users/{other['id']}/deactivate")).status_code == 200
    async with httpx.AsyncClient() as http:
        headers["Authorization"] = f"Bearer {other_token}"
        r = await http.post(mcp_serve.url + "/mcp", json=INITIALIZE, headers=headers)
    assert r.status_code == 401


async def test_a_board_you_are_not_on_is_not_found(client, mcp_serve):
    board_id, cols = await support_board(client)
    card = await factories.create_card(client, board_id)
    _, token = await make_bot(client)  # on no board
    seq = await _last_seq(client, board_id)
    card_id = card["id"]

    async with mcp_session(mcp_serve.url, token) as mcp:
        boards = ok(await mcp.call_tool("list_boards", {}))
        calls: list[tuple[str, dict[str, Any], str]] = [
            ("board_overview", {"board_id": board_id}, "board-not-found"),
            ("search_cards", {"board_id": board_id, "query": "x"}, "board-not-found"),
            ("pull_next_card", {"board_id": board_id}, "board-not-found"),
            ("get_card", {"card_id": card_id}, "card-not-found"),
            ("reply_to_customer", {"card_id": card_id, "body": "hi"}, "card-not-found"),
            ("add_comment", {"card_id": card_id, "body": "hi"}, "card-not-found"),
            ("move_card", {"card_id": card_id, "column_id": cols["Resolved"]}, "card-not-found"),
            (
                "request_swarm",
                {"card_id": card_id, "skills": ["x"], "question": "q", "tried": "t"},
                "card-not-found",
            ),
            ("resolve_card", {"card_id": card_id, "resolution": "done"}, "card-not-found"),
            (
                "report_usage",
                {
                    "card_id": card_id,
                    "model": "m",
                    "input_tokens": 1,
                    "output_tokens": 1,
                    "cost_usd": 0.1,
                },
                "card-not-found",
            ),
        ]
        for name, arguments, type_ in calls:
            refused(await mcp.call_tool(name, arguments), type_, 404)
        with pytest.raises(Exception, match="not-found"):
            await mcp.read_resource(f"swarmboard://cards/{card_id}")

    assert boards == {"boards": [], "total": 0}
    assert await _last_seq(client, board_id) == seq


async def test_wip_limits_refuse_pulls_and_moves_with_the_api_types(client, mcp_serve):
    board_id, cols = await support_board(client, active_limit=1)
    bot, token = await make_bot(client, board_id, wip_limit=1)
    person, person_token = await factories.create_user(client)
    await factories.add_member(client, board_id, person["id"])
    for _ in range(3):
        await factories.create_card(client, board_id)
    waiting = await factories.create_card(client, board_id, title="Waiting")

    async with mcp_session(mcp_serve.url, person_token) as mcp:
        ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))  # the column is full
    seq = await _last_seq(client, board_id)
    async with mcp_session(mcp_serve.url, token) as mcp:
        column = refused(
            await mcp.call_tool("pull_next_card", {"board_id": board_id}), "wip-limit-exceeded", 409
        )
        moved = refused(
            await mcp.call_tool(
                "move_card", {"card_id": waiting["id"], "column_id": cols["Investigating"]}
            ),
            "wip-limit-exceeded",
            409,
        )
        # A bot may not override a hard limit, with or without a reason.
        overridden = await mcp.call_tool(
            "move_card",
            {"card_id": waiting["id"], "column_id": cols["Investigating"], "reason": "urgent"},
        )
        assert overridden.is_error
        assert await _last_seq(client, board_id) == seq
        # Room in the column, but the bot's own limit (1) is reached by the card it holds.
        r = await client.patch(f"/api/columns/{cols['Investigating']}", json={"wip_limit": 10})
        assert r.status_code == 200, r.text
        ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        seq = await _last_seq(client, board_id)
        personal = refused(
            await mcp.call_tool("pull_next_card", {"board_id": board_id}),
            "person-wip-limit-exceeded",
            409,
        )

    assert column["detail"] and moved["detail"] and personal["detail"]
    assert await _last_seq(client, board_id) == seq
    board = (await client.get(f"/api/boards/{board_id}")).json()
    assert sum(bot["id"] in c["assignee_ids"] for c in board["cards"]) == 1


async def test_an_away_bot_is_refused_every_change_but_may_read(client, mcp_serve):
    board_id, _ = await support_board(client)
    bot, token = await make_bot(client, board_id)
    card = await factories.create_card(client, board_id)

    async with mcp_session(mcp_serve.url, token) as mcp:
        ok(await mcp.call_tool("pull_next_card", {"board_id": board_id}))
        r = await client.patch(f"/api/users/{bot['id']}", json={"availability": "away"})
        assert r.status_code == 200, r.text
        seq = await _last_seq(client, board_id)
        for name, arguments in [
            ("pull_next_card", {"board_id": board_id}),
            ("reply_to_customer", {"card_id": card["id"], "body": "hi"}),
            ("add_comment", {"card_id": card["id"], "body": "hi"}),
            ("resolve_card", {"card_id": card["id"], "resolution": "done"}),
        ]:
            body = refused(await mcp.call_tool(name, arguments), "bot-away", 409)
            assert "away" in body["detail"]
        ok(await mcp.call_tool("get_card", {"card_id": card["id"]}))

    assert await _last_seq(client, board_id) == seq


async def test_a_viewers_token_cannot_write(client, mcp_serve):
    board_id, cols = await support_board(client)
    card = await factories.create_card(client, board_id)
    viewer, token = await factories.create_user(client, role="viewer")
    await factories.add_member(client, board_id, viewer["id"])
    seq = await _last_seq(client, board_id)

    async with mcp_session(mcp_serve.url, token) as mcp:
        ok(await mcp.call_tool("board_overview", {"board_id": board_id}))
        for name, arguments in [
            ("pull_next_card", {"board_id": board_id}),
            ("add_comment", {"card_id": card["id"], "body": "hi"}),
            ("reply_to_customer", {"card_id": card["id"], "body": "hi"}),
            ("move_card", {"card_id": card["id"], "column_id": cols["Resolved"]}),
            ("resolve_card", {"card_id": card["id"], "resolution": "done"}),
        ]:
            refused(await mcp.call_tool(name, arguments), "role-forbidden", 403)

    assert await _last_seq(client, board_id) == seq


async def test_bad_arguments_are_a_validation_problem(client, mcp_serve):
    board_id, _ = await support_board(client)
    _, token = await make_bot(client, board_id)

    async with mcp_session(mcp_serve.url, token) as mcp:
        wrong_type = refused(
            await mcp.call_tool("get_card", {"card_id": "seven"}), "validation-error", 422
        )
        missing = refused(
            await mcp.call_tool("add_comment", {"card_id": 1}), "validation-error", 422
        )
        negative = refused(
            await mcp.call_tool(
                "report_usage",
                {
                    "card_id": 1,
                    "model": "m",
                    "input_tokens": -1,
                    "output_tokens": 0,
                    "cost_usd": 0,
                },
            ),
            "validation-error",
            422,
        )

    assert [e["field"] for e in wrong_type["errors"]] == ["card_id"]
    assert [e["field"] for e in missing["errors"]] == ["body"]
    assert [e["field"] for e in negative["errors"]] == ["input_tokens"]


async def test_mcp_can_be_turned_off(settings):
    off = create_app(settings.model_copy(update={"mcp_enabled": False}))
    async with (
        off.router.lifespan_context(off),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as http,
    ):
        r = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)

    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
