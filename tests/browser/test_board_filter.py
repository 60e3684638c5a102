"""Finding cards on the board page: the search box and the filter bar (filter.js).

Real server, real Chromium. The bar is ``form#board-filter[role=search]``: a search box
named "Search cards", toggle buttons (``aria-pressed``) named Mine, Unassigned, Blocked,
Alerted and Swarmed, selects named Priority and Channel, and Clear filters. A card the
filter leaves out is hidden, never removed (the count / limit badge keeps the true
count); its column says how many it hides.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.async_api import Locator, Page, expect

from app.alerts import service as alerts
from app.core.config import Settings
from app.core.db import Database
from tests.browser.conftest import Person
from tests.browser.helpers import LIVE_TIMEOUT_MS, BoardPage

OWNER_TIMEOUT_MS = 8_000
TRIAGE = {"name": "Triage", "stage": "backlog"}
DOING = {"name": "Investigating", "stage": "active"}
DONE = {"name": "Resolved", "stage": "done"}


class FilterBar:
    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.page: Page = board.page
        self.form = self.page.locator("form#board-filter[role=search]")

    @property
    def search(self) -> Locator:
        return self.form.get_by_role("searchbox", name="Search cards", exact=True)

    def toggle(self, name: str) -> Locator:
        return self.form.get_by_role("button", name=name, exact=True)

    def select(self, name: str) -> Locator:
        return self.form.get_by_role("combobox", name=name, exact=True)

    @property
    def clear(self) -> Locator:
        return self.page.get_by_role("button", name="Clear filters", exact=True)

    @property
    def empty(self) -> Locator:
        return self.page.get_by_text("No cards match these filters.")

    def hidden_note(self, column_id: int) -> Locator:
        return self.board.column(column_id).locator(".column-head")

    async def expect_shown(self, *card_ids: int) -> None:
        for card_id in card_ids:
            await expect(self.board.card(card_id)).to_be_visible()

    async def expect_hidden(self, *card_ids: int) -> None:
        for card_id in card_ids:
            # Still on the page (live updates and counts need it), just not shown.
            await expect(self.board.card(card_id)).to_have_count(1)
            await expect(self.board.card(card_id)).to_be_hidden()

    async def press(self, name: str) -> None:
        button = self.toggle(name)
        await button.click()
        await expect(button).to_have_attribute("aria-pressed", "true")


def _ids(board: dict[str, Any]) -> list[int]:
    return [c["id"] for c in board["columns"]]


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


async def test_typing_hides_the_cards_that_do_not_match_and_each_column_says_how_many(
    new_board, add_card, open_board
):
    board = await new_board(columns=[TRIAGE, DOING, DONE])
    triage, doing, _ = _ids(board)
    refund = await add_card(board["id"], title="Refund shows twice in the statement")
    sso = await add_card(board["id"], title="SSO login loops back to sign-in")
    csv = await add_card(board["id"], title="CSV export misses a day")
    by_product = await add_card(
        board["id"], title="Customer asks about a charge", product="Refunds", column_id=doing
    )
    webhook = await add_card(board["id"], title="Webhook retries stop", column_id=doing)

    page = await open_board("agent", board["id"])
    bar = FilterBar(page)
    await expect(bar.search).to_be_visible()
    await bar.search.fill("REFUND")  # any case; the product counts too

    await bar.expect_shown(refund["id"], by_product["id"])
    await bar.expect_hidden(sso["id"], csv["id"], webhook["id"])
    await expect(bar.hidden_note(triage)).to_contain_text("2 hidden")
    await expect(bar.hidden_note(doing)).to_contain_text("1 hidden")
    # The count badge keeps the column's true count.
    await expect(page.wip(triage)).to_have_attribute("data-count", "3")
    await expect(page.wip(doing)).to_have_attribute("data-count", "2")

    await bar.search.fill("")
    await bar.expect_shown(refund["id"], sso["id"], csv["id"], by_product["id"], webhook["id"])
    await expect(bar.hidden_note(triage)).not_to_contain_text("hidden")
    await expect(bar.clear).to_have_count(0)


async def test_slash_focuses_the_search_box_and_escape_clears_it(new_board, add_card, open_board):
    board = await new_board(columns=[TRIAGE, DONE])
    keep = await add_card(board["id"], title="Password reset mail lands in spam")
    other = await add_card(board["id"], title="Mobile app crashes on attachments")

    page = await open_board("lead", board["id"])
    bar = FilterBar(page)
    await page.card(other["id"]).focus()
    await page.page.keyboard.press("/")
    await expect(bar.search).to_be_focused()
    await page.page.keyboard.type("spam")
    await expect(bar.search).to_have_value("spam")  # the "/" itself was not typed
    await bar.expect_hidden(other["id"])

    await page.page.keyboard.press("Escape")
    await expect(bar.search).to_have_value("")
    await bar.expect_shown(keep["id"], other["id"])

    # In another field "/" is just a character.
    title = page.page.get_by_role("textbox", name="Card title")
    await title.click()
    await page.page.keyboard.type("a/b")
    await expect(title).to_have_value("a/b")
    await expect(title).to_be_focused()


async def test_mine_and_unassigned(new_board, add_card, open_board, people: dict[str, Person]):
    lead, agent = people["lead"].id, people["agent"].id
    board = await new_board(columns=[TRIAGE, DOING, DONE])
    owned = await add_card(board["id"], title="Owned by the lead", owner_id=lead)
    assigned = await add_card(
        board["id"], title="Assigned to the lead", owner_id=agent, assignee_ids=[agent, lead]
    )
    theirs = await add_card(board["id"], title="The agent's", owner_id=agent)
    only_assignee = await add_card(board["id"], title="Assignee, no owner", assignee_ids=[agent])
    nobody = await add_card(board["id"], title="Nobody's")

    page = await open_board("lead", board["id"])
    bar = FilterBar(page)
    await expect(bar.toggle("Mine")).to_have_attribute("aria-pressed", "false")
    await bar.press("Mine")
    await bar.expect_shown(owned["id"], assigned["id"])
    await bar.expect_hidden(theirs["id"], only_assignee["id"], nobody["id"])

    await bar.toggle("Mine").click()
    await expect(bar.toggle("Mine")).to_have_attribute("aria-pressed", "false")
    await bar.press("Unassigned")
    await bar.expect_shown(nobody["id"])
    await bar.expect_hidden(owned["id"], assigned["id"], theirs["id"], only_assignee["id"])


async def test_blocked_alerted_and_swarmed(
    new_board, add_card, open_board, api: httpx.AsyncClient, settings: Settings
):
    board = await new_board(columns=[TRIAGE, DOING, DONE])
    blocked = await add_card(board["id"], title="Waiting on the bank")
    r = await api.patch(
        f"/api/cards/{blocked['id']}", json={"blocked": True, "blocked_reason": "Bank logs"}
    )
    assert r.status_code == 200, r.text
    alerted = await add_card(board["id"], title="Customer said not solved")
    db = Database(settings)
    db.start()
    try:
        await db.write(
            alerts.raise_for_card,
            board_id=board["id"],
            card_id=alerted["id"],
            kind="customer_rejected",
            data={"reason": "still broken"},
        )
    finally:
        await db.dispose()
    swarmed = await add_card(board["id"], title="Needs a payments expert")
    r = await api.post(
        f"/api/cards/{swarmed['id']}/swarms",
        json={"skills": ["Payments"], "question": "Why twice?", "tried": "Logs"},
    )
    assert r.status_code == 201, r.text
    plain = await add_card(board["id"], title="Nothing special")
    everyone = [blocked["id"], alerted["id"], swarmed["id"], plain["id"]]

    page = await open_board("agent", board["id"])
    bar = FilterBar(page)
    for name, card in (("Blocked", blocked), ("Alerted", alerted), ("Swarmed", swarmed)):
        await bar.press(name)
        await bar.expect_shown(card["id"])
        await bar.expect_hidden(*[i for i in everyone if i != card["id"]])
        await bar.toggle(name).click()
        await expect(bar.toggle(name)).to_have_attribute("aria-pressed", "false")
        await bar.expect_shown(*everyone)


async def test_a_card_matching_only_by_its_description_is_found_through_the_server(
    new_board, add_card, open_board, api: httpx.AsyncClient
):
    board = await new_board(columns=[TRIAGE, DONE])
    described = await add_card(
        board["id"],
        title="Printer jam at the front desk",
        description="The customer also mentions a chargeback from March.",
    )
    titled = await add_card(board["id"], title="Chargeback dispute form is broken")
    other = await add_card(board["id"], title="Dark mode colours", description="Contrast.")

    page = await open_board("agent", board["id"])
    bar = FilterBar(page)
    await bar.search.fill("chargeback")
    await bar.expect_shown(titled["id"], described["id"])
    await bar.expect_hidden(other["id"])

    # Live: a description edited to match, and a new card matching only by its
    # description, show once the server is asked again (the page cannot see descriptions).
    r = await api.patch(f"/api/cards/{other['id']}", json={"description": "A chargeback too."})
    assert r.status_code == 200, r.text
    born = await add_card(board["id"], title="Phone call", description="About a CHARGEBACK.")
    await expect(page.card(other["id"])).to_be_visible(timeout=5_000)
    await expect(page.card(born["id"])).to_be_visible(timeout=5_000)


async def test_the_filter_is_in_the_address_and_a_reload_restores_it(
    new_board, add_card, open_board, people: dict[str, Person]
):
    board = await new_board(columns=[TRIAGE, DONE])
    lead = people["lead"].id
    match = await add_card(
        board["id"], title="Refund for order 7", owner_id=lead, priority="high", channel="email"
    )
    wrong_channel = await add_card(
        board["id"], title="Refund for order 8", owner_id=lead, priority="high", channel="chat"
    )
    wrong_priority = await add_card(
        board["id"], title="Refund for order 9", owner_id=lead, priority="low", channel="email"
    )

    page = await open_board("lead", board["id"])
    bar = FilterBar(page)
    await bar.search.fill("refund")
    await bar.press("Mine")
    await bar.select("Priority").select_option("high")
    await bar.select("Channel").select_option("email")
    await bar.expect_shown(match["id"])
    await bar.expect_hidden(wrong_channel["id"], wrong_priority["id"])
    await expect(page.page).to_have_url(re.compile(r"[?&]channel=email"))
    assert _query(page.page) == {
        "q": ["refund"],
        "mine": ["1"],
        "priority": ["high"],
        "channel": ["email"],
    }

    await page.page.reload()
    await page.expect_live()
    await expect(bar.search).to_have_value("refund")
    await expect(bar.toggle("Mine")).to_have_attribute("aria-pressed", "true")
    await expect(bar.toggle("Blocked")).to_have_attribute("aria-pressed", "false")
    await expect(bar.select("Priority")).to_have_value("high")
    await expect(bar.select("Channel")).to_have_value("email")
    await bar.expect_shown(match["id"])
    await bar.expect_hidden(wrong_channel["id"], wrong_priority["id"])

    # A shared link with a card's hash keeps the hash while the filter changes.
    await page.page.goto(f"{page.page.url.split('?')[0]}?q=refund#card-{match['id']}")
    await page.expect_live()
    await bar.press("Blocked")
    await expect(page.page).to_have_url(re.compile(rf"blocked=1#card-{match['id']}$"))


async def test_cards_created_live_by_someone_else_follow_the_filter(
    new_board, add_card, open_board, api: httpx.AsyncClient, people: dict[str, Person]
):
    board = await new_board(columns=[TRIAGE, DONE])
    triage, _ = _ids(board)
    await add_card(board["id"], title="Refund shows twice")

    page = await open_board("agent", board["id"])
    bar = FilterBar(page)
    await bar.search.fill("refund")
    await expect(bar.hidden_note(triage)).not_to_contain_text("hidden")

    other = await add_card(board["id"], title="SSO login loops")
    matching = await add_card(board["id"], title="Second refund request")
    await expect(page.card(matching["id"])).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(page.card(other["id"])).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    await bar.expect_hidden(other["id"])
    await expect(bar.hidden_note(triage)).to_contain_text("1 hidden")
    await expect(page.wip(triage)).to_have_attribute("data-count", "3")

    # Mine: the owner arrives after the card does (live.js asks for it: a second round
    # trip, so this waits longer than the live board's 2 s).
    await bar.search.fill("")
    await bar.press("Mine")
    mine = await add_card(board["id"], title="Call back", owner_id=people["agent"].id)
    not_mine = await add_card(board["id"], title="Call back too", owner_id=people["lead"].id)
    await expect(page.card(mine["id"])).to_be_visible(timeout=OWNER_TIMEOUT_MS)
    await expect(page.card(not_mine["id"])).to_have_count(1, timeout=OWNER_TIMEOUT_MS)
    await bar.expect_hidden(not_mine["id"])

    # Assigned live to the agent: it shows; then unassigned again: hidden.
    r = await api.patch(f"/api/cards/{not_mine['id']}", json={"assignee_ids": [people["agent"].id]})
    assert r.status_code == 200, r.text
    await expect(page.card(not_mine["id"])).to_be_visible(timeout=OWNER_TIMEOUT_MS)
    r = await api.patch(f"/api/cards/{not_mine['id']}", json={"assignee_ids": []})
    assert r.status_code == 200, r.text
    await expect(page.card(not_mine["id"])).to_be_hidden(timeout=OWNER_TIMEOUT_MS)


async def test_a_viewer_has_the_search_box_and_the_filters(
    new_board, add_card, open_board, api: httpx.AsyncClient, people, new_person
):
    board = await new_board(columns=[TRIAGE, DONE])
    viewer = await new_person("Vera Viewer", role="viewer")
    r = await api.post(
        f"/api/boards/{board['id']}/members",
        json={"user_id": people[viewer].id, "role": "viewer"},
    )
    assert r.status_code == 201, r.text
    refund = await add_card(board["id"], title="Refund shows twice")
    other = await add_card(board["id"], title="SSO login loops", owner_id=people["lead"].id)

    page = await open_board(viewer, board["id"])
    bar = FilterBar(page)
    await expect(page.page.locator("form#create-card")).to_have_count(0)
    await bar.search.fill("refund")
    await bar.expect_shown(refund["id"])
    await bar.expect_hidden(other["id"])
    await bar.search.fill("")
    await bar.press("Unassigned")
    await bar.expect_shown(refund["id"])
    await bar.expect_hidden(other["id"])
    # A card with an owner built live on a page without "Move to…" buttons.
    owned = await add_card(board["id"], title="Owned live", owner_id=people["lead"].id)
    await expect(page.card(owned["id"]).locator(".owner")).to_have_count(
        1, timeout=OWNER_TIMEOUT_MS
    )
    await bar.expect_hidden(owned["id"])


async def test_nothing_matches_then_clear_filters(new_board, add_card, open_board):
    board = await new_board(columns=[TRIAGE, DONE])
    cards = [await add_card(board["id"], title=f"Ticket number {i}") for i in range(3)]

    page = await open_board("agent", board["id"])
    bar = FilterBar(page)
    await expect(bar.empty).to_be_hidden()
    await bar.press("Blocked")
    await bar.search.fill("ticket")
    await expect(bar.empty).to_be_visible()
    await bar.expect_hidden(*[c["id"] for c in cards])
    await expect(bar.clear).to_have_count(1)

    await bar.clear.click()
    await expect(bar.empty).to_be_hidden()
    await bar.expect_shown(*[c["id"] for c in cards])
    await expect(bar.search).to_have_value("")
    await expect(bar.toggle("Blocked")).to_have_attribute("aria-pressed", "false")
    await expect(bar.clear).to_have_count(0)
    await expect(page.page).not_to_have_url(re.compile(r"[?&](q|blocked)="))
