"""Pull, not push: POST /api/boards/{id}/pull takes the best card, atomically."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import add_member, create_board, create_bot, create_card, create_user, events


def _cols(board: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


async def test_pull_takes_the_highest_priority_then_oldest_card_and_starts_it(client, as_user):
    board = await create_board(client)
    cols = _cols(board)
    old_normal = await create_card(client, board["id"], title="old normal")
    urgent_new = await create_card(client, board["id"], title="urgent", priority="urgent")
    await create_card(client, board["id"], title="newer normal")
    bot, token = await create_bot(client, board["id"])

    r = await as_user(token).post(f"/api/boards/{board['id']}/pull")

    assert r.status_code == 200, r.text
    card = r.json()["card"]
    assert card["id"] == urgent_new["id"]
    assert card["column_id"] == cols["Investigating"]
    assert card["assignee_ids"] == [bot["id"]]
    r = await as_user(token).post(f"/api/boards/{board['id']}/pull")
    assert r.json()["card"]["id"] == old_normal["id"]
    logged = [e for e in await events(client, board["id"]) if e["actor"]["id"] == bot["id"]]
    assert {e["actor"]["kind"] for e in logged} == {"bot"}
    assert [e["type"] for e in logged][:2] == ["card.moved", "card.updated"]
    assert logged[1]["data"]["pulled"] is True


async def test_pull_matches_the_cards_required_skills(client, as_user):
    board = await create_board(client)
    billing = await create_card(client, board["id"], priority="urgent", skills=["Billing"])
    plain = await create_card(client, board["id"], priority="low")
    _, novice = await create_bot(client, board["id"])
    _, expert = await create_bot(client, board["id"], skills=[{"name": "billing"}])

    first = (await as_user(novice).post(f"/api/boards/{board['id']}/pull")).json()["card"]
    # Only the skills named in the body count for this pull: billing is left out.
    narrowed = await as_user(expert).post(
        f"/api/boards/{board['id']}/pull", json={"skills": ["sql"]}
    )
    second = (await as_user(expert).post(f"/api/boards/{board['id']}/pull")).json()["card"]

    assert first["id"] == plain["id"]
    assert narrowed.json() == {"card": None}
    assert second["id"] == billing["id"]


async def test_nothing_to_pull_is_an_empty_result_not_an_error(client, as_user):
    board = await create_board(client)
    person, _ = await create_user(client, role="agent")
    await add_member(client, board["id"], person["id"])
    await create_card(client, board["id"])
    await create_card(client, board["id"], priority="urgent", assignee_ids=[person["id"]])
    stuck = await create_card(client, board["id"], priority="urgent")
    await client.patch(f"/api/cards/{stuck['id']}", json={"blocked": True, "blocked_reason": "x"})
    _, token = await create_bot(client, board["id"])
    first = await as_user(token).post(f"/api/boards/{board['id']}/pull")
    assert first.json()["card"] is not None

    r = await as_user(token).post(f"/api/boards/{board['id']}/pull")

    assert r.status_code == 200
    assert r.json() == {"card": None}


async def test_pull_refuses_at_the_column_and_personal_limits_writing_nothing(client, as_user):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 1},
            {"name": "Done", "stage": "done"},
        ],
    )
    for _ in range(3):
        await create_card(client, board["id"])
    _, one = await create_bot(client, board["id"], wip_limit=1)
    _, other = await create_bot(client, board["id"])
    assert (await as_user(one).post(f"/api/boards/{board['id']}/pull")).json()["card"]
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    column_full = await as_user(other).post(f"/api/boards/{board['id']}/pull")
    await client.patch(f"/api/columns/{_cols(board)['Doing']}", json={"wip_limit": 5})
    person_full = await as_user(one).post(f"/api/boards/{board['id']}/pull")

    assert column_full.status_code == 409
    assert column_full.json()["type"].endswith("/wip-limit-exceeded")
    assert person_full.status_code == 409
    assert person_full.json()["type"].endswith("/person-wip-limit-exceeded")
    logged = await events(client, board["id"], since=seq)
    assert [e["type"] for e in logged] == ["column.updated"]
    cards = (await client.get(f"/api/boards/{board['id']}")).json()["cards"]
    assert sum(1 for c in cards if c["assignee_ids"]) == 1


async def test_an_away_bot_is_stopped_and_a_viewer_or_stranger_cannot_pull(client, as_user):
    board = await create_board(client)
    await create_card(client, board["id"])
    bot, token = await create_bot(client, board["id"])
    viewer, viewer_token = await create_user(client, role="viewer")
    await add_member(client, board["id"], viewer["id"])
    _, stranger = await create_user(client, role="agent")
    await client.patch(f"/api/users/{bot['id']}", json={"availability": "away"})

    stopped = await as_user(token).post(f"/api/boards/{board['id']}/pull")
    by_viewer = await as_user(viewer_token).post(f"/api/boards/{board['id']}/pull")
    by_stranger = await as_user(stranger).post(f"/api/boards/{board['id']}/pull")
    still_reads = await as_user(token).get(f"/api/boards/{board['id']}")

    assert stopped.status_code == 409 and stopped.json()["type"].endswith("/bot-away")
    assert by_viewer.status_code == 403
    assert by_stranger.status_code == 404
    assert still_reads.status_code == 200
    await client.patch(f"/api/users/{bot['id']}", json={"availability": "available"})
    assert (await as_user(token).post(f"/api/boards/{board['id']}/pull")).json()["card"]


async def test_twenty_concurrent_pulls_by_four_bots_never_share_a_card_or_break_a_limit(
    client, as_user
):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 7},
            {"name": "Done", "stage": "done"},
        ],
    )
    for i in range(12):
        await create_card(client, board["id"], title=f"T{i}")
    bots = [await create_bot(client, board["id"], wip_limit=2) for _ in range(4)]

    results = await asyncio.gather(
        *(
            as_user(token).post(f"/api/boards/{board['id']}/pull")
            for _ in range(5)
            for _, token in bots
        )
    )

    pulled = [r.json()["card"]["id"] for r in results if r.status_code == 200 and r.json()["card"]]
    refused = [r.json()["type"].rsplit("/", 1)[-1] for r in results if r.status_code != 200]
    assert len(pulled) == len(set(pulled)) == 7  # the column's limit, each card once
    assert set(refused) <= {"wip-limit-exceeded", "person-wip-limit-exceeded"}
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    doing = [c for c in detail["cards"] if c["column_id"] == _cols(board)["Doing"]]
    assert sorted(c["id"] for c in doing) == sorted(pulled)
    per_bot = [sum(1 for c in doing if c["assignee_ids"] == [b["id"]]) for b, _ in bots]
    assert max(per_bot) <= 2 and sum(per_bot) == 7


async def test_pull_looks_past_many_better_cards_it_lacks_the_skills_for(client, as_user):
    board = await create_board(client)
    for i in range(20):
        await create_card(client, board["id"], title=f"B{i}", priority="urgent", skills=["billing"])
    plain = await create_card(client, board["id"], title="anyone", priority="low")
    _, token = await create_bot(client, board["id"])

    r = await as_user(token).post(f"/api/boards/{board['id']}/pull")

    assert r.json()["card"]["id"] == plain["id"]
