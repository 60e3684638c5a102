"""Lanes (order, removal) and members' board roles, as a lead manages them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_member, create_board, create_card, create_user, events

LANES = [{"name": "Expedite", "wip_limit": 1}, {"name": "Standard"}, {"name": "Internal"}]


async def _board(client: httpx.AsyncClient, board_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_lane_moves_to_a_position(client):
    board = await create_board(client, lanes=LANES)
    internal = board["lanes"][2]["id"]
    r = await client.patch(f"/api/lanes/{internal}", json={"position": 0})
    assert r.status_code == 200, r.text
    after = await _board(client, board["id"])
    assert [lane["name"] for lane in after["lanes"]] == ["Internal", "Expedite", "Standard"]
    (updated,) = await events(client, board["id"], board["last_seq"])
    assert updated["type"] == "lane.updated"
    assert updated["data"]["order"] == [lane["id"] for lane in after["lanes"]]
    r = await client.patch(f"/api/lanes/{internal}", json={"position": 3})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "position"


async def test_a_removed_lanes_cards_go_to_the_lane_named(client):
    board = await create_board(client, lanes=LANES)
    expedite, standard, internal = (lane["id"] for lane in board["lanes"])
    card = await create_card(client, board["id"], lane_id=internal)
    seq = (await _board(client, board["id"]))["last_seq"]
    r = await client.delete(f"/api/lanes/{internal}", params={"move_cards_to": standard})
    assert r.status_code == 204, r.text
    after = await _board(client, board["id"])
    assert [lane["name"] for lane in after["lanes"]] == ["Expedite", "Standard"]
    assert after["cards"][0]["lane_id"] == standard
    assert after["cards"][0]["column_id"] == card["column_id"]
    logged = await events(client, board["id"], seq)
    assert [e["type"] for e in logged] == ["card.moved", "lane.removed"]
    assert logged[1]["data"] == {
        "lane_id": internal,
        "name": "Internal",
        "moved_to": standard,
        "card_ids": [card["id"]],
        "order": [expedite, standard],
    }
    # A lane's hard limit refuses the whole removal.
    busy = await create_card(client, board["id"], lane_id=standard)
    r = await client.post(
        f"/api/cards/{busy['id']}/move",
        json={"column_id": board["columns"][1]["id"], "lane_id": standard},
    )
    assert r.status_code == 200
    await client.patch(f"/api/lanes/{expedite}", json={"wip_limit": 0})
    seq = (await _board(client, board["id"]))["last_seq"]
    r = await client.delete(f"/api/lanes/{standard}", params={"move_cards_to": expedite})
    assert r.status_code == 409 and r.json()["type"].endswith("wip-limit-exceeded")
    assert (await _board(client, board["id"]))["last_seq"] == seq


async def test_without_a_target_the_cards_go_to_no_lane(client):
    board = await create_board(client, lanes=LANES[:1])
    (expedite,) = (lane["id"] for lane in board["lanes"])
    card = await create_card(client, board["id"], lane_id=expedite)
    archived = await create_card(client, board["id"], lane_id=expedite)
    assert (await client.post(f"/api/cards/{archived['id']}/archive")).status_code == 200
    r = await client.delete(f"/api/lanes/{expedite}")
    assert r.status_code == 204, r.text
    after = await _board(client, board["id"])
    assert after["lanes"] == [] and after["cards"][0]["id"] == card["id"]
    assert after["cards"][0]["lane_id"] is None
    r = await client.post(f"/api/cards/{archived['id']}/restore")
    assert r.status_code == 200 and r.json()["lane_id"] is None
    assert (await client.delete(f"/api/lanes/{expedite}")).status_code == 404


async def test_a_lane_target_must_be_another_lane_of_the_board(client):
    board = await create_board(client, lanes=LANES[:2])
    other = await create_board(client, lanes=LANES[:1])
    expedite = board["lanes"][0]["id"]
    for target in (expedite, other["lanes"][0]["id"]):
        r = await client.delete(f"/api/lanes/{expedite}", params={"move_cards_to": target})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "move_cards_to"


async def test_board_detail_shows_each_members_role_name_and_email(client):
    board = await create_board(client)
    agent, _ = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"], role="viewer")
    members = {m["user_id"]: m for m in (await _board(client, board["id"]))["members"]}
    mine = members[agent["id"]]
    assert (mine["name"], mine["email"]) == (agent["name"], agent["email"])
    assert (mine["role"], mine["board_role"]) == ("viewer", "viewer")


async def test_a_lead_changes_a_members_board_role(client, as_user):
    board = await create_board(client)
    lead, lead_token = await create_user(client, role="lead")
    agent, agent_token = await create_user(client, role="agent")
    await add_member(client, board["id"], lead["id"])
    await add_member(client, board["id"], agent["id"])
    seq = (await _board(client, board["id"]))["last_seq"]
    url = f"/api/boards/{board['id']}/members/{agent['id']}"
    r = await as_user(lead_token).patch(url, json={"role": "facilitator"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "board_id": board["id"],
        "user_id": agent["id"],
        "name": agent["name"],
        "email": agent["email"],
        "role": "facilitator",
        "board_role": "facilitator",
        "kind": "person",
    }
    (updated,) = await events(client, board["id"], seq)
    assert updated["type"] == "member.updated"
    assert updated["data"] == {"user_id": agent["id"], "role": "facilitator", "was": None}
    # As a facilitator they may no longer move cards; null gives them their global role.
    card = await create_card(client, board["id"])
    move = {"column_id": board["columns"][1]["id"]}
    assert (
        await as_user(agent_token).post(f"/api/cards/{card['id']}/move", json=move)
    ).status_code == 403
    r = await as_user(lead_token).patch(url, json={"role": None})
    assert r.status_code == 200 and r.json()["role"] == "agent" and r.json()["board_role"] is None
    assert (
        await as_user(agent_token).post(f"/api/cards/{card['id']}/move", json=move)
    ).status_code == 200
    # The body must say which role; an unknown role or member is refused.
    assert (await client.patch(url, json={})).status_code == 422
    assert (await client.patch(url, json={"role": "owner"})).status_code == 422
    r = await client.patch(f"/api/boards/{board['id']}/members/999999", json={"role": None})
    assert r.status_code == 404


async def test_the_last_lead_cannot_be_demoted(client, as_user):
    lead, lead_token = await create_user(client, role="lead")
    api = as_user(lead_token)
    r = await api.post("/api/boards", json={"name": "Mine", "columns": [{"name": "Todo"}]})
    board = r.json()
    url = f"/api/boards/{board['id']}/members/{lead['id']}"
    r = await api.patch(url, json={"role": "agent"})
    assert r.status_code == 409 and r.json()["type"].endswith("last-manager")
    assert "lead" in r.json()["detail"]
    # With a second lead, the first may step down (and is then only an agent there).
    other, _ = await create_user(client, role="agent")
    await add_member(client, board["id"], other["id"], role="lead")
    assert (await api.patch(url, json={"role": "agent"})).status_code == 200
    assert (await api.patch(url, json={"role": "lead"})).status_code == 403


async def test_only_leads_and_admins_change_roles(client, as_user):
    board = await create_board(client)
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    url = f"/api/boards/{board['id']}/members/{agent['id']}"
    assert (await as_user(token).patch(url, json={"role": "lead"})).status_code == 403
    outsider = (await create_user(client, role="lead"))[1]
    assert (await as_user(outsider).patch(url, json={"role": None})).status_code == 404
