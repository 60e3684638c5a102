"""Solved, not just closed: the customer's "no" reopens the card on the agent's open board.

An agent has the board open with the card's details showing. The card is moved to the
done column through the API; the customer, in a browser of their own with no session,
follows the confirmation link and answers "No, it is not solved". Without a reload the
agent sees the card come back into the board's reopen column with a "customer rejected"
alert on it, and the drawer says what the customer answered.
"""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, expect

from tests.browser.helpers import LIVE_TIMEOUT_MS
from tests.conftest import LiveServer

COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    # Not the first active column: reopened cards go here because it is flagged.
    {"name": "Escalated", "stage": "active", "reopen_target": True},
    {"name": "Resolved", "stage": "done"},
]


async def test_a_customers_no_brings_the_card_back_live_into_the_reopen_column(
    new_board, add_card, open_board, api: httpx.AsyncClient, browser: Browser, web: LiveServer
):
    board = await new_board(columns=COLUMNS)
    col = {c["name"]: c["id"] for c in board["columns"]}
    card = await add_card(
        board["id"], title="Card payment declined twice", column_id=col["Investigating"]
    )
    agent = await open_board("agent", board["id"])
    page = agent.page
    fragments: list[str] = []
    page.on("request", lambda r: fragments.append(r.url) if r.url.endswith("/fragment") else None)
    # Set on this document only: a reload would lose it.
    await page.evaluate("() => { window.__sameDocument = true; }")
    await agent.card(card["id"]).locator(".title").click()
    drawer = page.locator("aside#card-drawer")
    confirmation = drawer.locator("section#confirmation")
    await expect(drawer).to_be_visible()
    await expect(drawer.locator("section#insight .insight-loading")).to_be_hidden()
    await expect(confirmation).to_be_hidden()  # never asked yet

    # Done, through the API: the page follows, and the customer is asked.
    r = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": col["Resolved"]})
    assert r.status_code == 200, r.text
    await agent.expect_card_in(col["Resolved"], card["id"], within_ms=LIVE_TIMEOUT_MS)
    r = await api.get(f"/api/cards/{card['id']}/confirmation")
    assert r.status_code == 200, r.text
    asked = r.json()
    assert asked["state"] == "pending" and asked["url"].startswith(web.url + "/c/")
    await expect(confirmation).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(confirmation).to_contain_text("no answer yet")
    await expect(confirmation.get_by_label("Link for the customer")).to_have_value(asked["url"])

    # The customer: another browser, no cookies, only the link.
    customer = await browser.new_context()
    try:
        assert await customer.cookies() == []
        answer_page = await customer.new_page()
        response = await answer_page.goto(asked["url"])
        assert response is not None and response.status == 200
        await expect(
            answer_page.get_by_role("heading", name="Is your problem solved?")
        ).to_be_visible()
        await answer_page.get_by_label("No, it is not solved").check()
        await answer_page.get_by_role("button", name="Send my answer").click()
        await expect(answer_page.get_by_role("heading", level=1)).to_have_text(
            "Thank you for your answer"
        )
        await expect(answer_page.locator("body")).to_contain_text("not solved yet")
    finally:
        await customer.close()

    # The agent's board: the card is back, in the reopen column, flagged; no reload.
    await agent.expect_card_in(col["Escalated"], card["id"], within_ms=LIVE_TIMEOUT_MS)
    await expect(agent.card_in(col["Resolved"], card["id"])).to_have_count(0)
    await agent.expect_wip(col["Resolved"], 0, None)
    await agent.expect_wip(col["Escalated"], 1, None)
    flag = agent.card(card["id"]).locator('.alert-flag[data-kind="customer_rejected"]')
    await expect(flag).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(agent.card(card["id"]).locator(".age")).to_have_text("now")
    # The open drawer says what the customer answered.
    await expect(confirmation).to_contain_text(
        re.compile("The customer said the problem is not solved"), timeout=LIVE_TIMEOUT_MS
    )
    await expect(confirmation.get_by_label("Link for the customer")).to_be_hidden()
    assert await page.evaluate("() => window.__sameDocument === true")
    assert fragments == [], "the reopen re-rendered the board instead of moving the card"

    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["column_id"] == col["Escalated"]
    assert r.json()["reopen_count"] == 1
    r = await api.get(f"/api/cards/{card['id']}/confirmation")
    assert (r.json()["state"], r.json()["solved"]) == ("rejected", False)


async def test_a_customers_yes_shows_in_the_drawer_and_a_card_taken_back_withdraws_the_question(
    new_board, add_card, open_board, api: httpx.AsyncClient, browser: Browser
):
    board = await new_board(columns=COLUMNS)
    col = {c["name"]: c["id"] for c in board["columns"]}
    card = await add_card(board["id"], title="Parcel tracking stuck", column_id=col["Triage"])
    second = await add_card(board["id"], title="Address change lost", column_id=col["Triage"])
    agent = await open_board("agent", board["id"])
    page = agent.page
    fragments: list[str] = []
    page.on("request", lambda r: fragments.append(r.url) if r.url.endswith("/fragment") else None)
    drawer = page.locator("aside#card-drawer")
    confirmation = drawer.locator("section#confirmation")

    # The agent closes the first card from the board; the drawer shows the question.
    await agent.move_with_menu(card["id"], col["Resolved"])
    await agent.expect_card_in(col["Resolved"], card["id"])
    await agent.card(card["id"]).locator(".title").click()
    await expect(confirmation).to_contain_text("no answer yet")
    url = await confirmation.get_by_label("Link for the customer").input_value()
    assert url == (await api.get(f"/api/cards/{card['id']}/confirmation")).json()["url"]

    customer = await browser.new_context()
    try:
        answer_page = await customer.new_page()
        await answer_page.goto(url)
        await answer_page.get_by_label("Yes, it is solved").check()
        await answer_page.get_by_label("5 Very satisfied").check()
        await answer_page.get_by_label("Anything else you would like to tell us?").fill(
            "Quick and friendly."
        )
        await answer_page.get_by_role("button", name="Send my answer").click()
        await expect(answer_page.locator("body")).to_contain_text("glad your problem is solved")
    finally:
        await customer.close()

    # The agent's open drawer follows; the card stays done.
    await expect(confirmation).to_contain_text(
        "The customer confirmed the problem is solved.", timeout=LIVE_TIMEOUT_MS
    )
    await expect(confirmation).to_contain_text("CSAT 5")
    await expect(confirmation).to_contain_text("“Quick and friendly.”")
    await expect(confirmation.get_by_label("Link for the customer")).to_be_hidden()
    await agent.expect_card_in(col["Resolved"], card["id"])

    # The second card is closed and taken back before the customer answers: the open
    # drawer says the question was withdrawn, and nothing re-rendered the board.
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()
    await agent.drag(second["id"], col["Resolved"])
    await agent.expect_card_in(col["Resolved"], second["id"])
    await agent.card(second["id"]).locator(".title").click()
    await expect(confirmation).to_contain_text("no answer yet")
    r = await api.post(f"/api/cards/{second['id']}/move", json={"column_id": col["Investigating"]})
    assert r.status_code == 200, r.text
    await agent.expect_card_in(col["Investigating"], second["id"], within_ms=LIVE_TIMEOUT_MS)
    await expect(confirmation).to_contain_text("was withdrawn", timeout=LIVE_TIMEOUT_MS)
    await expect(confirmation.get_by_label("Link for the customer")).to_be_hidden()
    r = await api.get(f"/api/cards/{second['id']}/confirmation")
    assert r.json()["state"] == "superseded"
    assert fragments == [], "confirmation events re-rendered the board"


async def test_a_viewers_drawer_shows_the_question_but_never_the_customers_link(
    new_board, add_card, new_person, people, open_board, api: httpx.AsyncClient
):
    board = await new_board(columns=COLUMNS)
    col = {c["name"]: c["id"] for c in board["columns"]}
    card = await add_card(board["id"], title="Refund not received", column_id=col["Resolved"])
    viewer = await new_person("Vera Viewer", role="viewer")
    r = await api.post(
        f"/api/boards/{board['id']}/members",
        json={"user_id": people[viewer].id, "role": "viewer"},
    )
    assert r.status_code == 201, r.text
    url = (await api.get(f"/api/cards/{card['id']}/confirmation")).json()["url"]
    assert "/c/" in url

    page = (await open_board(viewer, board["id"])).page
    await page.locator(f'article.card[data-card-id="{card["id"]}"] .title').click()
    confirmation = page.locator("aside#card-drawer section#confirmation")
    await expect(confirmation).to_contain_text("no answer yet")
    await expect(confirmation).to_contain_text("Only agents, leads and admins see")
    await expect(confirmation.get_by_label("Link for the customer")).to_be_hidden()
    assert await page.locator("#confirmation-url").input_value() == ""
    assert url not in await page.content()
