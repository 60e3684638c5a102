"""Accessibility audit of every page with axe-core, in Chromium, on realistic data.

axe-core is vendored (tests/browser/vendor/, see its README): nothing is downloaded when
the tests run, and the project has no Node dependency. The pages forbid injected
scripts (``script-src 'self'``), so axe is not added as a ``<script>`` tag: its source is
evaluated through the DevTools protocol (``page.evaluate``), which the page's CSP does not
govern; the page itself runs exactly as it would for a person.

A violation of impact "serious" or "critical" under WCAG 2.0/2.1 A and AA or axe's best
practices fails the test, naming the rule, its help text and the elements (CSS
selectors). Moderate and minor findings are listed in the output but do not fail.

Also here: the sign-in and webhooks pages used with the keyboard alone.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from app.core.config import Settings
from tests.browser.conftest import PASSWORD, Person
from tests.browser.world import World, build, forget
from tests.conftest import LiveServer
from tests.factories import create_board

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = {"serious", "critical"}
RUN = """tags => axe.run(document, {
  runOnly: {type: "tag", values: tags},
  resultTypes: ["violations"],
})"""


async def audit(page: Page) -> tuple[list[str], list[str]]:
    """Run axe on the page as it is now: (serious or critical findings, the others)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE_SOURCE)
    result: dict[str, Any] = await page.evaluate(RUN, TAGS)
    failing: list[str] = []
    other: list[str] = []
    for v in result["violations"]:
        targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:12])
        more = f" (+{len(v['nodes']) - 12} more)" if len(v["nodes"]) > 12 else ""
        line = f"[{v['impact']}] {v['id']}: {v['help']} -> {targets}{more}"
        (failing if v["impact"] in FAILING else other).append(line)
    return failing, other


async def assert_accessible(page: Page, what: str) -> None:
    failing, other = await audit(page)
    for line in other:
        print(f"axe ({what}), not failing: {line}")
    assert not failing, f"axe found on {what}:\n" + "\n".join(failing)


@pytest.fixture(scope="module")
async def world(
    api: httpx.AsyncClient, people: dict[str, Person], settings: Settings, web: LiveServer
) -> AsyncIterator[World]:
    built = await build(api, people, settings, web.url)
    yield built
    await forget(api, built)


Open = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_page(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> AsyncIterator[Open]:
    """Open a page of the live server as someone (None: nobody signed in). At the end, a
    page that threw an uncaught script error fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def opener(who: str | None, path: str, status: int = 200) -> Page:
        context = await browser.new_context(
            storage_state=people[who].storage_state if who else None,
            viewport={"width": 1440, "height": 900},
            reduced_motion="reduce",
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = await page.goto(path if path.startswith("http") else web.url + path)
        assert response is not None and response.status == status, path
        return page

    yield opener
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught script errors: {errors}"


async def _board(open_page: Open, world: World, suffix: str = "") -> Page:
    page = await open_page("lead", f"/boards/{world.board['id']}{suffix}")
    await expect(page.locator("#live-status")).to_have_text(re.compile(r"^\s*live\s*$", re.I))
    return page


async def _open_drawer(page: Page, card_id: int) -> None:
    """The drawer on the card: the page opens it from the address (#card-N); a click on
    the card's title opens it too."""
    drawer = page.locator("aside#card-drawer")
    try:
        await expect(drawer).to_be_visible(timeout=3_000)
    except AssertionError:
        await page.locator(f'article.card[data-card-id="{card_id}"] .title').click()
        await expect(drawer).to_be_visible()
    for loading in (".drawer-loading", ".insight-loading", ".swarm-loading"):
        await expect(drawer.locator(loading)).to_be_hidden()


# --- the audits -----------------------------------------------------------------------


async def test_the_sign_in_page_passes_axe(open_page: Open):
    page = await open_page(None, "/login")
    await assert_accessible(page, "the sign-in page")
    await page.locator("input[name=email]").fill("nobody@example.com")
    await page.locator("input[name=password]").fill("not the password")
    async with page.expect_navigation():
        await page.locator("form button[type=submit]").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await assert_accessible(page, "the sign-in page with its error")


async def test_the_board_page_passes_axe_with_the_drawer_closed(open_page: Open, world: World):
    page = await _board(open_page, world)
    await expect(page.locator("aside#card-drawer")).to_be_hidden()
    await assert_accessible(page, "the board page")
    await page.locator("#alerts-toggle").click()
    panel = page.locator("section#alerts-panel")
    await expect(panel).to_be_visible()
    await expect(panel.locator(".alerts-loading")).to_be_hidden()
    await expect(panel.locator("ul.alerts-list > li")).to_have_count(3)
    await assert_accessible(page, "the board page with the alerts panel open")


async def test_the_board_page_passes_axe_with_the_drawer_open(open_page: Open, world: World):
    card = world.cards["long"]
    page = await _board(open_page, world, f"#card-{card}")
    await _open_drawer(page, card)
    await assert_accessible(page, f"the board page with card {card}'s drawer open")


async def test_the_retro_page_passes_axe_with_its_data_tables_shown(open_page: Open, world: World):
    page = await open_page("lead", f"/boards/{world.board['id']}/retro")
    details = page.locator("details.chart-data")
    assert await details.count() >= 3
    for i in range(await details.count()):
        await details.nth(i).locator("summary").click()
    await assert_accessible(page, "the retro page")


async def test_the_insights_page_passes_axe(open_page: Open, world: World):
    page = await open_page("lead", f"/boards/{world.board['id']}/insights")
    await expect(page.get_by_text("Billing platform")).to_be_visible()
    await assert_accessible(page, "the insights page")


async def test_the_webhooks_page_passes_axe(open_page: Open, world: World):
    page = await open_page("lead", "/webhooks")
    down = page.locator(f'article.endpoint[data-endpoint-id="{world.endpoints["down"]}"]')
    await expect(down.locator(".endpoint-disabled")).to_be_visible()
    await down.get_by_role("button", name="Attempts").first.click()
    await expect(down.locator("li.attempt").first).to_be_visible()
    await assert_accessible(page, "the webhooks page")


async def test_the_board_settings_page_passes_axe_with_errors_and_the_remove_dialog(
    open_page: Open, world: World
):
    page = await open_page("lead", f"/boards/{world.board['id']}/settings")
    await expect(page.locator("#live-status")).to_have_text(re.compile(r"^\s*live\s*$", re.I))
    await expect(page.locator('.set-row[data-kind="policy"]')).to_have_count(1)
    await assert_accessible(page, "the board settings page")
    # A refusal next to its field, and the question where a column's cards go.
    form = page.locator(f'form.set-form[data-key="column-{world.col["Investigating"]}"]')
    await form.get_by_label("WIP limit for Investigating", exact=True).fill("-1")
    await form.get_by_role("button", name="Save").click()
    await expect(form.locator('[data-field-error="wip_limit"]')).to_be_visible()
    await page.get_by_role("button", name="Remove Investigating").click()
    await expect(page.get_by_role("group", name=re.compile("^Move its"))).to_be_visible()
    await assert_accessible(page, "the board settings page with an error and its dialog")
    await page.get_by_role("button", name="Cancel").click()


async def test_the_customers_page_passes_axe_asking_erring_and_answered(
    open_page: Open, world: World
):
    page = await open_page(None, world.confirm_url)
    await assert_accessible(page, "the customer's question")
    # The browser itself asks for the required answer; the server's own error page is
    # what a client without that check gets: send the form unchecked to see it.
    await page.evaluate("() => { document.querySelector('form.confirm-form').noValidate = true; }")
    await page.get_by_role("button", name="Send my answer").click()
    await expect(page.get_by_role("alert")).to_be_visible()  # "solved" needs an answer
    await assert_accessible(page, "the customer's question with an error")
    await page.get_by_label("Yes, it is solved").check()
    await page.get_by_role("button", name="Send my answer").click()
    await expect(page.get_by_role("heading", name="Thank you for your answer")).to_be_visible()
    await assert_accessible(page, "the customer's answered page")


async def test_the_error_page_passes_axe(open_page: Open):
    page = await open_page("lead", "/boards/999999999", status=404)
    await assert_accessible(page, "the not-found page")


# --- the keyboard ---------------------------------------------------------------------


async def _tab_to(page: Page, accepts: str, presses: int = 40) -> None:
    """Press Tab until the focused element matches the JS predicate ``accepts``."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"() => {{ const el = document.activeElement; return {accepts}; }}"):
            return
    raise AssertionError(f"Tab never reached an element where {accepts}")


async def test_signing_in_works_with_the_keyboard_alone(
    open_page: Open, people: dict[str, Person], web: LiveServer
):
    page = await open_page(None, "/login")
    await _tab_to(page, "el.name === 'email'")
    await page.keyboard.type(people["agent"].email)
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.name") == "password"
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.rstrip("/").endswith(("/boards", web.url.removesuffix("/")))


async def test_the_webhooks_page_works_with_the_keyboard_alone(open_page: Open, world: World):
    page = await open_page("lead", "/webhooks")
    down = page.locator(f'article.endpoint[data-endpoint-id="{world.endpoints["down"]}"]')
    attempts = down.get_by_role("button", name="Attempts").first
    await expect(attempts).to_have_attribute("aria-expanded", "false")
    # Tab to the first delivery's Attempts of that endpoint, open it with Enter.
    await _tab_to(
        page,
        f'el.matches(\'article[data-endpoint-id="{world.endpoints["down"]}"] '
        "button[data-action=attempts]')",
        presses=200,
    )
    await page.keyboard.press("Enter")
    await expect(attempts).to_have_attribute("aria-expanded", "true")
    await expect(down.locator("li.attempt").first).to_be_visible()
    # The focused button shows where the focus is (an outline or a box shadow).
    ring = await page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                          || s.boxShadow !== 'none'; }"""
    )
    assert ring, "the focused Attempts button shows no focus indicator"
    # Space works on a button too: it closes the attempts again.
    await page.keyboard.press("Space")
    await expect(attempts).to_have_attribute("aria-expanded", "false")


async def test_the_people_page_passes_axe_with_an_inline_error(
    open_page: Open, world: World, people: dict[str, Person]
):
    page = await open_page("lead", "/people")
    person = page.locator(f"article#person-{people['agent'].id}")
    await person.locator("details.person-edit summary").click()
    await person.get_by_label("Personal WIP limit").fill("-1")
    await person.get_by_role("button", name="Save team and limit").click()
    await expect(person.locator('[data-field-error="wip_limit"]')).to_be_visible()
    await assert_accessible(page, "the people page with an inline error")


async def test_bots_on_the_board_and_people_pages_pass_axe(
    open_page: Open, api: httpx.AsyncClient, people: dict[str, Person], web: LiveServer
):
    """A bot's chip and skill chips on a card, the bot badge in the drawer and its
    hand-over, the Pull next button; the people page with a bot and its kill switch."""
    board = await create_board(api)
    bid, cols = board["id"], {c["name"]: c["id"] for c in board["columns"]}
    await api.post(
        f"/api/boards/{bid}/members", json={"user_id": people["lead"].id, "role": "lead"}
    )
    r = await api.post(
        "/api/users", json={"kind": "bot", "name": "Axe Bot", "skills": [{"name": "Billing"}]}
    )
    bot = r.json()
    await api.post(f"/api/boards/{bid}/members", json={"user_id": bot["id"], "role": "agent"})
    card = (
        await api.post(
            f"/api/boards/{bid}/cards",
            json={
                "title": "Invoice off by a cent",
                "column_id": cols["Triage"],
                "skills": ["Billing"],
            },
        )
    ).json()
    await api.post(f"/api/boards/{bid}/cards", json={"title": "Still waiting", "skills": ["SQL"]})
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {bot['token']}"}, timeout=15
    ) as as_bot:
        assert (await as_bot.post(f"/api/boards/{bid}/pull")).json()["card"]["id"] == card["id"]
    page = await open_page("lead", f"/boards/{bid}")
    await expect(page.locator("#live-status")).to_have_text(re.compile(r"^\s*live\s*$", re.I))
    await expect(page.locator(".card .bot-assignee")).to_have_count(1)
    await page.locator("#pull-next").click()
    await expect(page.locator("#pull-result")).to_have_text("Nothing waiting for your skills.")
    await assert_accessible(page, "the board page with a bot's card and an empty pull")
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {bot['token']}"}, timeout=15
    ) as as_bot:
        body = {"skills": ["Billing"], "question": "Which tax rule?", "tried": "The notes."}
        assert (await as_bot.post(f"/api/cards/{card['id']}/swarms", json=body)).status_code == 201
    await _open_drawer(page, card["id"])
    await expect(page.locator(".drawer-handover")).to_be_visible()
    await assert_accessible(page, "the drawer of a card a bot handed over")
    page = await open_page("lead", "/people?q=Axe+Bot")
    await expect(page.locator(f"article#person-{bot['id']} .bot-badge")).to_be_visible()
    await assert_accessible(page, "the people page with a bot")
