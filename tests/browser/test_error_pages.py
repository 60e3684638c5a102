"""A mistyped address shows the site's styled error page, with a way home, in Chromium
(it used to show raw JSON); the NUL refusal on a page is a styled 422 page too."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser

from tests.browser.conftest import Person
from tests.conftest import LiveServer


async def test_a_mistyped_page_address_shows_the_styled_404_page_with_a_link_home(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> None:
    context = await browser.new_context(storage_state=people["lead"].storage_state)
    try:
        page = await context.new_page()
        response = await page.goto(f"{web.url}/bords/typo")
        assert response is not None and response.status == 404
        assert response.headers["content-type"].startswith("text/html")

        await page.get_by_role("heading", name="Page not found").wait_for()
        # The stylesheet applied: the top bar is laid out by board.css, not the default.
        display = await page.locator("header.topbar").evaluate("e => getComputedStyle(e).display")
        assert display == "flex"
        assert "{" not in (await page.locator("body").inner_text())  # no raw JSON

        await page.get_by_role("link", name="Back to your boards").click()
        await page.wait_for_url(f"{web.url}/boards")
        await page.get_by_role("heading", name="Page not found").wait_for(state="detached")
    finally:
        await context.close()


async def test_nul_in_a_page_address_shows_a_styled_422_page(
    browser: Browser, people: dict[str, Person], web: LiveServer, new_board: Any, add_card: Any
) -> None:
    board = await new_board()
    await add_card(board["id"], title="Printer on fire", product="Printers")
    context = await browser.new_context(storage_state=people["lead"].storage_state)
    try:
        page = await context.new_page()
        # The lead's own board: before the check this was the retro page (or a 500).
        response = await page.goto(f"{web.url}/boards/{board['id']}/retro?product=Print%00ers")
        assert response is not None and response.status == 422
        await page.get_by_role("heading", name="Invalid request").wait_for()
        assert "“product”" in await page.locator("main").inner_text()
    finally:
        await context.close()
