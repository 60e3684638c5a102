"""Outcomes over HTTP: usage reports (POST/GET /api/cards/{id}/usage) and resolutions
(POST /api/cards/{id}/resolve), with the access rules, the kill switch and WIP limits."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import add_member, create_board, create_bot, create_card, create_user, events

USAGE = {"model": "claude-x", "input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.0125}


def _cols(board: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


async def _seq(client, board_id: int) -> int:
    return int((await client.get(f"/api/boards/{board_id}")).json()["last_seq"])


async def test_a_bot_reports_usage_and_the_card_lists_it_with_totals(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    bot, token = await create_bot(client, board["id"])

    first = await as_user(token).post(f"/api/cards/{card['id']}/usage", json=USAGE)
    second = await as_user(token).post(
        f"/api/cards/{card['id']}/usage",
        json={"model": "claude-y", "input_tokens": 800, "output_tokens": 0, "cost_usd": 0.5},
    )
    listed = await client.get(f"/api/cards/{card['id']}/usage")

    assert first.status_code == 201, first.text
    body = first.json()
    assert {k: body[k] for k in USAGE} == USAGE
    assert body["card_id"] == card["id"] and body["board_id"] == board["id"]
    assert body["user_id"] == bot["id"]
    assert second.status_code == 201, second.text
    page = listed.json()
    assert [u["model"] for u in page["items"]] == ["claude-x", "claude-y"]
    assert page["totals"] == {"input_tokens": 2000, "output_tokens": 300, "cost_usd": 0.5125}
    logged = [e for e in await events(client, board["id"]) if e["type"] == "card.usage_reported"]
    assert len(logged) == 2
    assert (logged[0]["actor"]["id"], logged[0]["actor"]["kind"]) == (bot["id"], "bot")
    assert logged[0]["data"] == {"card_id": card["id"], **USAGE, "user_id": bot["id"]}


async def test_bad_usage_is_a_422_and_writes_nothing(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    _, token = await create_bot(client, board["id"])
    seq = await _seq(client, board["id"])
    for bad in (
        {**USAGE, "input_tokens": -1},
        {**USAGE, "output_tokens": -5},
        {**USAGE, "cost_usd": -0.01},
        {**USAGE, "model": ""},
        {**USAGE, "output_tokens": 2_000_000_001},
        {k: v for k, v in USAGE.items() if k != "model"},
    ):
        r = await as_user(token).post(f"/api/cards/{card['id']}/usage", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/api/cards/{card['id']}/usage")).json()["items"] == []
    assert await _seq(client, board["id"]) == seq
    # The largest report is stored whole, on PostgreSQL's INTEGER columns too.
    most = {**USAGE, "input_tokens": 2_000_000_000, "output_tokens": 2_000_000_000}
    r = await as_user(token).post(f"/api/cards/{card['id']}/usage", json=most)
    assert r.status_code == 201, r.text
    totals = (await client.get(f"/api/cards/{card['id']}/usage")).json()["totals"]
    assert totals["input_tokens"] == totals["output_tokens"] == 2_000_000_000


async def test_a_stranger_gets_404_a_viewer_403_and_an_away_bot_is_stopped(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    bot, token = await create_bot(client, board["id"])
    viewer, viewer_token = await create_user(client, role="viewer")
    await add_member(client, board["id"], viewer["id"])
    _, stranger = await create_user(client, role="agent")
    await client.patch(f"/api/users/{bot['id']}", json={"availability": "away"})
    seq = await _seq(client, board["id"])
    resolve = {"resolution": "Reset the password."}

    for who, status, type_ in ((token, 409, "bot-away"), (viewer_token, 403, "role-forbidden")):
        used = await as_user(who).post(f"/api/cards/{card['id']}/usage", json=USAGE)
        solved = await as_user(who).post(f"/api/cards/{card['id']}/resolve", json=resolve)
        for r in (used, solved):
            assert r.status_code == status, r.text
            assert r.json()["type"].endswith("/" + type_)
    for r in (
        await as_user(stranger).post(f"/api/cards/{card['id']}/usage", json=USAGE),
        await as_user(stranger).post(f"/api/cards/{card['id']}/resolve", json=resolve),
        await as_user(stranger).get(f"/api/cards/{card['id']}/usage"),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["type"].endswith("/card-not-found")
    assert (await as_user(viewer_token).get(f"/api/cards/{card['id']}/usage")).status_code == 200
    assert await _seq(client, board["id"]) == seq
    current = (await client.get(f"/api/cards/{card['id']}")).json()
    assert current["resolution"] is None and current["column_id"] == card["column_id"]


async def test_resolving_moves_the_card_to_done_and_asks_the_customer(client, as_user):
    board = await create_board(client)
    cols = _cols(board)
    bot, token = await create_bot(client, board["id"])
    card = await create_card(
        client, board["id"], column_id=cols["Investigating"], assignee_ids=[bot["id"]]
    )
    seq = await _seq(client, board["id"])

    r = await as_user(token).post(
        f"/api/cards/{card['id']}/resolve",
        json={"resolution": "Cleared the SSO cache.", "knowledge": "SSO loops: clear the cache."},
    )

    assert r.status_code == 200, r.text
    done = r.json()
    assert done["column_id"] == cols["Resolved"]
    assert done["resolution"] == "Cleared the SSO cache."
    assert r.headers["etag"] == f'"{done["version"]}"'
    assert (await client.get(f"/api/cards/{card['id']}")).json()["resolution"] == done["resolution"]
    logged = await events(client, board["id"], since=seq)
    types = [e["type"] for e in logged]
    assert types.index("card.moved") < types.index("card.resolved")
    assert "confirmation.requested" in types
    moved = logged[types.index("card.moved")]
    assert moved["actor"]["kind"] == "bot" and moved["data"]["to_stage"] == "done"
    resolved = logged[types.index("card.resolved")]
    assert resolved["actor"]["kind"] == "bot"
    assert resolved["data"] == {
        "card_id": card["id"],
        "resolution": "Cleared the SSO cache.",
        "knowledge": "SSO loops: clear the cache.",
        "by": "bot",
    }
    confirmation = await client.get(f"/api/cards/{card['id']}/confirmation")
    assert confirmation.status_code == 200 and confirmation.json()["state"] == "pending"


async def test_resolving_into_a_full_done_column_is_refused_and_writes_nothing(client, as_user):
    board = await create_board(
        client,
        columns=[
            {"name": "Doing", "stage": "active"},
            {"name": "Done", "stage": "done", "wip_limit": 1},
        ],
    )
    cols = _cols(board)
    await create_card(client, board["id"], column_id=cols["Done"])
    card = await create_card(client, board["id"], column_id=cols["Doing"])
    _, token = await create_bot(client, board["id"])
    seq = await _seq(client, board["id"])

    r = await as_user(token).post(f"/api/cards/{card['id']}/resolve", json={"resolution": "Fixed."})

    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/wip-limit-exceeded")
    assert await _seq(client, board["id"]) == seq
    current = (await client.get(f"/api/cards/{card['id']}")).json()
    assert current["column_id"] == cols["Doing"] and current["resolution"] is None


async def test_a_blank_resolution_is_a_422(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    _, token = await create_bot(client, board["id"])
    for body in ({"resolution": ""}, {"resolution": "   "}, {}):
        r = await as_user(token).post(f"/api/cards/{card['id']}/resolve", json=body)
        assert r.status_code == 422, (body, r.text)


async def test_a_bots_swarm_request_hands_the_card_over_with_its_conversation(client, as_user):
    board = await create_board(client)
    cols = _cols(board)
    person, _ = await create_user(client, role="agent", skills=[{"name": "SSO"}])
    await add_member(client, board["id"], person["id"])
    bot, token = await create_bot(client, board["id"])
    card = await create_card(
        client,
        board["id"],
        column_id=cols["Investigating"],
        assignee_ids=[bot["id"], person["id"]],
    )
    said = [
        ("customer_message", "user", "SSO keeps looping."),
        ("bot_reply", "bot", "Please clear your cookies."),
    ]
    for kind, actor_kind, body in said:
        r = await as_user(token).post(
            f"/api/cards/{card['id']}/interactions",
            json={"kind": kind, "actor_kind": actor_kind, "body": body},
        )
        assert r.status_code == 201, r.text
    seq = await _seq(client, board["id"])

    r = await as_user(token).post(
        f"/api/cards/{card['id']}/swarms",
        json={"skills": ["SSO"], "question": "Why does SSO loop?", "tried": "Cookies."},
    )

    assert r.status_code == 201, r.text
    swarm = r.json()
    handover = swarm["handover"]
    assert handover["by"] == {"id": bot["id"], "name": bot["name"], "kind": "bot"}
    assert handover["question"] == "Why does SSO loop?" and handover["tried"] == "Cookies."
    assert [(i["kind"], i["actor_kind"], i["body"]) for i in handover["interactions"]] == said
    assert [i["user_id"] for i in swarm["invitations"]] == [person["id"]]
    assert (await client.get(f"/api/cards/{card['id']}")).json()["assignee_ids"] == [person["id"]]
    logged = await events(client, board["id"], since=seq)
    requested = next(e for e in logged if e["type"] == "swarm.requested")
    assert requested["data"]["handover"] is True
    updated = next(e for e in logged if e["type"] == "card.updated")
    assert updated["actor"]["kind"] == "bot"
    assert updated["data"]["unassigned"] == [bot["id"]] and updated["data"]["assigned"] == []
    again = (await client.get(f"/api/swarms/{swarm['id']}")).json()
    assert again["handover"] == handover


async def test_a_persons_swarm_request_is_no_hand_over(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    r = await client.post(
        f"/api/cards/{card['id']}/swarms",
        json={"skills": ["SSO"], "question": "Why?", "tried": "Nothing yet."},
    )
    assert r.status_code == 201, r.text
    assert r.json()["handover"] is None
    requested = [e for e in await events(client, board["id"]) if e["type"] == "swarm.requested"]
    assert requested[-1]["data"]["handover"] is False


async def test_the_cards_activity_tells_the_usage_and_the_resolution(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"], column_id=_cols(board)["Investigating"])
    _, token = await create_bot(client, board["id"])
    await as_user(token).post(f"/api/cards/{card['id']}/usage", json=USAGE)
    await as_user(token).post(
        f"/api/cards/{card['id']}/resolve",
        json={"resolution": "Reset the token.", "knowledge": "Tokens expire after 90 days."},
    )

    r = await client.get(f"/api/cards/{card['id']}/activity")

    lines = {i["type"]: i for i in r.json()["items"]}
    usage = lines["card.usage_reported"]
    assert (
        usage["summary"] == "Reported usage: 1,200 tokens in, 300 tokens out on claude-x ($0.0125)"
    )
    assert usage["actor"]["kind"] == "bot"
    assert lines["card.resolved"]["summary"] == (
        "Resolved: “Reset the token.” (knowledge: “Tokens expire after 90 days.”)"
    )


async def test_cards_ndjson_carries_each_cards_usage_and_resolution(client, as_user):
    board = await create_board(client)
    worked = await create_card(client, board["id"], column_id=_cols(board)["Investigating"])
    untouched = await create_card(client, board["id"])
    _, token = await create_bot(client, board["id"])
    for cost in (0.25, 0.5):
        await as_user(token).post(
            f"/api/cards/{worked['id']}/usage", json={**USAGE, "cost_usd": cost}
        )
    await as_user(token).post(f"/api/cards/{worked['id']}/resolve", json={"resolution": "Done."})

    r = await client.get(f"/api/boards/{board['id']}/export/cards.ndjson")

    assert r.status_code == 200, r.text
    lines = {c["id"]: c for c in map(json.loads, r.text.splitlines())}
    assert lines[worked["id"]]["usage"] == {
        "input_tokens": 2400,
        "output_tokens": 600,
        "cost_usd": 0.75,
    }
    assert lines[worked["id"]]["resolution"] == "Done."
    assert lines[untouched["id"]]["usage"] == {
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
    }
    assert lines[untouched["id"]]["resolution"] is None
