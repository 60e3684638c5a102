"""One date format in the browser: relative text, the absolute local time as a tooltip.

The pages are opened in Berlin (CET in December) with a US English browser, the setting
in which the old formats showed ("12/21/2026, 5:03:15 AM", "05:10 AM"): every visible
date on the board page (its alerts panel, the drawer) and the webhooks page must read
"12 min ago" / "in 5 min", with "Mon 7 Dec 2026, 10:14 CET" as its title, and no text in
an old format may be visible. The realistic board is tests/browser/world.py's.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from app.core.config import Settings
from tests.browser.conftest import Person
from tests.browser.world import World, build, forget
from tests.conftest import LiveServer

RELATIVE = re.compile(r"^(just now|in a moment|\d+ (min|h|d|mo|y) ago|in \d+ (min|h|d|mo|y))$")
ABSOLUTE = re.compile(r"^[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} CET$")
OLD_FORMATS = [
    re.compile(r"\d{1,2}/\d{1,2}/\d{4}"),
    re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"),
    re.compile(r"\d{2}:\d{2} [AP]M"),
]
CET = timezone(timedelta(hours=1))
# Every visible <time>: its text, title and datetime attribute.
VISIBLE_TIMES = """root => Array.from(root.querySelectorAll("time"))
  .filter(t => t.getClientRects().length > 0)
  .map(t => ({text: t.textContent.trim(), title: t.title, datetime: t.getAttribute("datetime")}))"""


@pytest.fixture(scope="module")
async def world(
    api: httpx.AsyncClient, people: dict[str, Person], settings: Settings, web: LiveServer
) -> AsyncIterator[World]:
    built = await build(api, people, settings, web.url)
    yield built
    await forget(api, built)


@pytest.fixture
async def in_berlin(browser: Browser, people: dict[str, Person]) -> AsyncIterator[Any]:
    """Open pages as the board's lead, in Berlin, with a US English browser."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def opener(url: str | None) -> Page:
        context = await browser.new_context(
            storage_state=people["lead"].storage_state,
            viewport={"width": 1440, "height": 900},
            locale="en-US",
            timezone_id="Europe/Berlin",
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if url is not None:
            response = await page.goto(url)
            assert response is not None and response.status == 200
        return page

    yield opener
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught script errors: {errors}"


def _assert_relative_with_local_tooltip(times: list[dict[str, str]], where: str) -> None:
    assert times, f"no date is visible in {where}"
    for t in times:
        assert RELATIVE.match(t["text"]), f"{where}: {t}"
        assert ABSOLUTE.match(t["title"]), f"{where}: {t}"
        # The tooltip is the datetime attribute's minute, in the viewer's zone.
        at = datetime.fromisoformat(t["datetime"].replace("Z", "+00:00")).astimezone(CET)
        assert t["title"] == f"{at:%a} {at.day} {at:%b %Y, %H:%M} CET", f"{where}: {t}"


async def _assert_no_old_formats(page: Page) -> None:
    text = await page.locator("body").inner_text()  # what is visible, as it reads
    for old in OLD_FORMATS:
        found = old.search(text)
        assert not found, f"{old.pattern} shows: …{text[max(0, found.start() - 60) : found.end()]}"


async def _times(page: Page, selector: str) -> list[dict[str, str]]:
    return list(await page.locator(selector).evaluate(VISIBLE_TIMES))


async def test_the_board_pages_alerts_and_drawer_show_relative_dates_with_local_tooltips(
    in_berlin, world: World, web: LiveServer
):
    page = await in_berlin(f"{web.url}/boards/{world.board['id']}")
    await expect(page.locator("#live-status")).to_have_text(re.compile(r"^\s*live\s*$", re.I))

    # The alerts panel: when each alert was raised, when one was acknowledged.
    await page.locator("#alerts-toggle").click()
    panel = page.locator("section#alerts-panel")
    await expect(panel.locator(".alerts-loading")).to_be_hidden()
    await expect(panel.locator("ul.alerts-list > li")).to_have_count(3)
    times = await _times(page, "section#alerts-panel")
    assert len(times) == 4, times  # three raised, one acknowledged
    _assert_relative_with_local_tooltip(times, "the alerts panel")
    # Raised 47 minutes and 3 hours before the board was built (a while ago, by now).
    texts = [t["text"] for t in times]
    assert any(re.fullmatch(r"\d+ min ago", t) for t in texts), texts
    assert "3 h ago" in texts, texts
    await _assert_no_old_formats(page)
    await panel.locator("[data-close-alerts]").click()

    # A card's age keeps its short text and gets the absolute time as its tooltip.
    age = page.locator(f'article.card[data-card-id="{world.cards["long"]}"] .age')
    await expect(age).to_have_attribute("title", re.compile(r"^In this column since .+ CET$"))

    # The drawer of a card with a past swarm: when it was resolved.
    drawer = page.locator("aside#card-drawer")
    await page.locator(f'article.card[data-card-id="{world.cards["long"]}"] .title').click()
    await expect(drawer).to_be_visible()
    past = drawer.locator(".swarm-past")
    await expect(past).to_be_visible()
    await expect(past.locator("time")).to_have_text(RELATIVE)
    _assert_relative_with_local_tooltip(await _times(page, "aside#card-drawer"), "the drawer")
    await _assert_no_old_formats(page)

    # The drawer of a card the customer answered: when they answered.
    await drawer.locator("[data-close-drawer]").click()
    await page.locator(f'article.card[data-card-id="{world.cards["rejected"]}"] .title').click()
    confirmation = drawer.locator("section#confirmation")
    await expect(confirmation.locator(".confirmation-detail")).to_contain_text("Answered ")
    await expect(confirmation.locator(".confirmation-detail time")).to_have_text(RELATIVE)
    _assert_relative_with_local_tooltip(await _times(page, "aside#card-drawer"), "the drawer")
    await _assert_no_old_formats(page)


async def test_the_webhooks_page_shows_relative_dates_with_local_tooltips(
    in_berlin, world: World, web: LiveServer
):
    page = await in_berlin(f"{web.url}/webhooks")
    down = page.locator(f'article.endpoint[data-endpoint-id="{world.endpoints["down"]}"]')
    ok = page.locator(f'article.endpoint[data-endpoint-id="{world.endpoints["ok"]}"]')
    await expect(down.locator(".endpoint-failing-since")).to_have_text("3 d ago")
    await expect(ok.locator(".endpoint-rotation time")).to_have_text(re.compile(r"^in \d+ h$"))
    failed = ok.locator('tr.delivery[data-state="failed"]')
    await expect(failed.locator(".delivery-next time")).to_have_text(re.compile(r"^in \d+ min$"))
    await expect(failed.locator(".delivery-created time")).to_have_text(
        re.compile(r"^\d+ min ago$")
    )
    # The attempts the page builds itself, and a fragment it fetches (Refresh).
    await failed.get_by_role("button", name="Attempts").click()
    await expect(ok.locator("li.attempt time").first).to_have_text(RELATIVE)
    # Refresh replaces the endpoint's article with the server's fragment: mark the old one
    # and wait for the new one.
    await down.evaluate("el => { el.dataset.before = 'refresh'; }")
    await down.get_by_role("button", name="Refresh").click()
    await expect(down.and_(page.locator("article:not([data-before])"))).to_have_count(1)
    await expect(down.locator("tr.delivery")).to_have_count(3)
    for article in (down, ok):
        times = list(await article.evaluate(VISIBLE_TIMES))
        assert len(times) >= 4, times
        _assert_relative_with_local_tooltip(times, "an endpoint")
    await _assert_no_old_formats(page)


async def test_relative_dates_keep_up_with_the_clock(in_berlin, world: World, web: LiveServer):
    """One timer re-renders every relative date each minute (a fake clock, no waiting)."""
    page = await in_berlin(None)
    await page.clock.install()
    await page.goto(f"{web.url}/webhooks")
    created = page.locator(
        f'article.endpoint[data-endpoint-id="{world.endpoints["ok"]}"] '
        'tr.delivery[data-state="failed"] .delivery-created time'
    )
    await expect(created).to_have_text(re.compile(r"^\d+ min ago$"))
    minutes = int((await created.inner_text()).split()[0])  # 15 when the board was new
    await page.clock.run_for(10 * 60 * 1000)
    await expect(created).to_have_text(f"{minutes + 10} min ago")
    await page.clock.run_for(60 * 60 * 1000)
    await expect(created).to_have_text(f"{(minutes + 70) // 60} h ago")
