"""WIP limits: hard, soft, lane, personal and overrides, as a support lead sees them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.factories import add_member, create_board, create_card, create_user, events

PROBLEM = "application/problem+json"


async def _full_board(
    client: httpx.AsyncClient, limit: int = 2, policy: str = "hard"
) -> tuple[dict[str, Any], int, int]:
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": limit, "wip_policy": policy},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    triage, investigating = board["columns"][0]["id"], board["columns"][1]["id"]
    return board, triage, investigating


async def test_hard_limit_refuses_the_overflowing_move_and_changes_nothing(client):
    board, triage, inv = await _full_board(client, limit=2)
    for _ in range(2):
        card = await create_card(client, board["id"])
        r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": inv})
        assert r.status_code == 200, r.text
    extra = await create_card(client, board["id"])
    before = await events(client, board["id"])

    r = await client.post(f"/api/cards/{extra['id']}/move", json={"column_id": inv})

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"].endswith("wip-limit-exceeded")
    assert (body["limit"], body["count"], body["column_id"]) == (2, 2, inv)
    assert "Investigating" in body["detail"]
    card = (await client.get(f"/api/cards/{extra['id']}")).json()
    assert card["column_id"] == triage and card["version"] == extra["version"]
    assert await events(client, board["id"]) == before  # no event for a refused move
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [c["card_count"] for c in detail["columns"]] == [1, 2, 0]


async def test_moving_within_a_full_column_is_allowed(client):
    board, _, inv = await _full_board(client, limit=1)
    card = await create_card(client, board["id"], column_id=inv)
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": inv, "position": 0})
    assert r.status_code == 200, r.text


async def test_creating_a_card_in_a_full_column_is_refused(client):
    board, _, inv = await _full_board(client, limit=1)
    await create_card(client, board["id"], column_id=inv)
    r = await client.post(f"/api/boards/{board['id']}/cards", json={"title": "x", "column_id": inv})
    assert r.status_code == 409
    assert r.json()["type"].endswith("wip-limit-exceeded")


async def test_soft_limit_admits_and_records_a_breach(client):
    board, _, inv = await _full_board(client, limit=1, policy="soft")
    await create_card(client, board["id"], column_id=inv)
    card = await create_card(client, board["id"])
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": inv})
    assert r.status_code == 200
    log = await events(client, board["id"])
    breach = [e for e in log if e["type"] == "wip.exceeded"]
    assert len(breach) == 1
    assert breach[0]["data"]["card_id"] == card["id"]
    assert (breach[0]["data"]["limit"], breach[0]["data"]["count"]) == (1, 1)


async def test_lead_override_succeeds_and_is_recorded_with_who_and_why(client, as_user):
    board, _, inv = await _full_board(client, limit=1)
    lead, lead_token = await create_user(client, role="lead")
    await add_member(client, board["id"], lead["id"])
    await create_card(client, board["id"], column_id=inv)
    card = await create_card(client, board["id"])

    r = await as_user(lead_token).post(
        f"/api/cards/{card['id']}/move",
        json={"column_id": inv, "override_reason": "Outage for our biggest partner"},
    )

    assert r.status_code == 200, r.text
    assert r.json()["column_id"] == inv
    overridden = [e for e in await events(client, board["id"]) if e["type"] == "wip.overridden"]
    assert len(overridden) == 1
    assert overridden[0]["actor"] == {"id": lead["id"], "kind": "user"}
    assert overridden[0]["data"]["reason"] == "Outage for our biggest partner"
    assert overridden[0]["data"]["card_id"] == card["id"]


async def test_agent_override_is_refused(client, as_user):
    board, triage, inv = await _full_board(client, limit=1)
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    await create_card(client, board["id"], column_id=inv)
    card = await create_card(client, board["id"])
    r = await as_user(token).post(
        f"/api/cards/{card['id']}/move", json={"column_id": inv, "override_reason": "please"}
    )
    assert r.status_code == 403
    assert r.json()["type"].endswith("override-forbidden")
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == triage


async def test_lane_limit_applies_to_active_cards_in_the_lane(client):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
        lanes=[{"name": "Expedite", "wip_limit": 1}, {"name": "Standard"}],
    )
    inv = board["columns"][1]["id"]
    expedite, standard = board["lanes"][0]["id"], board["lanes"][1]["id"]
    first = await create_card(client, board["id"], lane_id=expedite)
    second = await create_card(client, board["id"], lane_id=expedite)
    ok = await client.post(f"/api/cards/{first['id']}/move", json={"column_id": inv})
    assert ok.status_code == 200

    r = await client.post(f"/api/cards/{second['id']}/move", json={"column_id": inv})

    assert r.status_code == 409
    body = r.json()
    assert body["type"].endswith("wip-limit-exceeded")
    assert (body["lane_id"], body["limit"], body["count"]) == (expedite, 1, 1)
    # The same card may go into the Standard lane instead.
    r = await client.post(
        f"/api/cards/{second['id']}/move", json={"column_id": inv, "lane_id": standard}
    )
    assert r.status_code == 200


async def test_personal_wip_limit_counts_active_cards(client):
    board, _, inv = await _full_board(client, limit=10)
    person, _ = await create_user(client, role="agent", wip_limit=1)
    await add_member(client, board["id"], person["id"])
    await create_card(client, board["id"], column_id=inv, assignee_ids=[person["id"]])
    waiting = await create_card(client, board["id"], assignee_ids=[person["id"]])  # backlog: ok

    r = await client.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})

    assert r.status_code == 409
    body = r.json()
    assert body["type"].endswith("person-wip-limit-exceeded")
    assert (body["user_id"], body["limit"], body["count"]) == (person["id"], 1, 1)
    # Assigning them to a third active card is refused the same way.
    other = await create_card(client, board["id"], column_id=inv)
    r = await client.patch(f"/api/cards/{other['id']}", json={"assignee_ids": [person["id"]]})
    assert r.status_code == 409
    assert r.json()["type"].endswith("person-wip-limit-exceeded")
    assert (await client.get(f"/api/cards/{other['id']}")).json()["assignee_ids"] == []


async def test_thirty_concurrent_moves_into_limit_three_admit_exactly_three(client):
    board, _triage, inv = await _full_board(client, limit=3)
    cards = [await create_card(client, board["id"]) for _ in range(30)]
    seq_before = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    results = await asyncio.gather(
        *(client.post(f"/api/cards/{c['id']}/move", json={"column_id": inv}) for c in cards)
    )

    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 3 and codes.count(409) == 27, codes
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["columns"][1]["card_count"] == 3
    moved = [e for e in await events(client, board["id"], since=seq_before)]
    assert [e["type"] for e in moved] == ["card.moved"] * 3
    assert [e["seq"] for e in moved] == list(range(seq_before + 1, seq_before + 4))


async def test_concurrent_moves_through_two_server_processes_respect_the_limit(
    client, live_servers
):
    """Two uvicorn replicas on one database: the limit holds across processes."""
    board, _, inv = await _full_board(client, limit=3)
    cards = [await create_card(client, board["id"]) for _ in range(30)]
    headers = {"Authorization": client.headers["Authorization"]}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        results = await asyncio.gather(
            *(
                http.post(
                    f"{live_servers[i % 2].url}/api/cards/{c['id']}/move", json={"column_id": inv}
                )
                for i, c in enumerate(cards)
            )
        )
    codes = [r.status_code for r in results]
    assert codes.count(200) == 3 and codes.count(409) == 27, codes
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["columns"][1]["card_count"] == 3
    log = await events(client, board["id"])
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
