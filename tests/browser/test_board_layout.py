"""The board's layout holds on a board built to break it (issue 17, "A layout that holds").

Real server, real Chromium, at 1280, 1440 and 1920 px wide. Every card's box is
measured against its column's box; one pixel over is a failure. The column headers,
with their ``count / limit`` badges, must stay on screen (and uncovered) after the
board scrolls down, and the board may scroll sideways only when its columns do not fit.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from app.alerts import service as alerts
from app.core.config import Settings
from app.core.db import Database
from tests.browser.conftest import Person
from tests.browser.helpers import BoardPage
from tests.conftest import LiveServer

WIDTHS = (1280, 1440, 1920)
HEIGHT = 900
# 60 characters with no space to break at, as pasted error codes and URLs are.
TOKEN = "ERR_PAYMENT_GATEWAY_TIMEOUT_0x7f3a9c2e1b4d8f6a0c5e3b9d7f1a2c4e"
LONG_REASON = (
    "Waiting on the acquiring bank's settlement file "
    "https://bank.example.com/settlements/2026/12/07/batch-000000000000000000000017"
)

# Each card's box and its column's box, as the page lays them out.
MEASURE = """() => Array.from(document.querySelectorAll('article.card[data-card-id]')).map(card => {
  const col = card.closest('section.column[data-column-id]');
  const c = card.getBoundingClientRect(), k = col.getBoundingClientRect();
  const inner = Array.from(card.querySelectorAll('*')).map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0)
    .reduce((m, r) => Math.max(m, r.right), c.right);
  return {card: Number(card.dataset.cardId), column: Number(col.dataset.columnId),
          left: c.left, right: c.right, width: c.width, inner_right: inner,
          col_left: k.left, col_right: k.right, col_width: k.width};
})"""


async def _board_built_to_break(
    api: httpx.AsyncClient, settings: Settings, people: dict[str, Person], new_board: Any
) -> dict[str, Any]:
    board = await new_board(
        columns=[
            {"name": "Triage", "stage": "backlog", "wip_limit": 30},
            {"name": "Investigating with engineering", "stage": "active", "wip_limit": 4},
            {"name": "Waiting on customer", "stage": "active", "wip_limit": 3},
            {"name": "Escalated", "stage": "active", "wip_limit": 2},
            {"name": "Resolved", "stage": "done"},
        ]
    )
    bid = board["id"]
    columns = [c["id"] for c in board["columns"]]
    lead, agent = people["lead"], people["agent"]
    helpers = [lead.id, agent.id, people["outsider"].id]
    r = await api.post(f"/api/boards/{bid}/members", json={"user_id": people["outsider"].id})
    assert r.status_code == 201, r.text

    db = Database(settings)
    db.start()
    made: list[int] = []
    try:
        for i in range(24):
            column = columns[i % len(columns)]
            title = f"{TOKEN}{i:02d}" if i % 2 == 0 else f"Refund twice {TOKEN} for order {i}"
            body: dict[str, Any] = {
                "title": title,
                "column_id": column,
                "priority": ("urgent", "high", "normal", "low")[i % 4],
                "channel": ("email", "chat", "call", "web")[i % 4],
                "owner_id": helpers[i % 3],
                "assignee_ids": helpers,
            }
            if column != columns[0]:
                body["override_reason"] = "Building a board to break the layout"
            r = await api.post(f"/api/boards/{bid}/cards", json=body)
            assert r.status_code == 201, r.text
            card = r.json()
            made.append(card["id"])
            r = await api.patch(
                f"/api/cards/{card['id']}",
                json={"blocked": True, "blocked_reason": f"{LONG_REASON}{TOKEN}"},
            )
            assert r.status_code == 200, r.text
            # A swarm chip, and an alert flag with a long label, on every card.
            r = await api.post(
                f"/api/cards/{card['id']}/swarms",
                json={"skills": ["Payments"], "question": "Why twice?", "tried": "Logs"},
            )
            assert r.status_code == 201, r.text
            await db.write(
                alerts.raise_for_card,
                board_id=bid,
                card_id=card["id"],
                kind="customer_rejected",
                data={"reason": "still broken"},
            )
    finally:
        await db.dispose()
    return {"board": board, "cards": made}


async def _open(browser: Browser, person: Person, url: str, width: int) -> tuple[Any, Page]:
    context = await browser.new_context(
        storage_state=person.storage_state, viewport={"width": width, "height": HEIGHT}
    )
    page = await context.new_page()
    response = await page.goto(url)
    assert response is not None and response.status == 200
    await BoardPage(page, 0, "lead").expect_live()
    return context, page


@pytest.fixture
async def broken_board(api, settings, people, new_board) -> dict[str, Any]:
    return await _board_built_to_break(api, settings, people, new_board)


@pytest.mark.parametrize("width", WIDTHS)
async def test_no_card_is_wider_than_its_column_and_headers_stay_in_view(
    broken_board, browser: Browser, people, web: LiveServer, width: int
):
    bid = broken_board["board"]["id"]
    context, page = await _open(browser, people["lead"], f"{web.url}/boards/{bid}", width)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # The board really is one to break: every card has its chips, flags and initials.
        for part in (".swarm-badge", ".alert-flag", ".blocked", ".owner"):
            count = await page.locator(f"article.card {part}").count()
            assert count == len(broken_board["cards"]), (part, count)

        boxes = await page.evaluate(MEASURE)
        assert len(boxes) == len(broken_board["cards"])
        over = [
            b
            for b in boxes
            if b["left"] < b["col_left"] - 0.5
            or b["right"] > b["col_right"] + 0.5
            or b["inner_right"] > b["right"] + 0.5
        ]
        assert not over, f"at {width} px, {len(over)} cards overflow their column: {over[:3]}"

        # Five columns fit at every one of these widths: no sideways scrolling.
        sideways = await page.evaluate(
            """() => { const b = document.querySelector('#board');
                       return [b.scrollWidth, b.clientWidth,
                               document.documentElement.scrollWidth, window.innerWidth]; }"""
        )
        assert sideways[0] <= sideways[1] and sideways[2] <= sideways[3], (width, sideways)

        # Scroll the board down with the wheel, as a person would, over the first column.
        first = page.locator("section.column").first
        last_card = page.locator(f'article.card[data-card-id="{broken_board["cards"][-1]}"]')
        before = await last_card.bounding_box()
        assert before is not None
        assert before["y"] + before["height"] > HEIGHT, "the board is too short to scroll"
        box = await first.locator(".lane").bounding_box()
        assert box is not None
        await page.mouse.move(box["x"] + box["width"] / 2, min(box["y"] + 200, HEIGHT - 50))
        await page.mouse.wheel(0, 3000)
        await page.wait_for_function(
            """([id, y]) => document.querySelector(`article.card[data-card-id="${id}"]`)
                 .getBoundingClientRect().top < y - 300""",
            arg=[broken_board["cards"][-1], before["y"]],
        )
        # Every column's header and its count / limit badge are on screen and on top.
        seen = await page.evaluate(
            """() => Array.from(document.querySelectorAll('section.column')).map(col => {
                 const wip = col.querySelector('.column-head .wip');
                 const r = wip.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return {column: col.dataset.columnId, top: r.top, bottom: r.bottom,
                         on_top: hit === wip || wip.contains(hit)};
               })"""
        )
        hidden = [s for s in seen if s["top"] < 0 or s["bottom"] > HEIGHT or not s["on_top"]]
        assert not hidden, f"at {width} px, headers left the screen or are covered: {hidden}"
        assert not errors, errors
    finally:
        await context.close()


async def test_only_the_board_scrolls_sideways_when_its_columns_do_not_fit(
    new_board, add_card, browser: Browser, people, web: LiveServer
):
    # Eight columns of at least 220 px cannot fit in 1280 px: the board scrolls sideways,
    # the page itself does not, and the last column is reachable.
    board = await new_board(
        columns=[{"name": f"Stage {i}", "stage": "active", "wip_limit": 3} for i in range(8)]
    )
    card = await add_card(board["id"], column_id=board["columns"][-1]["id"], title=TOKEN)
    context, page = await _open(browser, people["lead"], f"{web.url}/boards/{board['id']}", 1280)
    try:
        sizes = await page.evaluate(
            """() => { const b = document.querySelector('#board');
                       return [b.scrollWidth, b.clientWidth,
                               document.documentElement.scrollWidth, window.innerWidth]; }"""
        )
        assert sizes[0] > sizes[1], f"the board does not scroll sideways: {sizes}"
        assert sizes[2] <= sizes[3], f"the page itself scrolls sideways: {sizes}"
        last = page.locator(f'article.card[data-card-id="{card["id"]}"]')
        await last.scroll_into_view_if_needed()
        box = await last.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    finally:
        await context.close()
