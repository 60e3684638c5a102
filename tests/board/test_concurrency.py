"""Concurrent edits of the same things: nothing is lost, nothing is invented."""

from __future__ import annotations

import asyncio

from tests.factories import add_member, create_board, create_card, create_user, events


async def test_concurrent_moves_of_one_card_all_succeed_and_are_each_logged(client):
    board = await create_board(
        client,
        columns=[
            {"name": "A", "stage": "active"},
            {"name": "B", "stage": "active"},
            {"name": "C", "stage": "active"},
        ],
    )
    cols = [c["id"] for c in board["columns"]]
    card = await create_card(client, board["id"])
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    results = await asyncio.gather(
        *(
            client.post(f"/api/cards/{card['id']}/move", json={"column_id": cols[i % 3]})
            for i in range(1, 13)
        ),
        client.patch(f"/api/cards/{card['id']}", json={"priority": "high"}),
    )

    assert [r.status_code for r in results] == [200] * 13, [r.text for r in results]
    final = (await client.get(f"/api/cards/{card['id']}")).json()
    logged = await events(client, board["id"], since=seq)
    moves = [e for e in logged if e["type"] == "card.moved"]
    assert final["priority"] == "high"
    # Each move starts where the previous one (in commit order) left the card.
    chain = [e["data"]["from_column_id"] for e in moves[1:]]
    assert chain == [e["data"]["to_column_id"] for e in moves[:-1]]
    assert final["column_id"] == moves[-1]["data"]["to_column_id"]
    assert final["version"] == card["version"] + len(logged)


async def test_concurrent_removals_of_one_member_log_one_removal(client):
    board = await create_board(client)
    person, _ = await create_user(client, role="agent")
    await add_member(client, board["id"], person["id"])

    results = await asyncio.gather(
        *(client.delete(f"/api/boards/{board['id']}/members/{person['id']}") for _ in range(5))
    )

    assert sorted(r.status_code for r in results) == [204, 404, 404, 404, 404]
    removed = [e for e in await events(client, board["id"]) if e["type"] == "member.removed"]
    assert len(removed) == 1


async def test_concurrent_sign_ups_with_one_email_report_email_taken(client):
    body = {"name": "Twin", "email": "twin.race@example.com", "role": "agent"}
    results = await asyncio.gather(*(client.post("/api/users", json=body) for _ in range(5)))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409, 409]
    assert all(r.json()["type"].endswith("email-taken") for r in results if r.status_code == 409)
