"""Boards, columns, lanes and members through the API, as leads and their teams use them."""

from __future__ import annotations

import pytest

from tests.factories import add_member, create_board, create_card, create_user, events

PROBLEM = "application/problem+json"


async def test_create_board_returns_its_columns_in_order(client):
    r = await client.post(
        "/api/boards",
        json={
            "name": "Payments support",
            "columns": [
                {"name": "Triage", "stage": "backlog"},
                {
                    "name": "Investigating",
                    "stage": "active",
                    "wip_limit": 4,
                    "wip_policy": "soft",
                    "stall_after_seconds": 3600,
                },
                {"name": "Resolved", "stage": "done"},
            ],
            "lanes": [{"name": "Expedite", "wip_limit": 1}, {"name": "Standard"}],
        },
    )
    assert r.status_code == 201, r.text
    board = r.json()
    assert board["name"] == "Payments support"
    assert [c["name"] for c in board["columns"]] == ["Triage", "Investigating", "Resolved"]
    for col in board["columns"]:
        assert {"id", "stage", "wip_limit", "wip_policy", "stall_after_seconds"} <= col.keys()
        assert col["card_count"] == 0
    triage, inv, done = board["columns"]
    assert (triage["stage"], triage["wip_limit"], triage["wip_policy"]) == ("backlog", None, "hard")
    assert (inv["stage"], inv["wip_limit"], inv["wip_policy"]) == ("active", 4, "soft")
    assert inv["stall_after_seconds"] == 3600 and done["stage"] == "done"
    assert [lane["name"] for lane in board["lanes"]] == ["Expedite", "Standard"]
    assert board["lanes"][0]["wip_limit"] == 1
    assert board["cards"] == [] and board["last_seq"] >= 1
    fetched = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [c["id"] for c in fetched["columns"]] == [c["id"] for c in board["columns"]]


async def test_agent_cannot_create_a_board(client, as_user):
    _, token = await create_user(client, role="agent")
    r = await as_user(token).post(
        "/api/boards", json={"name": "Mine", "columns": [{"name": "Todo"}]}
    )
    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM


async def test_admin_sees_every_board_and_a_member_only_theirs(client, as_user):
    lead, lead_token = await create_user(client, role="lead")
    lead_client = as_user(lead_token)
    own = (
        await lead_client.post("/api/boards", json={"name": "Lead's", "columns": [{"name": "A"}]})
    ).json()
    other = await create_board(client)

    mine = (await lead_client.get("/api/boards")).json()
    assert [b["id"] for b in mine["boards"]] == [own["id"]]
    assert mine["total"] == 1

    admin_total = (await client.get("/api/boards", params={"limit": 1})).json()["total"]
    offset = admin_total - 2
    tail = (await client.get("/api/boards", params={"limit": 2, "offset": offset})).json()
    assert [b["id"] for b in tail["boards"]] == [own["id"], other["id"]]
    assert (tail["limit"], tail["offset"], tail["total"]) == (2, offset, admin_total)
    assert {"id", "name", "created_at", "last_seq"} <= tail["boards"][0].keys()

    await add_member(client, other["id"], lead["id"])
    mine = (await lead_client.get("/api/boards", params={"limit": 1, "offset": 1})).json()
    assert mine["total"] == 2 and [b["id"] for b in mine["boards"]] == [other["id"]]


async def test_non_member_gets_404_everywhere_on_a_board(client, as_user):
    board = await create_board(client)
    col = board["columns"][1]["id"]
    card = await create_card(client, board["id"])
    outsider, token = await create_user(client, role="lead")
    c = as_user(token)
    seq_before = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    responses = [
        await c.get(f"/api/boards/{board['id']}"),
        await c.get(f"/api/boards/{board['id']}/events"),
        await c.patch(f"/api/columns/{col}", json={"wip_limit": 99}),
        await c.post(f"/api/cards/{card['id']}/move", json={"column_id": col}),
        await c.patch(f"/api/cards/{card['id']}", json={"title": "hijacked"}),
        await c.get(f"/api/cards/{card['id']}"),
        await c.post(f"/api/boards/{board['id']}/members", json={"user_id": outsider["id"]}),
        await c.post(f"/api/boards/{board['id']}/cards", json={"title": "x"}),
        await c.post(f"/api/boards/{board['id']}/lanes", json={"name": "x"}),
    ]

    for r in responses:
        assert r.status_code == 404, (r.request.url, r.text)
        assert r.headers["content-type"] == PROBLEM
    # The 404 for an existing board reads the same as for a missing one.
    missing = await c.get("/api/boards/2147483647")
    assert missing.status_code == 404
    assert missing.json()["type"] == responses[0].json()["type"]
    after = (await client.get(f"/api/boards/{board['id']}")).json()
    assert after["last_seq"] == seq_before
    assert after["columns"][1]["wip_limit"] == board["columns"][1]["wip_limit"]
    assert (await client.get(f"/api/cards/{card['id']}")).json()["title"] == card["title"]


@pytest.mark.parametrize("role", ["viewer", "facilitator"])
async def test_read_only_roles_can_read_but_not_touch_cards(client, as_user, role):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    person, token = await create_user(client, role=role)
    await add_member(client, board["id"], person["id"])
    c = as_user(token)

    assert (await c.get(f"/api/boards/{board['id']}")).status_code == 200
    assert (await c.get(f"/api/cards/{card['id']}")).status_code == 200
    assert (await c.get(f"/api/boards/{board['id']}/events")).status_code == 200
    created = await c.post(f"/api/boards/{board['id']}/cards", json={"title": "nope"})
    moved = await c.post(
        f"/api/cards/{card['id']}/move", json={"column_id": board["columns"][1]["id"]}
    )

    for r in (created, moved):
        assert r.status_code == 403, r.text
        assert r.json()["type"].endswith("role-forbidden")
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [c["id"] for c in detail["cards"]] == [card["id"]]
    assert detail["cards"][0]["column_id"] == board["columns"][0]["id"]


async def test_agent_cannot_change_a_column(client, as_user):
    board = await create_board(client)
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    col = board["columns"][1]

    r = await as_user(token).patch(f"/api/columns/{col['id']}", json={"wip_limit": 50})

    assert r.status_code == 403
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["columns"][1]["wip_limit"] == col["wip_limit"]


async def test_board_role_lead_lets_a_global_agent_change_columns(client, as_user):
    board = await create_board(client)
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"], role="lead")
    col = board["columns"][1]["id"]

    r = await as_user(token).patch(f"/api/columns/{col}", json={"wip_limit": 7})

    assert r.status_code == 200, r.text
    assert r.json()["wip_limit"] == 7
    members = (await client.get(f"/api/boards/{board['id']}")).json()["members"]
    assert {"user_id": agent["id"], "role": "lead"}.items() <= next(
        m for m in members if m["user_id"] == agent["id"]
    ).items()


async def test_lowering_a_wip_limit_applies_to_the_next_move(client):
    board = await create_board(client)
    inv = board["columns"][1]["id"]
    await create_card(client, board["id"], column_id=inv)
    waiting = await create_card(client, board["id"])

    r = await client.patch(f"/api/columns/{inv}", json={"wip_limit": 1, "name": "Doing"})
    assert r.status_code == 200, r.text
    assert (r.json()["wip_limit"], r.json()["name"], r.json()["card_count"]) == (1, "Doing", 1)

    refused = await client.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})
    assert refused.status_code == 409
    assert refused.json()["limit"] == 1

    # Lifting the limit (null) admits it.
    lifted = await client.patch(f"/api/columns/{inv}", json={"wip_limit": None})
    assert lifted.status_code == 200 and lifted.json()["wip_limit"] is None
    ok = await client.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})
    assert ok.status_code == 200, ok.text


async def test_board_shows_card_count_per_column(client):
    board = await create_board(client)
    triage, inv, done = (c["id"] for c in board["columns"])
    for _ in range(3):
        await create_card(client, board["id"])
    for _ in range(2):
        await create_card(client, board["id"], column_id=inv)
    moved = await create_card(client, board["id"])
    await client.post(f"/api/cards/{moved['id']}/move", json={"column_id": done})

    detail = (await client.get(f"/api/boards/{board['id']}")).json()

    assert [c["card_count"] for c in detail["columns"]] == [3, 2, 1]
    assert len(detail["cards"]) == 6
    assert [c["column_id"] for c in detail["cards"]] == [triage] * 3 + [inv] * 2 + [done]


async def test_adding_the_same_member_twice_is_a_409(client):
    board = await create_board(client)
    user, _ = await create_user(client)
    await add_member(client, board["id"], user["id"])
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    r = await client.post(f"/api/boards/{board['id']}/members", json={"user_id": user["id"]})

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [m["user_id"] for m in detail["members"]].count(user["id"]) == 1
    assert detail["last_seq"] == seq


async def test_adding_a_missing_user_is_a_404(client):
    board = await create_board(client)
    r = await client.post(f"/api/boards/{board['id']}/members", json={"user_id": 2147483647})
    assert r.status_code == 404
    assert r.json()["type"].endswith("user-not-found")
    members = (await client.get(f"/api/boards/{board['id']}")).json()["members"]
    assert len(members) == 1  # just the creator


async def test_removed_member_loses_access(client, as_user):
    board = await create_board(client)
    user, token = await create_user(client)
    await add_member(client, board["id"], user["id"])
    assert (await as_user(token).get(f"/api/boards/{board['id']}")).status_code == 200

    r = await client.delete(f"/api/boards/{board['id']}/members/{user['id']}")

    assert r.status_code == 204
    assert (await as_user(token).get(f"/api/boards/{board['id']}")).status_code == 404
    again = await client.delete(f"/api/boards/{board['id']}/members/{user['id']}")
    assert again.status_code == 404


async def test_lanes_can_be_added_and_changed(client):
    board = await create_board(client, lanes=[{"name": "Standard"}])

    r = await client.post(f"/api/boards/{board['id']}/lanes", json={"name": "Expedite"})
    assert r.status_code == 201, r.text
    lane = r.json()
    assert (lane["name"], lane["wip_limit"], lane["board_id"]) == ("Expedite", None, board["id"])
    assert lane["position"] == board["lanes"][0]["position"] + 1

    r = await client.patch(f"/api/lanes/{lane['id']}", json={"wip_limit": 2})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["wip_limit"]) == ("Expedite", 2)
    r = await client.patch(f"/api/lanes/{lane['id']}", json={"name": "Urgent"})
    assert (r.json()["name"], r.json()["wip_limit"]) == ("Urgent", 2)

    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [(x["name"], x["wip_limit"]) for x in detail["lanes"]] == [
        ("Standard", None),
        ("Urgent", 2),
    ]
    assert (await client.patch("/api/lanes/2147483647", json={"name": "x"})).status_code == 404


async def test_agent_cannot_add_or_change_lanes(client, as_user):
    board = await create_board(client, lanes=[{"name": "Standard"}])
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    c = as_user(token)
    assert (await c.post(f"/api/boards/{board['id']}/lanes", json={"name": "X"})).status_code == 403
    lane = board["lanes"][0]["id"]
    assert (await c.patch(f"/api/lanes/{lane}", json={"wip_limit": 1})).status_code == 403
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [(x["name"], x["wip_limit"]) for x in detail["lanes"]] == [("Standard", None)]


async def test_new_column_goes_to_the_right_end(client):
    board = await create_board(client)
    r = await client.post(
        f"/api/boards/{board['id']}/columns", json={"name": "Closed", "stage": "done"}
    )
    assert r.status_code == 201, r.text
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [c["name"] for c in detail["columns"]][-1] == "Closed"
    assert [e["type"] for e in await events(client, board["id"])][-1] == "column.created"
