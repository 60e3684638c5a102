"""Bots on the people page, in Chromium: an admin adds a bot (no email, password or
invitation) and sees its first API token once, which then works; the bot wears a bot
badge; its kill switch (Stop / Resume) refuses its next change at once; a lead of the
bot's board may stop it too; axe on the page with the token shown."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PASSWORD, BoardFactory, Person
from tests.browser.helpers import login
from tests.browser.test_axe import assert_accessible
from tests.conftest import LiveServer

Open = Callable[[Person], Awaitable[Page]]


@pytest.fixture
async def open_people(browser: Browser, web: LiveServer) -> AsyncIterator[Open]:
    """Sign someone in in a fresh browser and open /people; uncaught script errors fail."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def opener(who: Person) -> Page:
        context = await browser.new_context(viewport={"width": 1440, "height": 900})
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web.url)
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await login(page, web.url, who.email, PASSWORD)
        await page.goto(web.url + "/people")
        return page

    yield opener
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught script errors: {errors}"


async def _admin(api: httpx.AsyncClient) -> Person:
    tag = uuid.uuid4().hex[:8]
    body = {
        "name": f"Admin {tag}",
        "email": f"admin-{tag}@example.com",
        "role": "admin",
        "password": PASSWORD,
    }
    r = await api.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    u = r.json()
    return Person(u["id"], u["name"], u["email"], "admin", u["token"])


async def _as(web: LiveServer, token: str, method: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    ) as client:
        return await client.request(method, path)


async def test_an_admin_adds_a_bot_sees_its_token_once_and_stops_it(
    api: httpx.AsyncClient, open_people: Open, new_board: BoardFactory, web: LiveServer
):
    admin = await _admin(api)
    board = await new_board()
    page = await open_people(admin)
    form = page.locator("form#create-bot")
    name = f"Triage Bot {uuid.uuid4().hex[:6]}"
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Team (optional)").fill("Automation")
    await form.get_by_label("WIP limit (its concurrency)").fill("2")
    await form.get_by_role("button", name="Add skill").click()
    await form.locator(".skill-row input").fill("Billing")
    await form.get_by_role("button", name="Add bot").click()

    box = page.locator("#token-box")
    await expect(box).to_be_visible()
    await expect(box.locator(".token-title")).to_have_text(f"API token for {name}.")
    token = await box.locator(".secret-value").input_value()
    assert token.startswith("sb_")
    await expect(box.locator(".token-connect")).to_contain_text("/mcp")
    await box.get_by_role("button", name="Copy").click()
    await expect(box.locator(".copy-hint")).to_have_text("Copied.")
    await assert_accessible(page, "the people page showing a new bot's token")

    # The token is the bot's: it works, and says so.
    me = await _as(web, token, "GET", "/api/users/me")
    assert me.status_code == 200, me.text
    bot = me.json()
    assert (bot["kind"], bot["role"], bot["team"], bot["wip_limit"]) == (
        "bot",
        "agent",
        "Automation",
        2,
    )
    assert bot["skills"] == [{"name": "Billing", "level": 1}]

    # In the list: a bot badge, no email, no invitation; running, with a Stop button.
    card = page.locator(f"article#person-{bot['id']}")
    await expect(card.locator(".person-name .bot-badge")).to_have_text("Bot")
    await expect(card.locator(".avail-badge")).to_have_text("Running")
    await expect(card).not_to_contain_text("@")
    await expect(card.locator('[data-action="invite"]')).to_have_count(0)
    await box.get_by_role("button", name="Done").click()
    await expect(box).to_be_hidden()

    r = await api.post(
        f"/api/boards/{board['id']}/members", json={"user_id": bot["id"], "role": "agent"}
    )
    assert r.status_code == 201, r.text
    await card.get_by_role("button", name="Stop").click()
    card = page.locator(f"article#person-{bot['id']}")
    await expect(card.locator(".avail-badge")).to_have_text("Stopped")
    await expect(card.get_by_role("button", name="Resume")).to_be_focused()
    refused = await _as(web, token, "POST", f"/api/boards/{board['id']}/pull")
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/bot-away")

    await card.get_by_role("button", name="Resume").click()
    card = page.locator(f"article#person-{bot['id']}")
    await expect(card.locator(".avail-badge")).to_have_text("Running")
    pulled = await _as(web, token, "POST", f"/api/boards/{board['id']}/pull")
    assert pulled.status_code == 200, pulled.text


async def test_a_lead_of_the_bots_board_may_stop_it(
    api: httpx.AsyncClient,
    open_people: Open,
    new_board: BoardFactory,
    people: dict[str, Person],
    web: LiveServer,
):
    board = await new_board()
    r = await api.post("/api/users", json={"kind": "bot", "name": f"Bot {uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    bot = r.json()
    r = await api.post(
        f"/api/boards/{board['id']}/members", json={"user_id": bot["id"], "role": "agent"}
    )
    assert r.status_code == 201, r.text
    page = await open_people(people["lead"])
    # Many people share the lead's test boards: find the bot by name.
    await page.goto(f"{web.url}/people?q={bot['name'].replace(' ', '+')}")
    card = page.locator(f"article#person-{bot['id']}")
    await expect(card.locator(".bot-badge")).to_be_visible()
    await card.get_by_role("button", name="Stop").click()
    await expect(page.locator(f"article#person-{bot['id']} .avail-badge")).to_have_text("Stopped")
    assert (await api.get(f"/api/users/{bot['id']}")).json()["availability"] == "away"
    refused = await _as(web, bot["token"], "POST", f"/api/boards/{board['id']}/pull")
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/bot-away")
