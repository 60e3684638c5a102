"""Bots are principals: API tokens and MCP only, always agents, stopped by 'away'."""

from __future__ import annotations

from tests.factories import add_member, create_board, create_bot, create_card, events


async def test_a_bot_is_created_without_an_email_and_works_with_its_token(client, as_user):
    bot, token = await create_bot(client, skills=[{"name": "Billing"}], wip_limit=2)
    board = await create_board(client)
    await add_member(client, board["id"], bot["id"])

    me = await as_user(token).get("/api/users/me")
    card = await as_user(token).post(f"/api/boards/{board['id']}/cards", json={"title": "Bot's"})

    assert (bot["kind"], bot["role"], bot["wip_limit"]) == ("bot", "agent", 2)
    assert bot["email"].endswith("@bots.invalid")
    assert me.json()["kind"] == "bot"
    assert card.status_code == 201
    (created,) = [e for e in await events(client, board["id"]) if e["type"] == "card.created"]
    assert created["actor"] == {"id": bot["id"], "kind": "bot"}
    members = (await client.get(f"/api/boards/{board['id']}")).json()["members"]
    assert [m["kind"] for m in members if m["user_id"] == bot["id"]] == ["bot"]


async def test_a_bot_never_manages_and_never_gets_a_password(client):
    lead_bot = await client.post(
        "/api/users", json={"name": "Boss bot", "kind": "bot", "role": "lead"}
    )
    with_password = await client.post(
        "/api/users", json={"name": "Pw bot", "kind": "bot", "password": "long enough pw 1"}
    )
    person_without_email = await client.post("/api/users", json={"name": "Nobody"})
    bot, _ = await create_bot(client)
    board = await create_board(client)
    as_lead = await client.post(
        f"/api/boards/{board['id']}/members", json={"user_id": bot["id"], "role": "lead"}
    )
    promoted = await client.patch(f"/api/users/{bot['id']}", json={"role": "admin"})
    invited = await client.post(f"/api/users/{bot['id']}/invitation")

    assert lead_bot.status_code == 422
    assert with_password.status_code == 422
    assert person_without_email.status_code == 422
    assert person_without_email.json()["errors"][0]["field"] == "email"
    assert as_lead.status_code == 403 and as_lead.json()["type"].endswith("/bot-not-allowed")
    assert promoted.status_code == 403 and promoted.json()["type"].endswith("/bot-not-allowed")
    assert invited.status_code == 403 and invited.json()["type"].endswith("/bot-not-allowed")
    after = (await client.get(f"/api/users/{bot['id']}")).json()
    assert after["role"] == "agent"


async def test_away_stops_every_change_a_bot_asks_for_but_not_its_reads(client, as_user):
    bot, token = await create_bot(client)
    board = await create_board(client)
    await add_member(client, board["id"], bot["id"])
    card = await create_card(client, board["id"])
    done = board["columns"][-1]["id"]
    bot_client = as_user(token)

    await client.patch(f"/api/users/{bot['id']}", json={"availability": "away"})
    move = await bot_client.post(f"/api/cards/{card['id']}/move", json={"column_id": done})
    comment = await bot_client.post(f"/api/cards/{card['id']}/comments", json={"body": "hi"})
    resume_itself = await bot_client.patch(
        f"/api/users/{bot['id']}", json={"availability": "available"}
    )
    read = await bot_client.get(f"/api/cards/{card['id']}")

    for refused in (move, comment, resume_itself):
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/bot-away")
        assert "stopped" in refused.json()["detail"]
    assert read.status_code == 200 and read.json()["column_id"] == card["column_id"]
    await client.patch(f"/api/users/{bot['id']}", json={"availability": "available"})
    moved = await bot_client.post(f"/api/cards/{card['id']}/move", json={"column_id": done})
    assert moved.status_code == 200, moved.text


async def test_a_bot_cannot_change_its_own_limit_or_override_wip(client, as_user):
    bot, token = await create_bot(client, wip_limit=1)
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 0},
        ],
    )
    await add_member(client, board["id"], bot["id"])
    card = await create_card(client, board["id"])
    doing = board["columns"][1]["id"]

    raise_limit = await as_user(token).patch(f"/api/users/{bot['id']}", json={"wip_limit": 50})
    override = await as_user(token).post(
        f"/api/cards/{card['id']}/move", json={"column_id": doing, "override_reason": "urgent"}
    )

    assert raise_limit.status_code == 403
    assert override.status_code == 403
    assert override.json()["type"].endswith("/override-forbidden")
    assert (await client.get(f"/api/users/{bot['id']}")).json()["wip_limit"] == 1


async def test_a_bot_cannot_approve_an_insight(client, as_user):
    bot, token = await create_bot(client)
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Ready for product", "stage": "backlog"},
            {"name": "Delegated", "stage": "active"},
        ],
    )
    ready = board["columns"][1]["id"]
    await client.patch(f"/api/columns/{ready}", json={"requires_insight": True})
    await add_member(client, board["id"], bot["id"])
    card = await create_card(client, board["id"])

    r = await as_user(token).post(f"/api/cards/{card['id']}/move", json={"column_id": ready})

    assert r.status_code == 403
    assert r.json()["type"].endswith("/bot-not-allowed")
    assert "insight" in r.json()["detail"]
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == card["column_id"]
