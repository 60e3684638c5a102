"""The live board in a real browser: two people, two browser contexts, one real server.

Every test starts from the real uvicorn (``web``) on the session database and Debian's
Chromium. "A" acts, "B" watches; what B sees arrives over the websocket, never a reload.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Route, WebSocketRoute, expect

from tests.browser.conftest import BoardFactory, CardFactory
from tests.browser.helpers import (
    LIVE_TIMEOUT_MS,
    RECONNECTING,
    BoardPage,
    all_events,
    card_column,
    server_placement,
)

TRIAGE = {"name": "Triage", "stage": "backlog"}
RESOLVED = {"name": "Resolved", "stage": "done"}


def _ids(board: dict[str, Any]) -> list[int]:
    return [c["id"] for c in board["columns"]]


async def test_a_dragged_card_appears_on_b_within_two_seconds_with_live_counts(
    new_board, add_card, open_board, api
):
    board = await new_board(
        columns=[TRIAGE, {"name": "Investigating", "stage": "active", "wip_limit": 3}, RESOLVED]
    )
    triage, investigating, _ = _ids(board)
    card = await add_card(board["id"], title="Refund shows twice in the statement")
    await add_card(board["id"])
    await add_card(board["id"], column_id=investigating)

    a = await open_board("agent", board["id"])
    b = await open_board("lead", board["id"])
    await b.expect_card_in(triage, card["id"])
    await b.expect_wip(investigating, 1, 3)
    await expect(b.wip(triage)).to_have_attribute("data-count", "2")

    await a.drag(card["id"], investigating)

    # B sees the card in its new column, and both counters change, with no reload.
    await b.expect_card_in(investigating, card["id"], within_ms=LIVE_TIMEOUT_MS)
    await b.expect_wip(investigating, 2, 3, within_ms=LIVE_TIMEOUT_MS)  # amber: one below
    await expect(b.wip(triage)).to_have_attribute("data-count", "1", timeout=LIVE_TIMEOUT_MS)
    await expect(b.card_in(investigating, card["id"]).locator(".title")).to_have_text(
        "Refund shows twice in the statement"
    )
    await a.expect_card_in(investigating, card["id"])
    assert await card_column(api, card["id"]) == investigating


async def test_a_wip_refusal_shows_the_servers_reason_and_the_card_stays(
    new_board, add_card, open_board, api, people
):
    board = await new_board(
        columns=[TRIAGE, {"name": "Investigating", "stage": "active", "wip_limit": 2}, RESOLVED]
    )
    triage, investigating, _ = _ids(board)
    await add_card(board["id"], column_id=investigating)
    second = await add_card(board["id"])
    refused = await add_card(board["id"], title="Webhook retries stop after one failure")

    a = await open_board("agent", board["id"])
    b = await open_board("lead", board["id"])
    await b.expect_wip(investigating, 1, 2)  # amber

    await a.drag(second["id"], investigating)
    await b.expect_wip(investigating, 2, 2, within_ms=LIVE_TIMEOUT_MS)  # red, live on B

    # What the server says to this person for this move (a refused move changes nothing).
    async with httpx.AsyncClient(
        base_url=str(api.base_url), headers={"Authorization": f"Bearer {people['agent'].token}"}
    ) as as_agent:
        probe = await as_agent.post(
            f"/api/cards/{refused['id']}/move", json={"column_id": investigating}
        )
    assert probe.status_code == 409, probe.text
    reason = probe.json()["detail"]

    await a.drag(refused["id"], investigating)

    # The reason shows on the refused card itself, not in a banner above the board.
    await expect(a.refusal(refused["id"])).to_be_visible()
    await expect(a.refusal(refused["id"])).to_have_text(reason)
    await expect(a.flash).to_have_count(0)
    await a.expect_card_in(triage, refused["id"])
    await a.expect_wip(investigating, 2, 2)
    # An agent may not override: no override dialog and no "Override…" for them.
    await expect(a.page.locator("dialog#override-dialog")).not_to_be_visible()
    await expect(a.card(refused["id"]).get_by_role("button", name="Override…")).to_have_count(0)
    await a.card(refused["id"]).get_by_role("button", name="Dismiss").click()
    await expect(a.refusal(refused["id"])).to_have_count(0)
    assert await card_column(api, refused["id"]) == triage
    await b.expect_card_in(triage, refused["id"])
    await b.expect_wip(investigating, 2, 2)


async def test_a_lead_overrides_the_limit_with_a_reason(
    new_board, add_card, open_board, api, people
):
    board = await new_board(
        columns=[TRIAGE, {"name": "Swarming", "stage": "active", "wip_limit": 1}, RESOLVED]
    )
    triage, swarming, _ = _ids(board)
    await add_card(board["id"], column_id=swarming)
    card = await add_card(board["id"], title="SSO login loops back to sign-in")
    why = "P1: partner SSO outage, swarming now"

    a = await open_board("lead", board["id"])
    b = await open_board("agent", board["id"])
    await b.expect_wip(swarming, 1, 1)

    await a.drag(card["id"], swarming)

    # The refusal on the card offers the lead an override, which opens the dialog.
    await expect(a.refusal(card["id"])).to_contain_text("WIP limit")
    dialog = a.page.locator("dialog#override-dialog")
    await expect(dialog).not_to_be_visible()
    await a.card(card["id"]).get_by_role("button", name="Override…").click()
    await expect(dialog).to_be_visible()
    await dialog.locator("textarea[name=reason]").fill(why)
    await dialog.locator("button[type=submit]").click()

    await expect(dialog).not_to_be_visible()
    await a.expect_card_in(swarming, card["id"])
    await expect(a.refusal(card["id"])).to_have_count(0)
    await expect(a.card_in(triage, card["id"])).to_have_count(0)
    await b.expect_card_in(swarming, card["id"], within_ms=LIVE_TIMEOUT_MS)
    await b.expect_wip(swarming, 2, 1, within_ms=LIVE_TIMEOUT_MS)
    assert await card_column(api, card["id"]) == swarming

    logged = await all_events(api, board["id"])
    overrides = [
        e for e in logged if e["type"] == "wip.overridden" and e["data"]["card_id"] == card["id"]
    ]
    assert len(overrides) == 1, logged
    assert overrides[0]["data"]["reason"] == why
    assert overrides[0]["actor"]["id"] == people["lead"].id
    moved = [e for e in logged if e["type"] == "card.moved" and e["data"]["card_id"] == card["id"]]
    assert [e["data"]["to_column_id"] for e in moved] == [swarming]


async def _catch_up_board(
    new_board: BoardFactory, add_card: CardFactory
) -> tuple[dict[str, Any], list[int], list[int]]:
    board = await new_board(
        columns=[
            TRIAGE,
            {"name": "Investigating", "stage": "active", "wip_limit": 5},
            {"name": "Waiting on customer", "stage": "active"},
            RESOLVED,
        ]
    )
    cards = [await add_card(board["id"]) for _ in range(3)]
    return board, _ids(board), [c["id"] for c in cards]


async def _three_moves_by_a(a: BoardPage, cols: list[int], cards: list[int]) -> None:
    """Three moves through A's page: a drag, a click in the menu, the keyboard."""
    _, investigating, waiting, resolved = cols
    seq = int(await a.body.get_attribute("data-last-seq") or 0)
    await a.drag(cards[0], investigating)
    await a.expect_card_in(investigating, cards[0])
    await a.move_with_menu(cards[1], waiting)
    await a.expect_card_in(waiting, cards[1])
    await a.move_with_keyboard(cards[0], resolved)
    await a.expect_card_in(resolved, cards[0])
    # A's own page has heard all three back from the server: they are committed (the
    # move into done also asked the customer: confirmation.requested).
    await expect(a.body).to_have_attribute("data-last-seq", str(seq + 4))


async def _expect_same_board_as_server(b: BoardPage, api: httpx.AsyncClient) -> None:
    placement, last_seq = await server_placement(api, b.board_id)
    await expect(b.body).to_have_attribute("data-last-seq", str(last_seq))
    for card_id, column_id in placement.items():
        await b.expect_card_in(column_id, card_id)
    assert await b.placement() == placement


async def test_b_offline_during_three_moves_catches_up_when_back_online(
    new_board, add_card, open_board, api
):
    board, cols, cards = await _catch_up_board(new_board, add_card)
    a = await open_board("lead", board["id"])
    b = await open_board("agent", board["id"])
    before = await b.placement()
    assert before == {c: cols[0] for c in cards}

    await b.page.context.set_offline(True)
    await expect(b.status).to_have_text(RECONNECTING)

    await _three_moves_by_a(a, cols, cards)
    placement, _ = await server_placement(api, board["id"])
    assert placement == {cards[0]: cols[3], cards[1]: cols[2], cards[2]: cols[0]}
    assert await b.placement() == before  # offline: nothing reached B yet

    await b.page.context.set_offline(False)
    await b.expect_live()
    await _expect_same_board_as_server(b, api)


async def test_b_reconnects_after_its_socket_drops_and_catches_up(
    new_board, add_card, open_board, api
):
    """B's websocket is cut and the server stays unreachable for B while A moves 3 cards."""
    board, cols, cards = await _catch_up_board(new_board, add_card)
    outage = {"down": False}
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    async def websocket(ws: WebSocketRoute) -> None:
        if outage["down"]:
            await ws.close(code=1011, reason="unreachable")
            return
        sockets.append((ws, ws.connect_to_server()))

    async def http(route: Route) -> None:
        if outage["down"]:
            await route.abort("connectionrefused")
        else:
            await route.continue_()

    async def setup(context: BrowserContext) -> None:
        await context.route_web_socket(re.compile(r"/ws/boards/"), websocket)
        await context.route(re.compile(r"/(api|boards)/"), http)

    a = await open_board("lead", board["id"])
    b = await open_board("agent", board["id"], setup=setup)
    assert sockets, "the board page did not open a websocket to /ws/boards/{id}"

    outage["down"] = True
    for page_side, server_side in sockets:
        await server_side.close(code=1001, reason="going away")
        await page_side.close(code=1001, reason="going away")
    await expect(b.status).to_have_text(RECONNECTING)

    await _three_moves_by_a(a, cols, cards)
    assert await b.placement() == {c: cols[0] for c in cards}  # nothing reached B yet

    outage["down"] = False
    await b.expect_live(within_ms=15_000)  # its reconnect backoff decides when
    await _expect_same_board_as_server(b, api)


async def test_the_keyboard_move_menu_moves_a_card_without_a_mouse(
    new_board, add_card, open_board, api
):
    board = await new_board()
    triage, investigating, _ = _ids(board)
    card = await add_card(board["id"])
    a = await open_board("agent", board["id"])
    b = await open_board("lead", board["id"])

    await a.move_with_keyboard(card["id"], investigating)

    await a.expect_card_in(investigating, card["id"])
    await b.expect_card_in(investigating, card["id"], within_ms=LIVE_TIMEOUT_MS)
    assert await card_column(api, card["id"]) == investigating
    await expect(a.card_in(triage, card["id"])).to_have_count(0)


async def test_every_target_of_the_move_menu_is_clickable_on_a_short_board(
    new_board, add_card, open_board, api
):
    """On a board with one card, the menu must not be cut off by the board's edge."""
    names = ["New", "Triage", "Investigating", "Swarming", "Waiting", "Review", "Resolved"]
    board = await new_board(
        columns=[
            {"name": n, "stage": "backlog" if i == 0 else "done" if i == 6 else "active"}
            for i, n in enumerate(names)
        ]
    )
    ids = _ids(board)
    card = await add_card(board["id"])
    a = await open_board("agent", board["id"])

    await a.card(card["id"]).locator("button.move-menu").click()
    last = a.move_target(ids[-1])
    await expect(last).to_be_visible()
    # A real click (Playwright checks the button is the element under the pointer).
    await last.click(timeout=5_000)

    await a.expect_card_in(ids[-1], card["id"])
    assert await card_column(api, card["id"]) == ids[-1]


async def test_after_a_keyboard_move_the_focus_stays_on_the_moved_card(
    new_board, add_card, open_board
):
    """A keyboard user keeps their place: focus does not fall back to the page."""
    board = await new_board()
    investigating = _ids(board)[1]
    card = await add_card(board["id"])
    a = await open_board("agent", board["id"])

    await a.move_with_keyboard(card["id"], investigating)
    await a.expect_card_in(investigating, card["id"])
    focused_card = a.page.locator(f'article.card[data-card-id="{card["id"]}"]:focus-within')
    await expect(focused_card).to_have_count(1)


async def test_a_new_card_from_the_form_appears_on_b(new_board, open_board, api):
    board = await new_board()
    triage = _ids(board)[0]
    a = await open_board("agent", board["id"])
    b = await open_board("lead", board["id"])
    title = "Invoice PDF shows the wrong VAT rate"

    form = a.page.locator("form#create-card")
    await form.locator("input[name=title]").fill(title)
    await form.locator("input[name=title]").press("Enter")
    await expect(form.locator("input[name=title]")).to_have_value("")  # ready for the next

    on_b = b.column(triage).locator("article.card", has_text=title)
    await expect(on_b).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(a.column(triage).locator("article.card", has_text=title)).to_have_count(1)
    placement, _ = await server_placement(api, board["id"])
    card_id = int(await on_b.get_attribute("data-card-id") or 0)
    assert placement == {card_id: triage}
    await expect(b.wip(triage)).to_have_attribute("data-count", "1")


async def test_a_card_shows_its_owner_blocked_reason_age_and_details(
    new_board, add_card, open_board, api, people, backdate
):
    board = await new_board()
    triage = _ids(board)[0]
    card = await add_card(
        board["id"],
        title="Card declined although the bank approved it",
        description="Customer sent the bank statement; the decline code is 05.",
        owner_id=people["agent"].id,
    )
    fresh = await add_card(board["id"])
    r = await api.patch(
        f"/api/cards/{card['id']}",
        json={"blocked": True, "blocked_reason": "Waiting for the acquirer's logs"},
    )
    assert r.status_code == 200, r.text
    await backdate(card["id"], timedelta(days=3, hours=2))

    b = await open_board("lead", board["id"])
    shown = b.card_in(triage, card["id"])
    await expect(shown.locator(".title")).to_have_text(card["title"])
    await expect(shown.locator(".owner")).to_have_text(re.compile(r"^\s*AM\s*$"))
    await expect(shown.locator(".blocked")).to_contain_text("Waiting for the acquirer's logs")
    await expect(shown.locator(".age")).to_have_text(re.compile(r"^\s*3\s*d"))
    await expect(b.card(fresh["id"]).locator(".blocked")).to_have_count(0)
    await expect(b.card(fresh["id"]).locator(".owner")).to_have_count(0)

    await shown.locator(".title").click()
    drawer = b.page.locator("aside#card-drawer")
    await expect(drawer).to_be_visible()
    await expect(drawer).to_contain_text(card["title"])
    await expect(drawer).to_contain_text("the decline code is 05")


async def test_blocking_a_card_in_the_drawer_shows_on_b(new_board, add_card, open_board, api):
    board = await new_board()
    card = await add_card(board["id"])
    a = await open_board("agent", board["id"])
    b = await open_board("lead", board["id"])
    await expect(b.card(card["id"]).locator(".blocked")).to_have_count(0)

    await a.card(card["id"]).locator(".title").click()
    drawer = a.page.locator("aside#card-drawer")
    await drawer.locator("input[name=blocked]").check()
    await drawer.locator("input[name=blocked_reason]").fill("Waiting for the customer's HAR file")
    await drawer.locator("button[type=submit]").click()

    marker = b.card(card["id"]).locator(".blocked")
    await expect(marker).to_contain_text(
        "Waiting for the customer's HAR file", timeout=LIVE_TIMEOUT_MS
    )
    await expect(a.card(card["id"]).locator(".blocked")).to_contain_text("HAR file")
    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["blocked"] is True
    assert r.json()["blocked_reason"] == "Waiting for the customer's HAR file"


async def test_a_non_member_gets_a_404_page(new_board, add_card, browser, people, web):
    board = await new_board()
    secret = await add_card(board["id"], title="Partner dashboard leaks nothing")
    context = await browser.new_context(storage_state=people["outsider"].storage_state)
    try:
        page = await context.new_page()
        response = await page.goto(f"{web.url}/boards/{board['id']}")
        assert response is not None
        assert response.status == 404
        await expect(page.locator("body")).to_contain_text(re.compile(r"not found", re.I))
        await expect(page.get_by_text(secret["title"])).to_have_count(0)
        await expect(page.get_by_text(board["name"])).to_have_count(0)
        await expect(page.locator("article.card")).to_have_count(0)
    finally:
        await context.close()
