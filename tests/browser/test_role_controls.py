"""Role-aware controls in a real browser: people who may not act see no control to act.

A viewer and a facilitator (``app/auth/roles.py``: neither works cards) get the board
without "Move to…", without draggable cards (cards built live included), without the
"Add card" form and without the alerts panel's Acknowledge and Resolve; a card forced
to be draggable still does not move for them. An agent, on the same board, has them all.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from app.alerts import service as alerts
from app.core.config import Settings
from app.core.db import Database
from tests.browser.helpers import LIVE_TIMEOUT_MS, AlertView, BoardPage

TRIAGE = {"name": "Triage", "stage": "backlog"}
DOING = {"name": "Doing", "stage": "active", "wip_limit": 5}
DONE = {"name": "Resolved", "stage": "done"}


async def _raise(settings: Settings, board_id: int, card_id: int) -> None:
    db = Database(settings)
    db.start()
    try:
        await db.write(
            alerts.raise_for_card,
            board_id=board_id,
            card_id=card_id,
            kind="customer_rejected",
            data={"reason": "still broken"},
        )
    finally:
        await db.dispose()


@pytest.fixture
async def watched_board(new_board, add_card, api, settings: Settings) -> dict[str, Any]:
    """Two cards, one with an open alert, so the alerts panel has an item to act on."""
    board = await new_board(columns=[TRIAGE, DOING, DONE])
    triage = board["columns"][0]["id"]
    cards = [await add_card(board["id"], column_id=triage) for _ in range(2)]
    await _raise(settings, board["id"], cards[0]["id"])
    return {"board": board, "cards": cards}


@pytest.mark.parametrize("role", ["viewer", "facilitator"])
async def test_read_only_roles_see_no_move_edit_or_alert_controls(
    role, watched_board, open_board, new_person, people, api, add_card, settings
):
    board, cards = watched_board["board"], watched_board["cards"]
    triage, doing = board["columns"][0]["id"], board["columns"][1]["id"]
    key = await new_person(f"Read Only {role}", role=role)
    r = await api.post(
        f"/api/boards/{board['id']}/members", json={"user_id": people[key].id, "role": role}
    )
    assert r.status_code == 201, r.text
    page = await open_board(key, board["id"])
    await expect(page.body).to_have_attribute("data-role", role)
    ids = [c["id"] for c in cards]

    await _expect_no_controls_for(page, ids)

    # A card created while the page is open is built by the page: no controls either.
    fresh = await add_card(board["id"], column_id=triage, title="Built live for a read-only page")
    await page.expect_card_in(triage, fresh["id"], within_ms=LIVE_TIMEOUT_MS)
    await expect(page.card(fresh["id"]).locator("button.move-menu")).to_have_count(0)
    await expect(page.card(fresh["id"])).not_to_have_attribute("draggable", "true")

    # Live marks on a card with no owner (so no initials, and no "Move to…" to go before):
    # an alert's flag and a swarm's badge still find their place, without a script error.
    plain = cards[1]["id"]
    fragments: list[str] = []  # a board re-render would hide a failure to apply an event
    page.page.on("request", lambda q: fragments.append(q.url) if "/fragment" in q.url else None)
    await _raise(settings, board["id"], plain)
    r = await api.patch(f"/api/cards/{fresh['id']}", json={"priority": "high"})
    assert r.status_code == 200, r.text  # the next event brings the alert along
    await expect(page.card(plain).locator(".alert-flag")).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    r = await api.post(
        f"/api/cards/{plain}/swarms",
        json={"skills": ["Payments"], "question": "Why twice?", "tried": "Logs"},
    )
    assert r.status_code == 201, r.text
    await expect(page.card(plain).locator(".swarm-badge")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert page.errors == [] and fragments == [], fragments

    # Even a card made draggable by hand does not start a move: no request is sent.
    moves: list[str] = []
    page.page.on("request", lambda q: moves.append(q.url) if q.url.endswith("/move") else None)
    await page.card(ids[1]).evaluate("card => { card.draggable = true; }")
    await page.drag(ids[1], doing)
    await page.expect_card_in(triage, ids[1])
    # The card's own keyboard path opens its details, never a move.
    await page.card(ids[1]).focus()
    await page.page.keyboard.press("Enter")
    await expect(page.page.locator("aside#card-drawer")).to_be_visible()
    await expect(page.page.locator(".move-list")).to_have_count(0)
    assert moves == []
    r = await api.get(f"/api/cards/{ids[1]}")
    assert r.json()["column_id"] == triage


async def _expect_no_controls_for(page: BoardPage, card_ids: list[int]) -> None:
    for card_id in card_ids:
        await expect(page.card(card_id)).to_be_visible()
        await expect(page.card(card_id).locator("button.move-menu")).to_have_count(0)
        await expect(page.card(card_id)).not_to_have_attribute("draggable", "true")
    await expect(page.page.get_by_role("button", name="Move to…")).to_have_count(0)
    await expect(page.page.locator("article.card[draggable=true]")).to_have_count(0)
    await expect(page.page.locator("form#create-card")).to_have_count(0)
    await expect(page.page.get_by_role("button", name="Add card")).to_have_count(0)
    # The alerts panel lists the alert, with nothing to act on it.
    view = AlertView(page)
    await view.open_panel()
    await expect(view.items).to_have_count(1)
    await expect(view.panel.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await expect(view.panel.get_by_role("button", name="Resolve")).to_have_count(0)
    await view.panel.get_by_role("button", name="Close the alerts").click()


async def test_an_agent_sees_every_control_on_the_same_board(watched_board, open_board):
    board, cards = watched_board["board"], watched_board["cards"]
    page = await open_board("agent", board["id"])
    await expect(page.body).to_have_attribute("data-role", "agent")
    for card in cards:
        await expect(page.card(card["id"]).locator("button.move-menu")).to_have_text("Move to…")
        await expect(page.card(card["id"])).to_have_attribute("draggable", "true")
    await expect(page.page.locator("form#create-card")).to_be_visible()
    await expect(page.page.get_by_role("button", name="Add card")).to_be_visible()
    view = AlertView(page)
    await view.open_panel()
    await expect(view.items).to_have_count(1)
    await expect(view.panel.get_by_role("button", name="Acknowledge: Not solved")).to_be_visible()
    await expect(view.panel.get_by_role("button", name="Resolve: Not solved")).to_be_visible()
