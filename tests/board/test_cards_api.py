"""Cards through the API: creation, edits with optimistic concurrency, blocking and moves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.alerts.helpers import age_card
from tests.factories import add_member, create_board, create_card, create_user, events

PROBLEM = "application/problem+json"


async def _state(client: httpx.AsyncClient, board_id: int) -> dict[str, Any]:
    return dict((await client.get(f"/api/boards/{board_id}")).json())


async def test_create_card_with_defaults_lands_in_the_first_column(client):
    board = await create_board(client)

    r = await client.post(f"/api/boards/{board['id']}/cards", json={"title": "Refund missing"})

    assert r.status_code == 201, r.text
    card = r.json()
    assert card["column_id"] == board["columns"][0]["id"]
    assert card["priority"] == "normal"
    assert (card["lane_id"], card["owner_id"], card["channel"]) == (None, None, None)
    assert card["assignee_ids"] == [] and card["description"] == ""
    assert (card["blocked"], card["blocked_reason"], card["version"]) == (False, None, 1)
    assert r.headers["etag"] == '"1"'
    log = await events(client, board["id"])
    assert log[-1]["type"] == "card.created"
    assert log[-1]["data"]["card_id"] == card["id"]


async def test_create_card_with_all_fields(client):
    board = await create_board(client, lanes=[{"name": "Expedite"}])
    agent, _ = await create_user(client, role="agent")
    await add_member(client, board["id"], agent["id"])
    inv, lane = board["columns"][1]["id"], board["lanes"][0]["id"]

    card = await create_card(
        client,
        board["id"],
        title="  SSO loops  ",
        column_id=inv,
        lane_id=lane,
        description="Steps attached",
        priority="urgent",
        channel="chat",
        product="Identity",
        segment="partner",
        owner_id=agent["id"],
        assignee_ids=[agent["id"], agent["id"]],
    )

    assert card["title"] == "SSO loops"
    assert (card["column_id"], card["lane_id"]) == (inv, lane)
    assert (card["priority"], card["channel"], card["product"], card["segment"]) == (
        "urgent",
        "chat",
        "Identity",
        "partner",
    )
    assert card["owner_id"] == agent["id"] and card["assignee_ids"] == [agent["id"]]
    fetched = (await client.get(f"/api/cards/{card['id']}")).json()
    assert fetched == card


@pytest.mark.parametrize("field", ["column_id", "lane_id", "assignee_ids", "owner_id"])
async def test_reference_from_another_board_is_a_422_and_creates_nothing(client, field):
    board = await create_board(client)
    other = await create_board(client, lanes=[{"name": "Elsewhere"}])
    stranger, _ = await create_user(client)
    await add_member(client, other["id"], stranger["id"])
    foreign: dict[str, Any] = {
        "column_id": other["columns"][1]["id"],
        "lane_id": other["lanes"][0]["id"],
        "assignee_ids": [stranger["id"]],
        "owner_id": stranger["id"],
    }
    before = await _state(client, board["id"])

    r = await client.post(
        f"/api/boards/{board['id']}/cards", json={"title": "x", field: foreign[field]}
    )

    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 422
    assert [e["field"] for e in body["errors"]] == [field]
    after = await _state(client, board["id"])
    assert after["cards"] == [] and after["last_seq"] == before["last_seq"]
    assert (await _state(client, other["id"]))["cards"] == []


async def test_patch_with_stale_version_is_a_409_and_changes_nothing(client):
    board = await create_board(client)
    card = await create_card(client, board["id"], title="Original")
    r = await client.patch(f"/api/cards/{card['id']}", json={"priority": "high", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    seq = (await _state(client, board["id"]))["last_seq"]

    r = await client.patch(f"/api/cards/{card['id']}", json={"title": "Mine", "version": 1})

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"].endswith("version-conflict")
    assert body["current_version"] == 2
    now = (await client.get(f"/api/cards/{card['id']}")).json()
    assert (now["title"], now["priority"], now["version"]) == ("Original", "high", 2)
    assert (await _state(client, board["id"]))["last_seq"] == seq


async def test_stale_if_match_is_a_412(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    await client.patch(f"/api/cards/{card['id']}", json={"title": "v2"})

    r = await client.patch(
        f"/api/cards/{card['id']}", json={"title": "lost update"}, headers={"If-Match": '"1"'}
    )

    assert r.status_code == 412
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["current_version"] == 2
    assert (await client.get(f"/api/cards/{card['id']}")).json()["title"] == "v2"
    moved = await client.post(
        f"/api/cards/{card['id']}/move",
        json={"column_id": board["columns"][1]["id"]},
        headers={"If-Match": '"1"'},
    )
    assert moved.status_code == 412


async def test_matching_if_match_succeeds_and_the_etag_changes(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    got = await client.get(f"/api/cards/{card['id']}")
    etag = got.headers["etag"]
    assert etag == '"1"'

    r = await client.patch(
        f"/api/cards/{card['id']}", json={"title": "Edited"}, headers={"If-Match": etag}
    )

    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Edited" and r.json()["version"] == 2
    assert r.headers["etag"] == '"2"' != etag
    assert (await client.get(f"/api/cards/{card['id']}")).headers["etag"] == '"2"'
    weak = await client.patch(
        f"/api/cards/{card['id']}", json={"title": "Again"}, headers={"If-Match": 'W/"2"'}
    )
    assert weak.status_code == 200 and weak.headers["etag"] == '"3"'


async def test_block_and_unblock_emit_events_and_clear_the_reason(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    seq = (await _state(client, board["id"]))["last_seq"]

    r = await client.patch(
        f"/api/cards/{card['id']}", json={"blocked": True, "blocked_reason": "Waiting on bank"}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["blocked"], r.json()["blocked_reason"]) == (True, "Waiting on bank")

    r = await client.patch(f"/api/cards/{card['id']}", json={"blocked": False})
    assert r.status_code == 200, r.text
    assert (r.json()["blocked"], r.json()["blocked_reason"]) == (False, None)
    stored = (await client.get(f"/api/cards/{card['id']}")).json()
    assert (stored["blocked"], stored["blocked_reason"], stored["version"]) == (False, None, 3)

    log = await events(client, board["id"], since=seq)
    assert [e["type"] for e in log] == [
        "card.updated",
        "card.blocked",
        "card.updated",
        "card.unblocked",
    ]
    assert log[1]["data"] == {"card_id": card["id"], "reason": "Waiting on bank"}
    assert log[3]["data"]["card_id"] == card["id"]
    assert log[2]["data"]["changes"] == {"blocked": False, "blocked_reason": None}


async def test_an_unchanged_patch_records_nothing(client):
    board = await create_board(client)
    card = await create_card(client, board["id"], priority="high")
    seq = (await _state(client, board["id"]))["last_seq"]
    r = await client.patch(f"/api/cards/{card['id']}", json={"priority": "high"})
    assert r.status_code == 200 and r.json()["version"] == 1
    assert (await _state(client, board["id"]))["last_seq"] == seq


async def test_move_to_position_zero_puts_the_card_first(client):
    board = await create_board(client)
    inv = board["columns"][1]["id"]
    a = await create_card(client, board["id"], column_id=inv)
    b = await create_card(client, board["id"], column_id=inv)
    c = await create_card(client, board["id"])

    r = await client.post(f"/api/cards/{c['id']}/move", json={"column_id": inv, "position": 0})

    assert r.status_code == 200, r.text
    assert r.json()["column_id"] == inv

    def order(state: dict[str, Any]) -> list[int]:
        return [x["id"] for x in state["cards"] if x["column_id"] == inv]

    assert order(await _state(client, board["id"])) == [c["id"], a["id"], b["id"]]
    # Reordering within the column: the last card to the front.
    r = await client.post(f"/api/cards/{b['id']}/move", json={"column_id": inv, "position": 0})
    assert r.status_code == 200
    assert order(await _state(client, board["id"])) == [b["id"], c["id"], a["id"]]
    # And into the middle.
    r = await client.post(f"/api/cards/{a['id']}/move", json={"column_id": inv, "position": 1})
    assert order(await _state(client, board["id"])) == [b["id"], a["id"], c["id"]]


async def test_a_move_without_position_appends_to_the_column(client):
    board = await create_board(client)
    inv = board["columns"][1]["id"]
    first = await create_card(client, board["id"], column_id=inv)
    card = await create_card(client, board["id"])
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": inv})
    assert r.status_code == 200 and r.json()["version"] == 2
    cards = [x["id"] for x in (await _state(client, board["id"]))["cards"]]
    assert cards == [first["id"], card["id"]]
    moved = (await events(client, board["id"]))[-1]
    assert moved["type"] == "card.moved"
    assert (moved["data"]["from_column_id"], moved["data"]["to_column_id"]) == (
        board["columns"][0]["id"],
        inv,
    )


async def test_a_no_op_move_returns_200_without_an_event(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    seq = (await _state(client, board["id"]))["last_seq"]

    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": card["column_id"]})

    assert r.status_code == 200, r.text
    assert r.json()["column_id"] == card["column_id"]
    assert r.json()["version"] == 1
    assert (await _state(client, board["id"]))["last_seq"] == seq


async def test_move_to_a_column_of_another_board_is_a_422(client):
    board = await create_board(client)
    other = await create_board(client)
    card = await create_card(client, board["id"])
    r = await client.post(
        f"/api/cards/{card['id']}/move", json={"column_id": other["columns"][1]["id"]}
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["column_id"]
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == card["column_id"]
    assert (await _state(client, other["id"]))["columns"][1]["card_count"] == 0


async def test_missing_card_is_a_404(client):
    for r in (
        await client.get("/api/cards/2147483647"),
        await client.patch("/api/cards/2147483647", json={"title": "x"}),
        await client.post("/api/cards/2147483647/move", json={"column_id": 1}),
    ):
        assert r.status_code == 404
        assert r.json()["type"].endswith("card-not-found")


async def test_a_finished_blocked_spell_adds_to_the_cards_blocked_time(client, app):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    r = await client.patch(
        f"/api/cards/{card['id']}", json={"blocked": True, "blocked_reason": "Vendor"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["blocked_seconds"] == 0

    await age_card(app, card["id"], 3 * 3600)  # the spell began three hours ago
    r = await client.patch(f"/api/cards/{card['id']}", json={"blocked": False})

    assert r.status_code == 200, r.text
    assert 3 * 3600 <= r.json()["blocked_seconds"] < 3 * 3600 + 60
    again = (await client.get(f"/api/cards/{card['id']}")).json()
    assert again["blocked_seconds"] == r.json()["blocked_seconds"]
