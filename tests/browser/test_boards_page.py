"""The board list in Chromium: leads and admins create a board from it (a preset or a
blank one) and land on its settings page; a refusal shows next to its field; agents and
viewers see no form, and everyone finds People in the top bar."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import BoardFactory, NewPerson, Person
from tests.browser.test_axe import assert_accessible
from tests.conftest import LiveServer

SETTINGS_URL = re.compile(r"/boards/(\d+)/settings$")
SUPPORT_COLUMNS = [
    "Triage",
    "Investigating",
    "Swarming",
    "Ready for engineering",
    "Waiting on customer",
    "Resolved",
]

Open = Callable[[str], Awaitable[Page]]


@pytest.fixture
async def board_list(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> AsyncIterator[Open]:
    """Open /boards as someone of ``people``; an uncaught script error fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def opener(who: str) -> Page:
        context = await browser.new_context(
            storage_state=people[who].storage_state, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = await page.goto(f"{web.url}/boards")
        assert response is not None and response.status == 200
        return page

    yield opener
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught script errors: {errors}"


def new_board_form(page: Page) -> Locator:
    return page.locator("form#new-board")


async def create(page: Page, name: str, start: str | None = None) -> None:
    form = new_board_form(page)
    await form.get_by_label("Name", exact=True).fill(name)
    if start is not None:
        await form.get_by_label(start).check()
    await form.get_by_role("button", name="Create board").click()


async def landed_board(page: Page, api: httpx.AsyncClient) -> dict:
    """The board whose settings page the browser went to."""
    await expect(page).to_have_url(SETTINGS_URL)
    found = SETTINGS_URL.search(page.url)
    assert found is not None
    r = await api.get(f"/api/boards/{found.group(1)}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_new_lead_creates_the_first_board_from_the_preset_and_lands_on_its_settings(
    board_list: Open, new_person: NewPerson, api: httpx.AsyncClient, people: dict[str, Person]
):
    key = await new_person("Nadia Newlead", role="lead")
    page = await board_list(key)
    empty = page.locator("section.empty")
    await expect(
        empty.get_by_role("heading", name="Create your team's first board")
    ).to_be_visible()
    await expect(page.get_by_text("curl")).to_have_count(0)  # no command line to copy
    # The recommended start is the one chosen unless the lead picks another.
    await expect(new_board_form(page).get_by_label(re.compile("^Support swarming"))).to_be_checked()
    await assert_accessible(page, "the empty board list with the New board form")

    await create(page, "Billing support")
    board = await landed_board(page, api)
    assert board["name"] == "Billing support"
    assert [c["name"] for c in board["columns"]] == SUPPORT_COLUMNS
    assert {c["name"]: c["wip_limit"] for c in board["columns"]}["Swarming"] == 3
    assert [lane["name"] for lane in board["lanes"]] == ["Expedite", "Standard"]
    assert people[key].id in {m["user_id"] for m in board["members"]}  # the creator is on it

    # Back on the list, the board is there and the form stays offered under it.
    await page.goto(page.url.split("/boards/")[0] + "/boards")
    await expect(page.get_by_role("link", name="Billing support")).to_be_visible()
    await expect(page.get_by_role("heading", name="New board")).to_be_visible()


async def test_a_lead_creates_a_blank_board(board_list: Open, api: httpx.AsyncClient):
    page = await board_list("lead")  # with boards or not: the form is offered
    await create(page, "Escalations scratch", start="Blank")
    board = await landed_board(page, api)
    assert board["name"] == "Escalations scratch"
    assert [(c["name"], c["stage"], c["wip_limit"]) for c in board["columns"]] == [
        ("To do", "backlog", None),
        ("Doing", "active", None),
        ("Done", "done", None),
    ]
    assert board["lanes"] == []


async def test_an_empty_name_is_refused_next_to_the_field(board_list: Open, api: httpx.AsyncClient):
    page = await board_list("lead")
    before = (await api.get("/api/boards", params={"limit": 200})).json()["total"]
    form = new_board_form(page)
    name = form.get_by_label("Name", exact=True)
    await create(page, "   ")
    error = form.locator('[data-field-error="name"]')
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("name")
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(name).to_have_attribute("aria-describedby", re.compile(r"\bname-error\b"))
    await expect(name).to_be_focused()
    await assert_accessible(page, "the board list with a refused name")

    # The server's own refusal lands in the same place: a name longer than it takes
    # (the field's maxlength removed, as a client without that check would send).
    await name.evaluate("input => input.removeAttribute('maxlength')")
    await create(page, "x" * 201)
    await expect(error).to_contain_text("200")
    await expect(name).to_have_attribute("aria-invalid", "true")
    assert not SETTINGS_URL.search(page.url)
    # Typing again clears the message.
    await name.fill("Tier 2")
    await expect(error).to_be_hidden()
    await expect(name).not_to_have_attribute("aria-invalid", "true")
    after = (await api.get("/api/boards", params={"limit": 200})).json()["total"]
    assert after == before  # nothing was created


async def test_agents_see_no_form_and_everyone_finds_people(
    board_list: Open, new_person: NewPerson, new_board: BoardFactory
):
    newcomer = await new_person("Ada Newagent", role="agent")
    page = await board_list(newcomer)
    await expect(page.get_by_text("Ask a lead to add you")).to_be_visible()
    await expect(new_board_form(page)).to_have_count(0)
    await expect(page.get_by_text("curl")).to_have_count(0)
    await expect(page.get_by_role("link", name="People")).to_have_attribute("href", "/people")

    board = await new_board()
    on_boards = await board_list("agent")  # an agent on a board
    await expect(on_boards.get_by_role("link", name=board["name"])).to_be_visible()
    await expect(new_board_form(on_boards)).to_have_count(0)
    await expect(on_boards.get_by_role("heading", name="New board")).to_have_count(0)
    await expect(on_boards.get_by_role("link", name="People")).to_be_visible()
