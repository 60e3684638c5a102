"""The board page when the person's access changes while it is open (real Chromium, real
uvicorn): close code 4408 makes the page reconnect at once, and a reconnect that is
refused (no longer a member) stops the page with a message saying why."""

from __future__ import annotations

import uuid

from playwright.async_api import expect

from tests.browser.conftest import PASSWORD, BoardFactory, CardFactory
from tests.browser.helpers import RECONNECTING, BoardPage, login

ACTIVE = {"name": "Investigating", "stage": "active"}
DONE = {"name": "Resolved", "stage": "done"}


async def _watcher(api, browser, web, boards):
    """A new agent on ``boards``, signed in, with the first board's page open and live."""
    tag = uuid.uuid4().hex[:8]
    body = {"name": "Wes Watcher", "email": f"wes-{tag}@example.com", "role": "agent"}
    r = await api.post("/api/users", json={**body, "password": PASSWORD})
    assert r.status_code == 201, r.text
    user = r.json()
    for board in boards:
        r = await api.post(f"/api/boards/{board['id']}/members", json={"user_id": user["id"]})
        assert r.status_code == 201, r.text
    context = await browser.new_context()
    page = await context.new_page()
    await login(page, web.url, body["email"], PASSWORD)
    board = BoardPage(page, boards[0]["id"], "watcher")
    response = await page.goto(f"{web.url}/boards/{boards[0]['id']}")
    assert response is not None and response.status == 200
    await board.expect_live()
    return user, context, board


async def test_a_member_removed_while_watching_is_told_and_the_page_stops(
    new_board: BoardFactory, api, browser, web
):
    board = await new_board(columns=[ACTIVE, DONE])
    other = await new_board()  # still a member there, so still signed in
    user, context, page = await _watcher(api, browser, web, [board, other])
    try:
        r = await api.delete(f"/api/boards/{board['id']}/members/{user['id']}")
        assert r.status_code == 204, r.text

        await expect(page.flash).to_have_text(
            "This board is gone, or you are no longer a member of it.", timeout=10_000
        )
        await expect(page.status).to_have_text("offline", timeout=10_000)
        assert page.errors == []
    finally:
        await context.close()


async def test_an_access_change_that_keeps_access_reconnects_and_stays_live(
    new_board: BoardFactory, add_card: CardFactory, open_board, api, people
):
    """Revoking one of the agent's API tokens closes their sockets with 4408; the page
    (signed in with its session, still valid) reconnects at once and keeps updating."""
    board = await new_board(columns=[ACTIVE, DONE])
    active, done = (c["id"] for c in board["columns"])
    card = await add_card(board["id"], column_id=active)
    agent = people["agent"]
    page = await open_board("agent", board["id"])
    r = await api.post(f"/api/users/{agent.id}/tokens", json={"name": "spare"})
    assert r.status_code == 201, r.text

    # The page opens a new socket: the server closed the old one.
    async with page.page.expect_websocket(timeout=10_000) as reopened:
        r = await api.delete(f"/api/users/{agent.id}/tokens/{r.json()['id']}")
        assert r.status_code == 204, r.text
    assert f"/ws/boards/{board['id']}" in (await reopened.value).url
    await page.expect_live()
    # The board keeps updating without a reload, and no error was shown.
    r = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": done})
    assert r.status_code == 200, r.text
    await page.expect_card_in(done, card["id"], within_ms=10_000)
    await expect(page.flash).to_have_count(0)


async def test_a_reconnect_refused_after_the_handshake_is_final_with_a_message(
    new_board: BoardFactory, api, browser, web
):
    """Removed while offline: no event can reach the page, and when it comes back online
    the reconnect is refused with 4404 after the handshake. The page stops and says why
    instead of retrying for ever."""
    board = await new_board(columns=[ACTIVE, DONE])
    other = await new_board()  # still a member there, so still signed in
    user, context, page = await _watcher(api, browser, web, [board, other])
    try:
        await context.set_offline(True)
        await expect(page.status).to_have_text(RECONNECTING)
        r = await api.delete(f"/api/boards/{board['id']}/members/{user['id']}")
        assert r.status_code == 204, r.text
        await context.set_offline(False)

        await expect(page.flash).to_have_text(
            "This board is gone, or you are no longer a member of it.", timeout=15_000
        )
        await expect(page.status).to_have_text("offline")
        assert page.errors == []
    finally:
        await context.close()
