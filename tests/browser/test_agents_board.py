"""Bots on the board page, in Chromium: the bot badge on a card a bot pulled (live and
server-rendered), in the drawer's people and activity; the hand-over a bot's swarm
request shows on the card; the skills a card needs as chips, edited in the drawer; the
Pull next button's success, empty and refused states; axe on those states; and the
badge and chips staying inside the card, clear of its title, at 1280, 1440 and 1920 px."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import BoardFactory, CardFactory, NewPerson, OpenBoard, Person
from tests.browser.helpers import BoardPage
from tests.browser.test_axe import assert_accessible
from tests.conftest import LiveServer

WIDTHS = [1280, 1440, 1920]


async def _bot(
    api: httpx.AsyncClient, board_id: int, *, skills: list[str], wip_limit: int | None = 3
) -> dict[str, Any]:
    """A bot (AI agent) on the board as an agent: its id, name and first API token."""
    body = {
        "kind": "bot",
        "name": f"FAQ Bot {uuid.uuid4().hex[:6]}",
        "skills": [{"name": s, "level": 2} for s in skills],
        "wip_limit": wip_limit,
    }
    r = await api.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    bot = dict(r.json())
    assert bot["kind"] == "bot"
    r = await api.post(
        f"/api/boards/{board_id}/members", json={"user_id": bot["id"], "role": "agent"}
    )
    assert r.status_code == 201, r.text
    return bot


async def _pull(web: LiveServer, token: str, board_id: int) -> httpx.Response:
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    ) as client:
        return await client.post(f"/api/boards/{board_id}/pull")


def _columns(board: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


async def _open_card(board: BoardPage, card_id: int) -> None:
    drawer = board.page.locator("aside#card-drawer")
    await board.card(card_id).locator(".title").click()
    await expect(drawer).to_be_visible()
    for loading in (".drawer-loading", ".swarm-loading", ".activity-loading"):
        await expect(drawer.locator(loading)).to_be_hidden()


async def test_a_card_a_bot_pulled_wears_its_badge_and_shows_its_hand_over(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    open_board: OpenBoard,
    web: LiveServer,
):
    board = await new_board()
    bid, cols = board["id"], _columns(board)
    bot = await _bot(api, bid, skills=["Billing"])
    card = await add_card(bid, column_id=cols["Triage"], priority="urgent", skills=["Billing"])
    lead = await open_board("lead", bid)
    # The skill the card needs is a chip under its title, from the first render.
    await expect(lead.card(card["id"]).locator(".card-skills .skill-tag")).to_have_text(["Billing"])

    r = await _pull(web, bot["token"], bid)
    assert r.status_code == 200, r.text
    assert r.json()["card"]["id"] == card["id"]

    # Live: the card moves and a chip names the bot, with the bot badge.
    await lead.expect_card_in(cols["Investigating"], card["id"])
    chip = lead.card(card["id"]).locator(".bot-assignee")
    await expect(chip).to_have_count(1)
    await expect(chip.locator(".bot-badge")).to_have_text("Bot")
    await expect(chip).to_contain_text(bot["name"])
    # Server-rendered the same after a reload.
    await lead.page.reload()
    await lead.expect_live()
    await expect(lead.card(card["id"]).locator(".bot-assignee")).to_contain_text(bot["name"])

    # The drawer: the bot among the assignees, and its events in the activity, badged.
    await _open_card(lead, card["id"])
    drawer = lead.page.locator("aside#card-drawer")
    assignee = drawer.locator(".assignee-list .assignee").filter(has_text=bot["name"])
    await expect(assignee.locator(".bot-badge")).to_have_count(1)
    bot_entries = drawer.locator(".activity-item").filter(
        has=lead.page.locator(".activity-actor .bot-badge")
    )
    await expect(bot_entries.first).to_contain_text(bot["name"])
    await expect(drawer.locator(".drawer-handover")).to_be_hidden()

    # The bot cannot solve it: it asks people for a swarm, and the card says so.
    question = "Is the invoice rounding a tax-rule issue?"
    tried = "Matched the knowledge notes on invoices; none covers a one-cent difference."
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {bot['token']}"}, timeout=15
    ) as client:
        for kind, body in (
            ("customer_message", "My invoice total is one cent off."),
            ("bot_reply", "Checking the invoice rules for you."),
        ):
            r = await client.post(
                f"/api/cards/{card['id']}/interactions",
                json={"kind": kind, "actor_kind": "bot", "body": body},
            )
            assert r.status_code == 201, r.text
        r = await client.post(
            f"/api/cards/{card['id']}/swarms",
            json={"skills": ["Billing"], "question": question, "tried": tried},
        )
    assert r.status_code == 201, r.text
    handover = drawer.locator(".drawer-handover")
    await expect(handover).to_be_visible()
    await expect(handover.locator(".handover-title")).to_have_text(
        f"Handed over by {bot['name']} (bot)"
    )
    await expect(handover.locator('[data-handover="question"]')).to_have_text(question)
    await expect(handover.locator('[data-handover="tried"]')).to_have_text(tried)
    # With the conversation the bot had before it handed over, folded.
    talk = handover.locator("details.handover-talk")
    await expect(talk.locator(".handover-count")).to_have_text("2")
    await talk.locator("summary").click()
    await expect(talk.locator("li")).to_have_text(
        [
            "Customer: My invoice total is one cent off.",
            f"{bot['name']}: Checking the invoice rules for you.",
        ]
    )
    await expect(drawer.locator('[data-swarm="requester"]')).to_have_text(
        f"handed over by {bot['name']} (bot)"
    )
    await assert_accessible(lead.page, "a card a bot handed over, drawer open")


async def test_skills_a_card_needs_are_edited_in_the_drawer_and_shown_as_chips(
    api: httpx.AsyncClient, new_board: BoardFactory, add_card: CardFactory, open_board: OpenBoard
):
    board = await new_board()
    card = await add_card(board["id"])
    agent = await open_board("agent", board["id"])
    await expect(agent.card(card["id"]).locator(".card-skills")).to_have_count(0)
    await _open_card(agent, card["id"])
    form = agent.page.locator("form#card-edit")
    await form.get_by_label("Skills needed").fill(" Billing ,  SQL  api,,")
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".fields-saved")).to_have_text("Saved.")
    chips = agent.card(card["id"]).locator(".card-skills .skill-tag")
    await expect(chips).to_have_text(["Billing", "SQL api"])
    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["skills"] == ["Billing", "SQL api"]
    # A skill listed twice is refused inline, and nothing changes.
    await form.get_by_label("Skills needed").fill("Billing, billing")
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".form-error")).to_contain_text("once")
    assert (await api.get(f"/api/cards/{card['id']}")).json()["skills"] == ["Billing", "SQL api"]
    # Emptied: the chips go.
    await form.get_by_label("Skills needed").fill("")
    await form.locator("button[type=submit]").click()
    await expect(form.locator(".fields-saved")).to_have_text("Saved.")
    await expect(agent.card(card["id"]).locator(".card-skills")).to_have_count(0)
    assert (await api.get(f"/api/cards/{card['id']}")).json()["skills"] == []


async def test_pull_next_takes_a_card_then_finds_nothing_then_shows_the_refusal(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    open_board: OpenBoard,
    new_person: NewPerson,
    people: dict[str, Person],
):
    board = await new_board()
    bid, cols = board["id"], _columns(board)
    key = await new_person("Pia Puller", skills=["Billing"], wip_limit=1)
    r = await api.post(
        f"/api/boards/{bid}/members", json={"user_id": people[key].id, "role": "agent"}
    )
    assert r.status_code == 201, r.text
    mine = await add_card(bid, column_id=cols["Triage"], title="Refund twice", skills=["billing"])
    other = await add_card(bid, column_id=cols["Triage"], skills=["Payments"])
    page = await open_board(key, bid)
    pull = page.page.locator("#pull-next")
    result = page.page.locator("#pull-result")
    assert await result.get_attribute("aria-live") == "polite"

    await pull.click()
    await expect(result).to_have_text(
        re.compile(r"^Pulled “Refund twice”: it is yours now, in Investigating\.$")
    )
    await page.expect_card_in(cols["Investigating"], mine["id"])
    await expect(page.page.locator("#drawer-title")).to_have_text("Refund twice")
    card = (await api.get(f"/api/cards/{mine['id']}")).json()
    assert card["assignee_ids"] == [people[key].id]
    await page.page.keyboard.press("Escape")

    # The only card left needs a skill Pia lacks.
    await pull.click()
    await expect(result).to_have_text("Nothing waiting for your skills.")
    assert (await api.get(f"/api/cards/{other['id']}")).json()["column_id"] == cols["Triage"]

    # A card she may take, but her own WIP limit (1) is reached: the refusal, inline.
    await add_card(bid, column_id=cols["Triage"])
    await pull.click()
    await expect(result).to_have_attribute("data-state", "error")
    await expect(result).to_contain_text("WIP limit")
    await assert_accessible(page.page, "the board with a refused pull")


async def test_viewers_get_no_pull_next_button(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    open_board: OpenBoard,
    people: dict[str, Person],
):
    board = await new_board()
    r = await api.post(
        f"/api/boards/{board['id']}/members",
        json={"user_id": people["outsider"].id, "role": "viewer"},
    )
    assert r.status_code == 201, r.text
    viewer = await open_board("outsider", board["id"])
    await expect(viewer.page.locator("#pull-next")).to_have_count(0)
    lead = await open_board("lead", board["id"])
    await expect(lead.page.locator("#pull-next")).to_be_visible()


MEASURE = """(id) => {
  const card = document.querySelector(`article.card[data-card-id="${id}"]`);
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {
    card: box(card), title: box(card.querySelector('.title')),
    parts: [...card.querySelectorAll('.skill-tag, .bot-assignee, .owner, .move-menu, .age')]
      .map((el) => ({cls: el.className, ...box(el)})),
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
async def test_bot_chips_and_skill_chips_stay_inside_the_card_clear_of_its_title(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    browser: Browser,
    people: dict[str, Person],
    web: LiveServer,
    width: int,
):
    board = await new_board()
    bid, cols = board["id"], _columns(board)
    bot = await _bot(api, bid, skills=["Billing", "Reconciliation", "Bank API"])
    await api.patch(f"/api/users/{bot['id']}", json={"name": "Reconciliation Assistant Bot"})
    title = "Payout arrived a day late and the statement shows it twice for Umbrella Health"
    card = await add_card(
        bid,
        column_id=cols["Triage"],
        title=title,
        owner_id=people["lead"].id,
        skills=["Billing", "Reconciliation", "Bank API"],
    )
    assert (await _pull(web, bot["token"], bid)).status_code == 200
    context = await browser.new_context(
        storage_state=people["lead"].storage_state, viewport={"width": width, "height": 900}
    )
    try:
        page: Page = await context.new_page()
        await page.goto(f"{web.url}/boards/{bid}")
        await BoardPage(page, bid, "lead").expect_live()
        got = await page.evaluate(MEASURE, card["id"])
        c, t = got["card"], got["title"]
        assert {p["cls"] for p in got["parts"]} >= {"skill-tag", "bot-assignee", "owner"}
        for p in got["parts"]:
            inside = p["left"] >= c["left"] - 0.5 and p["right"] <= c["right"] + 0.5
            assert inside and p["bottom"] <= c["bottom"] + 0.5, (width, p, c)
            assert p["top"] >= t["bottom"] - 0.5, f"at {width} px {p['cls']} overlaps the title"
        parts = got["parts"]
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                apart = (
                    a["right"] <= b["left"] + 0.5
                    or b["right"] <= a["left"] + 0.5
                    or a["bottom"] <= b["top"] + 0.5
                    or b["bottom"] <= a["top"] + 0.5
                )
                assert apart, f"at {width} px {a['cls']} overlaps {b['cls']}"
    finally:
        await context.close()
