"""Card search: every filter, pagination by cursor, and who may search."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.board.models import Card
from tests.alerts.helpers import later, scan
from tests.factories import add_member, create_board, create_card, create_user
from tests.swarm.helpers import ask
from tests.tickets.helpers import take_in

PROBLEM = "application/problem+json"


async def _search(client: httpx.AsyncClient, board_id: int, **params: Any) -> list[int]:
    """Every matching card id, following the cursor to the end."""
    r = await client.get(f"/api/boards/{board_id}/cards", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["next_cursor"] is None
    return [c["id"] for c in body["items"]]


def _bad(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert field in body["detail"]
    assert any(e["field"] == field for e in body["errors"]), body


async def test_text_search_covers_title_description_external_ref_and_customer_ref(client):
    board = await create_board(client)
    bid = board["id"]
    by_title = await create_card(client, bid, title="Refund MISSING for order")
    by_desc = await create_card(client, bid, title="Other", description="the refund is late")
    ticket = await take_in(client, bid, external_ref="ZD-REFUND-77", title="Card three")
    by_customer = await take_in(
        client, bid, title="Card four", customer={"ref": "acme-refund-co", "name": "Acme"}
    )
    await create_card(client, bid, title="Unrelated", description="nothing here")
    # Another board's card with the same words never appears.
    other = await create_board(client)
    await create_card(client, other["id"], title="Refund elsewhere")
    await take_in(client, other["id"], customer={"ref": "acme-refund-co", "name": "Acme"})

    found = await _search(client, bid, q="rEfUnD")

    expected = {by_title["id"], by_desc["id"], ticket["id"], by_customer["id"]}
    assert set(found) == expected and len(found) == 4
    assert await _search(client, bid, q="ZD-REFUND") == [ticket["id"]]
    assert await _search(client, bid, q="acme-refund") == [by_customer["id"]]
    # LIKE wildcards are literal text, not patterns.
    assert await _search(client, bid, q="%") == []
    assert await _search(client, bid, q="_") == []


async def test_assignee_and_owner_filters_take_me_none_or_an_id(client, as_user):
    board = await create_board(client)
    bid = board["id"]
    agent, token = await create_user(client, role="agent")
    other, _ = await create_user(client, role="agent")
    await add_member(client, bid, agent["id"])
    await add_member(client, bid, other["id"])
    mine = await create_card(client, bid, assignee_ids=[agent["id"]], owner_id=other["id"])
    shared = await create_card(client, bid, assignee_ids=[agent["id"], other["id"]])
    theirs = await create_card(client, bid, assignee_ids=[other["id"]], owner_id=agent["id"])
    nobody = await create_card(client, bid)
    as_agent = as_user(token)

    assert await _search(as_agent, bid, assignee="me") == [mine["id"], shared["id"]]
    assert await _search(client, bid, assignee=str(other["id"])) == [shared["id"], theirs["id"]]
    assert await _search(client, bid, assignee="none") == [nobody["id"]]
    assert await _search(as_agent, bid, owner="me") == [theirs["id"]]
    assert await _search(client, bid, owner=str(other["id"])) == [mine["id"]]
    assert await _search(client, bid, owner="none") == [shared["id"], nobody["id"]]
    assert await _search(as_agent, bid, assignee="me", owner="none") == [shared["id"]]


async def test_field_filters_and_their_combinations(client):
    board = await create_board(client, lanes=[{"name": "Expedite"}, {"name": "Standard"}])
    bid = board["id"]
    triage, inv = board["columns"][0]["id"], board["columns"][1]["id"]
    fast = board["lanes"][0]["id"]
    a = await create_card(client, bid, priority="urgent", channel="chat", product="Billing")
    b = await create_card(
        client, bid, priority="urgent", channel="email", product="Billing", column_id=inv
    )
    c = await create_card(client, bid, priority="low", channel="chat", lane_id=fast)
    d = await create_card(client, bid, product="Identity", column_id=inv, lane_id=fast)
    r = await client.patch(f"/api/cards/{d['id']}", json={"blocked": True, "blocked_reason": "x"})
    assert r.status_code == 200, r.text

    assert await _search(client, bid, priority="urgent") == [a["id"], b["id"]]
    assert await _search(client, bid, priority="normal") == [d["id"]]
    assert await _search(client, bid, channel="chat") == [a["id"], c["id"]]
    assert await _search(client, bid, product="Billing") == [a["id"], b["id"]]
    assert await _search(client, bid, column_id=inv) == [b["id"], d["id"]]
    assert await _search(client, bid, column_id=triage) == [a["id"], c["id"]]
    assert await _search(client, bid, lane_id=fast) == [c["id"], d["id"]]
    assert await _search(client, bid, blocked="true") == [d["id"]]
    assert await _search(client, bid, blocked="false") == [a["id"], c["id"], b["id"]]
    assert await _search(client, bid, priority="urgent", channel="chat") == [a["id"]]
    assert await _search(client, bid, column_id=inv, lane_id=fast, blocked="true") == [d["id"]]
    assert await _search(client, bid, priority="urgent", column_id=inv, channel="chat") == []
    assert await _search(client, bid, archived="false") == [a["id"], c["id"], b["id"], d["id"]]
    # Another board's column matches none of this board's cards.
    other = await create_board(client)
    await create_card(client, other["id"])
    assert await _search(client, bid, column_id=other["columns"][0]["id"]) == []


async def test_alerted_and_swarmed_flags(client, app):
    board = await create_board(client)
    bid = board["id"]
    calm = await create_card(client, bid)
    stuck = await create_card(client, bid)
    asked = await create_card(client, bid)
    r = await client.patch(f"/api/cards/{stuck['id']}", json={"blocked": True})
    assert r.status_code == 200, r.text
    r = await ask(client, asked["id"], ["billing"])
    assert r.status_code == 201, r.text
    await scan(app, later(5 * 3600))  # past the board's four-hour blocked threshold

    r = await client.get(f"/api/boards/{bid}/alerts", params={"state": "open", "limit": 200})
    alerted = {a["card_id"] for a in r.json()["alerts"] if a["card_id"] is not None}
    assert stuck["id"] in alerted
    found = await _search(client, bid, alerted="true")
    assert set(found) == alerted
    assert (
        set(await _search(client, bid, alerted="false"))
        == {calm["id"], stuck["id"], asked["id"]} - alerted
    )
    assert await _search(client, bid, swarmed="true") == [asked["id"]]
    assert await _search(client, bid, swarmed="false") == [calm["id"], stuck["id"]]
    assert await _search(client, bid, swarmed="true", alerted="true") == (
        [asked["id"]] if asked["id"] in alerted else []
    )


async def test_pages_follow_board_order_without_gaps_or_duplicates(client):
    board = await create_board(
        client,
        columns=[{"name": "A", "stage": "backlog"}, {"name": "B"}, {"name": "C", "stage": "done"}],
    )
    bid = board["id"]
    cols = [c["id"] for c in board["columns"]]
    # Created out of board order: the last column first, then the first, then the middle.
    for column_id in (cols[2], cols[0], cols[1]):
        for _ in range(7):
            await create_card(client, bid, column_id=column_id)
    # A move to the top of a column reorders by position, not by id.
    detail = (await client.get(f"/api/boards/{bid}")).json()
    expected = [c["id"] for c in detail["cards"]]
    last_of_a = [c["id"] for c in detail["cards"] if c["column_id"] == cols[0]][-1]
    r = await client.post(
        f"/api/cards/{last_of_a}/move", json={"column_id": cols[0], "position": 0}
    )
    assert r.status_code == 200, r.text
    expected = [c["id"] for c in (await client.get(f"/api/boards/{bid}")).json()["cards"]]
    assert expected[0] == last_of_a and len(expected) == 21

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(f"/api/boards/{bid}/cards", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 4
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 6
    # The default page holds all 21, with no cursor; an exact fit has no next page either.
    assert await _search(client, bid) == expected
    r = await client.get(f"/api/boards/{bid}/cards", params={"limit": 21})
    assert r.json()["next_cursor"] is None
    # A filtered search pages the same way.
    r = await client.get(f"/api/boards/{bid}/cards", params={"limit": 3, "column_id": cols[1]})
    first = r.json()
    r = await client.get(
        f"/api/boards/{bid}/cards",
        params={"limit": 5, "column_id": cols[1], "cursor": first["next_cursor"]},
    )
    rest = r.json()
    in_b = [c["id"] for c in detail["cards"] if c["column_id"] == cols[1]]
    assert [c["id"] for c in first["items"] + rest["items"]] == in_b
    assert rest["next_cursor"] is None


async def test_a_tampered_cursor_is_a_422_naming_the_cursor(client):
    board = await create_board(client)
    bid = board["id"]
    for _ in range(3):
        await create_card(client, bid)
    r = await client.get(f"/api/boards/{bid}/cards", params={"limit": 1})
    good = r.json()["next_cursor"]
    assert good

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    for bad in (
        good[:-2] + "!!",
        "not-base64-at-all?",
        b64(b"{}"),
        b64(b"[1, 2]"),
        b64(b'["1", 2, 3]'),
        b64(b"[1, NaN, 3]"),
        b64(b"[1, 1e999, 3]"),
        b64(b"[99999999999, 1, 3]"),
        b64(b"[true, 1, 3]"),
        b64(b"\xff\xfe"),
    ):
        r = await client.get(f"/api/boards/{bid}/cards", params={"cursor": bad})
        _bad(r, "cursor")


async def test_bad_filters_are_422_problems_naming_the_parameter(client):
    board = await create_board(client)
    url = f"/api/boards/{board['id']}/cards"
    for field, value in (
        ("assignee", "someone"),
        ("assignee", "0"),
        ("assignee", "9999999999"),
        ("owner", "-1"),
        ("owner", "ME"),
        ("priority", "critical"),
        ("channel", "fax"),
        ("column_id", "0"),
        ("column_id", "abc"),
        ("lane_id", "3000000000"),
        ("blocked", "perhaps"),
        ("alerted", "2"),
        ("swarmed", "x"),
        ("limit", "0"),
        ("limit", "201"),
        ("q", ""),
        ("q", "x" * 201),
        ("product", ""),
        ("archived", "maybe"),
    ):
        r = await client.get(url, params={field: value})
        _bad(r, field)


async def test_archived_cards_are_left_out_unless_asked_for_alone(client):
    board = await create_board(client)
    bid = board["id"]
    kept = await create_card(client, bid, title="Printer jam")
    gone = await create_card(client, bid, title="Printer smoke")
    r = await client.post(f"/api/cards/{gone['id']}/archive")
    assert r.status_code == 200, r.text

    assert await _search(client, bid) == [kept["id"]]
    assert await _search(client, bid, q="printer") == [kept["id"]]
    assert await _search(client, bid, archived="false") == [kept["id"]]
    assert await _search(client, bid, archived="true") == [gone["id"]]
    # The other filters apply to archived cards too.
    assert await _search(client, bid, archived="true", q="smoke") == [gone["id"]]
    assert await _search(client, bid, archived="true", q="jam") == []


async def test_members_search_and_everyone_else_gets_404(client, as_user):
    board = await create_board(client)
    bid = board["id"]
    card = await create_card(client, bid, title="Visible to members")
    viewer, viewer_token = await create_user(client, role="viewer")
    await add_member(client, bid, viewer["id"])
    outsider, outsider_token = await create_user(client, role="agent")
    other = await create_board(client)
    await add_member(client, other["id"], outsider["id"])

    assert await _search(as_user(viewer_token), bid) == [card["id"]]
    r = await as_user(outsider_token).get(f"/api/boards/{bid}/cards")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert "Visible" not in r.text
    r = await client.get("/api/boards/2147483000/cards")
    assert r.status_code == 404
    r = await as_user(None).get(f"/api/boards/{bid}/cards")
    assert r.status_code == 401


def _seed_cards(session: Session, *, board_id: int, column_ids: list[int], n: int) -> None:
    session.add_all(
        Card(
            board_id=board_id,
            column_id=column_ids[i % len(column_ids)],
            position=float(n - i),
            title=f"Seeded {i}",
            priority=("low", "normal", "high", "urgent")[i % 4],
        )
        for i in range(n)
    )
    session.flush()


async def test_paging_through_2000_cards_takes_one_query_per_page(client, app):
    board = await create_board(client)
    bid = board["id"]
    cols = [c["id"] for c in board["columns"]]
    await app.state.db.write(_seed_cards, board_id=bid, column_ids=cols, n=2000)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Only statements that read cards: the listener is global, so the session app's
        # background work (the webhook relay's polling) would otherwise be counted too.
        if re.search(r"\bcards\b", statement):
            statements.append(statement)

    seen: list[int] = []
    pages: list[int] = []
    cursor = None
    event.listen(Engine, "before_cursor_execute", count)
    try:
        while True:
            params: dict[str, Any] = {"limit": 200, "priority": "urgent"}
            if cursor:
                params["cursor"] = cursor
            before = len(statements)
            r = await client.get(f"/api/boards/{bid}/cards", params=params)
            assert r.status_code == 200, r.text
            pages.append(len(statements) - before)
            seen += [c["id"] for c in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
    finally:
        event.remove(Engine, "before_cursor_execute", count)

    assert len(seen) == len(set(seen)) == 500
    assert len(pages) == 3
    # One statement reads the page's cards (filters and cursor included), never one per card.
    assert pages == [1, 1, 1], (pages, statements)
    detail = (await client.get(f"/api/boards/{bid}")).json()
    assert seen == [c["id"] for c in detail["cards"] if c["priority"] == "urgent"]
