"""Reordering and removing columns, as a lead does from the board settings page."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx

from tests.factories import add_member, create_board, create_card, create_user, events

PROBLEM = "application/problem+json"


def _names(board: dict[str, Any]) -> list[str]:
    return [c["name"] for c in board["columns"]]


async def _board(client: httpx.AsyncClient, board_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _four(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, int]]:
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Swarming", "stage": "active", "wip_limit": 1},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return board, {c["name"]: c["id"] for c in board["columns"]}


async def test_a_column_moved_to_a_position_shifts_the_others(client):
    board, ids = await _four(client)
    seq = board["last_seq"]
    r = await client.patch(f"/api/columns/{ids['Swarming']}", json={"position": 0})
    assert r.status_code == 200, r.text
    assert r.json()["position"] == 0
    after = await _board(client, board["id"])
    assert _names(after) == ["Swarming", "Triage", "Investigating", "Resolved"]
    assert [c["position"] for c in after["columns"]] == [0, 1, 2, 3]
    (moved,) = [e for e in await events(client, board["id"], seq) if e["type"] == "column.updated"]
    assert moved["data"]["column_id"] == ids["Swarming"]
    assert moved["data"]["changes"] == {"position": 0}
    assert moved["data"]["order"] == [c["id"] for c in after["columns"]]
    # The last place, with a rename in the same request.
    r = await client.patch(f"/api/columns/{ids['Swarming']}", json={"position": 3, "name": "Swarm"})
    assert r.status_code == 200, r.text
    assert _names(await _board(client, board["id"])) == [
        "Triage",
        "Investigating",
        "Resolved",
        "Swarm",
    ]


async def test_a_position_past_the_end_is_a_422_naming_position(client):
    board, ids = await _four(client)
    r = await client.patch(f"/api/columns/{ids['Triage']}", json={"position": 4})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    body = r.json()
    assert [e["field"] for e in body["errors"]] == ["position"]
    assert "0 to 3" in body["detail"]
    r = await client.patch(f"/api/columns/{ids['Triage']}", json={"position": -1})
    assert r.status_code == 422
    assert _names(await _board(client, board["id"])) == list(ids)


async def test_the_same_position_records_nothing(client):
    board, ids = await _four(client)
    r = await client.patch(f"/api/columns/{ids['Investigating']}", json={"position": 1})
    assert r.status_code == 200
    assert (await _board(client, board["id"]))["last_seq"] == board["last_seq"]


async def test_an_empty_column_is_removed_and_its_history_kept(client):
    board, ids = await _four(client)
    card = await create_card(client, board["id"], column_id=ids["Investigating"])
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": ids["Resolved"]})
    assert r.status_code == 200, r.text
    seq = (await _board(client, board["id"]))["last_seq"]
    r = await client.delete(f"/api/columns/{ids['Investigating']}")
    assert r.status_code == 204, r.text
    after = await _board(client, board["id"])
    assert _names(after) == ["Triage", "Swarming", "Resolved"]
    assert [c["position"] for c in after["columns"]] == [0, 1, 2]
    (removed,) = await events(client, board["id"], seq)
    assert removed["type"] == "column.removed"
    assert removed["data"]["column_id"] == ids["Investigating"]
    assert removed["data"]["moved_to"] is None and removed["data"]["card_ids"] == []
    assert removed["data"]["order"] == [c["id"] for c in after["columns"]]
    # Gone for every live use: moves, new cards, edits, a second removal.
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": ids["Investigating"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "column_id"
    r = await client.post(
        f"/api/boards/{board['id']}/cards", json={"title": "New", "column_id": ids["Investigating"]}
    )
    assert r.status_code == 422
    r = await client.patch(f"/api/columns/{ids['Investigating']}", json={"name": "Back"})
    assert r.status_code == 404 and r.json()["type"].endswith("column-not-found")
    assert (await client.delete(f"/api/columns/{ids['Investigating']}")).status_code == 404
    # Its history stays: the ActionableAgile export keeps the column, in its old place,
    # with the day the card entered it.
    r = await client.get(f"/api/boards/{board['id']}/export/actionable-agile.csv")
    assert r.status_code == 200, r.text
    header, row = list(csv.reader(io.StringIO(r.text)))[:2]
    at = header.index("Triage")
    assert header[at : at + 4] == ["Triage", "Investigating", "Swarming", "Resolved"]
    assert row[at + 1] != ""  # the day the card entered Investigating


async def test_a_column_with_cards_asks_where_they_go(client):
    board, ids = await _four(client)
    cards = [await create_card(client, board["id"], column_id=ids["Investigating"]) for _ in "ab"]
    seq = (await _board(client, board["id"]))["last_seq"]
    r = await client.delete(f"/api/columns/{ids['Investigating']}")
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("column-not-empty")
    assert problem["card_count"] == 2
    assert "move_cards_to" in problem["detail"]
    assert (await _board(client, board["id"]))["last_seq"] == seq  # nothing written

    r = await client.delete(
        f"/api/columns/{ids['Investigating']}", params={"move_cards_to": ids["Triage"]}
    )
    assert r.status_code == 204, r.text
    after = await _board(client, board["id"])
    assert _names(after) == ["Triage", "Swarming", "Resolved"]
    assert {c["id"]: c["column_id"] for c in after["cards"]} == {
        c["id"]: ids["Triage"] for c in cards
    }
    logged = await events(client, board["id"], seq)
    assert [e["type"] for e in logged] == ["card.moved", "card.moved", "column.removed"]
    assert logged[-1]["data"]["moved_to"] == ids["Triage"]
    assert logged[-1]["data"]["card_ids"] == [c["id"] for c in cards]


async def test_a_hard_wip_limit_in_the_target_refuses_the_whole_removal(client):
    board, ids = await _four(client)
    for _ in "ab":
        await create_card(client, board["id"], column_id=ids["Investigating"])
    seq = (await _board(client, board["id"]))["last_seq"]
    r = await client.delete(
        f"/api/columns/{ids['Investigating']}", params={"move_cards_to": ids["Swarming"]}
    )
    assert r.status_code == 409
    assert r.json()["type"].endswith("wip-limit-exceeded")
    after = await _board(client, board["id"])
    assert after["last_seq"] == seq
    assert _names(after) == list(ids)
    assert all(c["column_id"] == ids["Investigating"] for c in after["cards"])


async def test_the_target_must_be_another_current_column_of_the_board(client):
    board, ids = await _four(client)
    other = await create_board(client)
    await create_card(client, board["id"], column_id=ids["Investigating"])
    for target in (ids["Investigating"], other["columns"][0]["id"], 999_999):
        r = await client.delete(
            f"/api/columns/{ids['Investigating']}", params={"move_cards_to": target}
        )
        assert r.status_code == 422, (target, r.text)
        assert r.json()["errors"][0]["field"] == "move_cards_to"
    assert (await client.delete(f"/api/columns/{ids['Swarming']}")).status_code == 204
    r = await client.delete(
        f"/api/columns/{ids['Investigating']}", params={"move_cards_to": ids["Swarming"]}
    )
    assert r.status_code == 422
    r = await client.delete(f"/api/columns/{ids['Investigating']}", params={"move_cards_to": 0})
    assert r.status_code == 422


async def test_a_board_keeps_a_column_and_a_done_column(client):
    board = await create_board(
        client, columns=[{"name": "Doing", "stage": "active"}, {"name": "Done", "stage": "done"}]
    )
    doing, done = (c["id"] for c in board["columns"])
    r = await client.delete(f"/api/columns/{done}")
    assert r.status_code == 409 and r.json()["type"].endswith("column-required")
    assert "done" in r.json()["detail"]
    assert (await client.delete(f"/api/columns/{doing}")).status_code == 204
    r = await client.delete(f"/api/columns/{done}")
    assert r.status_code == 409 and r.json()["type"].endswith("column-required")
    assert _names(await _board(client, board["id"])) == ["Done"]


async def test_archived_cards_follow_so_a_restore_lands_on_the_board(client):
    board, ids = await _four(client)
    card = await create_card(client, board["id"], column_id=ids["Investigating"])
    assert (await client.post(f"/api/cards/{card['id']}/archive")).status_code == 200
    # Holding only an archived card, the column is empty: its card goes to the first column.
    assert (await client.delete(f"/api/columns/{ids['Investigating']}")).status_code == 204
    r = await client.post(f"/api/cards/{card['id']}/restore")
    assert r.status_code == 200, r.text
    assert r.json()["column_id"] == ids["Triage"]


async def test_new_cards_and_new_columns_skip_a_removed_first_column(client):
    board, ids = await _four(client)
    assert (await client.delete(f"/api/columns/{ids['Triage']}")).status_code == 204
    card = await create_card(client, board["id"])
    assert card["column_id"] == ids["Investigating"]
    r = await client.post(f"/api/boards/{board['id']}/columns", json={"name": "Later"})
    assert r.status_code == 201 and r.json()["position"] == 3
    r = await client.get(f"/api/boards/{board['id']}/cards", params={"column_id": ids["Triage"]})
    assert r.status_code == 200 and r.json()["items"] == []
    # A ticket taken in lands in the first current column too.
    r = await client.post(
        f"/api/boards/{board['id']}/tickets",
        json={
            "external_ref": "T-1",
            "title": "Login fails",
            "channel": "email",
            "customer": {"ref": "acme"},
        },
    )
    assert r.status_code == 201, r.text
    placed = {c["title"]: c["column_id"] for c in (await _board(client, board["id"]))["cards"]}
    assert placed["Login fails"] == ids["Investigating"]


async def test_only_the_boards_leads_and_admins_reorder_or_remove(client, as_user):
    board, ids = await _four(client)
    agent, token = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    outsider_token = (await create_user(client, role="lead"))[1]
    for who, status in ((token, 403), (outsider_token, 404)):
        api = as_user(who)
        r = await api.patch(f"/api/columns/{ids['Triage']}", json={"position": 2})
        assert r.status_code == status
        r = await api.delete(f"/api/columns/{ids['Swarming']}")
        assert r.status_code == status
    assert _names(await _board(client, board["id"])) == list(ids)


async def test_moves_racing_a_removal_never_leave_a_card_in_the_removed_column(client):
    board, ids = await _four(client)
    cards = [await create_card(client, board["id"]) for _ in range(6)]
    results = await asyncio.gather(
        *(
            client.post(f"/api/cards/{c['id']}/move", json={"column_id": ids["Investigating"]})
            for c in cards
        ),
        client.delete(
            f"/api/columns/{ids['Investigating']}", params={"move_cards_to": ids["Resolved"]}
        ),
    )
    *moves, removal = results
    assert removal.status_code == 204, removal.text
    # A move that came after the removal is refused as a move to a column not on the board.
    assert {r.status_code for r in moves} <= {200, 422}, [r.text for r in moves]
    after = await _board(client, board["id"])
    assert ids["Investigating"] not in {c["id"] for c in after["columns"]}
    placed = {c["id"]: c["column_id"] for c in after["cards"]}
    assert len(placed) == 6 and ids["Investigating"] not in placed.values()
    removed = [e for e in await events(client, board["id"]) if e["type"] == "column.removed"]
    moved_in = [c["id"] for c, r in zip(cards, moves, strict=True) if r.status_code == 200]
    assert sorted(removed[0]["data"]["card_ids"]) == sorted(moved_in)
