"""The board event log: the envelope from DOMAIN.md, contiguous seq and paging."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.factories import add_member, create_board, create_card, create_user, events

ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def _last_seq(client, board_id: int) -> int:
    r = await client.get(f"/api/boards/{board_id}/events", params={"since": 0, "limit": 1})
    return int(r.json()["last_seq"])


async def test_envelope_has_exactly_the_documented_shape(client):
    me = (await client.get("/api/users/me")).json()
    board = await create_board(client)
    card = await create_card(client, board["id"])
    await client.post(
        f"/api/cards/{card['id']}/move", json={"column_id": board["columns"][1]["id"]}
    )

    log = await events(client, board["id"])

    assert log
    for e in log:
        assert set(e) == {"id", "seq", "board_id", "type", "at", "actor", "data"}
        assert e["id"].startswith("evt_") and len(e["id"]) > len("evt_")
        assert isinstance(e["seq"], int) and e["board_id"] == board["id"]
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", e["type"]), e["type"]
        assert ISO_MS_Z.match(e["at"]), e["at"]
        at = datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        assert at.utcoffset() == timedelta(0)
        assert e["actor"] == {"id": me["id"], "kind": "user"}
        assert isinstance(e["data"], dict)
    moved = log[-1]
    assert moved["type"] == "card.moved"
    assert {"card_id", "from_column_id", "to_column_id"} <= moved["data"].keys()
    assert moved["data"]["card_id"] == card["id"]


async def test_seq_is_contiguous_from_one_and_per_board(client):
    a = await create_board(client)
    b = await create_board(client)
    for _ in range(3):
        await create_card(client, a["id"])
    await create_card(client, b["id"])
    for _ in range(2):
        await create_card(client, a["id"])

    log_a = await events(client, a["id"])
    log_b = await events(client, b["id"])

    assert [e["seq"] for e in log_a] == list(range(1, len(log_a) + 1))
    assert [e["seq"] for e in log_b] == list(range(1, len(log_b) + 1))
    assert [e["type"] for e in log_a].count("card.created") == 5
    assert [e["type"] for e in log_b].count("card.created") == 1
    assert await _last_seq(client, a["id"]) == len(log_a)
    assert (await client.get(f"/api/boards/{a['id']}")).json()["last_seq"] == len(log_a)


async def test_since_and_limit_page_through_the_log(client):
    board = await create_board(client)
    for _ in range(6):
        await create_card(client, board["id"])
    total = await _last_seq(client, board["id"])
    assert total >= 8

    pages, since = [], 0
    while True:
        r = await client.get(
            f"/api/boards/{board['id']}/events", params={"since": since, "limit": 3}
        )
        assert r.status_code == 200
        page = r.json()
        assert page["last_seq"] == total
        assert len(page["events"]) <= 3
        pages.append(page)
        if not page["has_more"]:
            break
        assert len(page["events"]) == 3
        since = page["events"][-1]["seq"]

    seqs = [e["seq"] for p in pages for e in p["events"]]
    assert seqs == list(range(1, total + 1))
    assert all(p["has_more"] for p in pages[:-1])
    exact = await client.get(
        f"/api/boards/{board['id']}/events", params={"since": total - 3, "limit": 3}
    )
    assert [e["seq"] for e in exact.json()["events"]] == [total - 2, total - 1, total]
    assert exact.json()["has_more"] is False
    tail = await client.get(f"/api/boards/{board['id']}/events", params={"since": total})
    assert tail.json() == {"events": [], "last_seq": total, "has_more": False}


async def test_each_change_emits_its_event_type(client):
    board = await create_board(client, lanes=[{"name": "Standard"}])
    person, _ = await create_user(client)
    bid = board["id"]
    inv = board["columns"][1]["id"]

    await add_member(client, bid, person["id"], role="agent")
    col = (await client.post(f"/api/boards/{bid}/columns", json={"name": "QA"})).json()
    await client.patch(f"/api/columns/{col['id']}", json={"wip_limit": 2})
    lane = (await client.post(f"/api/boards/{bid}/lanes", json={"name": "Expedite"})).json()
    await client.patch(f"/api/lanes/{lane['id']}", json={"wip_limit": 1})
    card = await create_card(client, bid)
    await client.patch(f"/api/cards/{card['id']}", json={"title": "Renamed"})
    await client.post(f"/api/cards/{card['id']}/move", json={"column_id": inv})
    r = await client.delete(f"/api/boards/{bid}/members/{person['id']}")
    assert r.status_code == 204

    log = await events(client, bid)

    assert [e["type"] for e in log] == [
        "board.created",
        "member.added",
        "member.added",
        "column.created",
        "column.updated",
        "lane.created",
        "lane.updated",
        "card.created",
        "card.updated",
        "card.moved",
        "member.removed",
    ]
    data = [e["data"] for e in log]
    assert [c["name"] for c in data[0]["columns"]] == ["Triage", "Investigating", "Resolved"]
    assert data[2] == {"user_id": person["id"], "role": "agent"}
    assert data[3]["id"] == col["id"] and data[3]["name"] == "QA"
    assert data[4] == {"column_id": col["id"], "changes": {"wip_limit": 2}}
    assert data[5]["id"] == lane["id"]
    assert data[6] == {"lane_id": lane["id"], "changes": {"wip_limit": 1}}
    assert data[7]["card_id"] == card["id"] and data[7]["title"] == card["title"]
    assert data[8] == {"card_id": card["id"], "changes": {"title": "Renamed"}}
    assert (data[9]["card_id"], data[9]["to_column_id"]) == (card["id"], inv)
    assert data[10] == {"user_id": person["id"]}


async def test_refused_changes_leave_the_log_untouched(client, as_user):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 1},
        ],
    )
    bid, doing = board["id"], board["columns"][1]["id"]
    await create_card(client, bid, column_id=doing)
    waiting = await create_card(client, bid)
    viewer, token = await create_user(client, role="viewer")
    await add_member(client, bid, viewer["id"])
    before = await events(client, bid)
    seq = before[-1]["seq"]

    wip = await client.post(f"/api/cards/{waiting['id']}/move", json={"column_id": doing})
    invalid = await client.post(f"/api/boards/{bid}/cards", json={"title": "x", "lane_id": 1})
    bad_body = await client.post(f"/api/boards/{bid}/cards", json={"title": ""})
    forbidden = await as_user(token).post(f"/api/boards/{bid}/cards", json={"title": "x"})
    forbidden_col = await as_user(token).patch(f"/api/columns/{doing}", json={"wip_limit": 9})

    assert [r.status_code for r in (wip, invalid, bad_body, forbidden, forbidden_col)] == [
        409,
        422,
        422,
        403,
        403,
    ]
    assert await _last_seq(client, bid) == seq
    assert await events(client, bid) == before
    # The next accepted change takes the very next number: no gap was left behind.
    await create_card(client, bid)
    assert [e["seq"] for e in await events(client, bid, since=seq)] == [seq + 1]


async def test_non_member_cannot_read_the_log(client, as_user):
    board = await create_board(client)
    _, token = await create_user(client, role="lead")
    r = await as_user(token).get(f"/api/boards/{board['id']}/events")
    assert r.status_code == 404
    assert "events" not in r.json()
