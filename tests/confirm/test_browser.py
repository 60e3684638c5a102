"""The customer's page in real Chromium with JavaScript off: reachable and answerable
with the keyboard alone, with a visible focus on every stop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from app.core.config import Settings
from tests import factories
from tests.confirm.helpers import requested
from tests.conftest import ADMIN_TOKEN, LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
# The script reads the focused element and whether anything marks it.
_FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id || el.tagName.toLowerCase(), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth)};
}"""


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[LiveServer]:
    """A real uvicorn whose public URL is its own, so the links it sends work."""
    live = LiveServer(settings.database_url, SWARMBOARD_WEBHOOK_RELAY="off")
    yield live
    live.stop()


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def _link(server: LiveServer) -> tuple[dict[str, Any], str]:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    ) as api:
        board = await factories.create_board(api)
        done = board["columns"][2]["id"]
        card = await factories.create_card(api, board["id"], column_id=done, title="Login loops")
        url = (await requested(api, board["id"], card["id"]))["data"]["url"]
        return card, url


async def test_a_keyboard_user_answers_without_javascript(server, chromium, client):
    card, url = await _link(server)
    assert url.startswith(server.url + "/c/")
    context = await chromium.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(url)
        assert await page.locator("h1").inner_text() == "Is your problem solved?"
        stops = []
        for _ in range(6):
            await page.keyboard.press("Tab")
            stops.append(await page.evaluate(_FOCUS))
        # The natural order: the question, each scale, the comment, the button.
        ids = [s["id"] for s in stops]
        assert ids == ["solved-yes", "csat-none", "ces-none", "nps-none", "comment", "button"]
        assert all(s["outline"] != "none" and s["width"] >= 2 for s in stops)

        await page.keyboard.press("Shift+Tab")  # back to the comment
        await page.keyboard.type("Works again, thanks")
        for _ in range(4):
            await page.keyboard.press("Shift+Tab")  # back to the first question
        assert (await page.evaluate(_FOCUS))["id"] == "solved-yes"
        await page.keyboard.press("Space")  # yes
        await page.keyboard.press("Tab")
        assert (await page.evaluate(_FOCUS))["id"] == "csat-none"
        await page.keyboard.press("ArrowRight")  # satisfaction 1 ...
        for _ in range(3):
            await page.keyboard.press("ArrowRight")  # ... to 4
        async with page.expect_navigation():
            await page.keyboard.press("Enter")

        assert await page.locator("h1").inner_text() == "Thank you for your answer"
        text = await page.locator("main").inner_text()
        assert "4 out of 5 (Satisfied)" in text and "Works again, thanks" in text
    finally:
        await context.close()
    shown = (await client.get(f"/api/cards/{card['id']}/confirmation")).json()
    assert (shown["state"], shown["csat"], shown["comment"]) == (
        "confirmed",
        4,
        "Works again, thanks",
    )
