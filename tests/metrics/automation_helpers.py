"""An automation scenario built through the public API: bots resolve three cards (the
customer confirms one through the real link, rejects one, lets one expire) and hand one
over, which people then solve and the customer confirms; a person closes one alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.confirm.helpers import BLANK, expire, path_of, requested
from tests.factories import add_member, create_board, create_card, create_user


async def make_bot(client: httpx.AsyncClient, board_id: int) -> tuple[dict[str, Any], str]:
    r = await client.post("/api/users", json={"name": f"Bot {uuid.uuid4().hex[:6]}", "kind": "bot"})
    assert r.status_code == 201, r.text
    await add_member(client, board_id, r.json()["id"])
    return r.json(), r.json()["token"]


async def ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return dict(r.json())


async def answer(client, as_user, board_id: int, card_id: int, solved: str) -> None:
    path = path_of((await requested(client, board_id, card_id))["data"]["url"])
    r = await as_user(None).post(path, data={**BLANK, "solved": solved})
    assert r.status_code == 303, r.text


async def automation(client: httpx.AsyncClient, board_id: int, **params: str) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/metrics/support", params=params)
    return dict((await ok(r))["automation"])


async def scenario(client, as_user, app) -> tuple[int, dict[str, int]]:
    """Bots resolve three cards (confirmed, rejected, expired) and hand one over, which
    a person then solves and the customer confirms; a person closes one more alone."""
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    board_id = board["id"]
    cols = {c["name"]: c["id"] for c in board["columns"]}
    bot, token = await make_bot(client, board_id)
    helper, _ = await create_user(client, role="agent", skills=[{"name": "SSO"}])
    await add_member(client, board_id, helper["id"])
    bot_api = as_user(token)
    ids: dict[str, int] = {}
    for name, channel, product in (
        ("confirmed", "chat", "Billing"),
        ("rejected", "email", "Billing"),
        ("expired", "chat", "SSO"),
        ("handed", "chat", "SSO"),
        ("people", "email", "SSO"),
    ):
        assignees = [] if name == "people" else [bot["id"]]
        card = await create_card(
            client,
            board_id,
            column_id=cols["Investigating"],
            channel=channel,
            product=product,
            assignee_ids=assignees,
        )
        ids[name] = card["id"]
    for name, cost in (("confirmed", 0.3), ("rejected", 0.2), ("expired", 0.1)):
        usage = {"model": "m", "input_tokens": 1000, "output_tokens": 100, "cost_usd": cost}
        await ok(await bot_api.post(f"/api/cards/{ids[name]}/usage", json=usage), 201)
        await ok(
            await bot_api.post(f"/api/cards/{ids[name]}/resolve", json={"resolution": "Fixed."})
        )
    await answer(client, as_user, board_id, ids["confirmed"], "yes")
    await answer(client, as_user, board_id, ids["rejected"], "no")
    await expire(app, ids["expired"])
    # The hand-over: the bot replied, could not solve it, asked for people.
    turn = {"kind": "bot_reply", "actor_kind": "bot", "body": "Try clearing cookies."}
    await ok(await bot_api.post(f"/api/cards/{ids['handed']}/interactions", json=turn), 201)
    ask = {"skills": ["SSO"], "question": "SSO loops", "tried": "Cookies."}
    swarm = await ok(await bot_api.post(f"/api/cards/{ids['handed']}/swarms", json=ask), 201)
    done = {"outcome": "Clock skew", "knowledge": "Check the IdP clock."}
    await ok(await client.post(f"/api/swarms/{swarm['id']}/resolve", json=done))
    reply = {"kind": "agent_reply", "actor_kind": "user", "body": "Fixed", "handle_seconds": 1800}
    await ok(await client.post(f"/api/cards/{ids['handed']}/interactions", json=reply), 201)
    for name in ("handed", "people"):
        move = {"column_id": cols["Resolved"]}
        await ok(await client.post(f"/api/cards/{ids[name]}/move", json=move))
    await answer(client, as_user, board_id, ids["handed"], "yes")
    return board_id, ids
