"""Two people with the same card open: what one does shows in the other's drawer and on
their board, live (two browser contexts, one real server, no reload).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.browser.helpers import LIVE_TIMEOUT_MS
from tests.browser.test_drawer import DrawerView

COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active", "wip_limit": 5},
    {"name": "Resolved", "stage": "done"},
]


def _ids(board: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


async def test_a_comment_an_assignment_and_a_new_title_reach_the_other_open_drawer(
    new_board, add_card, open_board, people, api
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(board["id"], title="Refund shows twice")
    a_page = await open_board("agent", board["id"])
    b_page = await open_board("lead", board["id"])
    fragments: list[str] = []
    b_page.page.on(
        "request", lambda r: fragments.append(r.url) if r.url.endswith("/fragment") else None
    )
    a, b = DrawerView(a_page), DrawerView(b_page)
    await a.open(card["id"])
    await b.open(card["id"])
    await expect(b.comments.locator(".comments-empty")).to_be_visible()

    # A comments: B's open drawer shows it, with its author.
    await a.comments.get_by_label("Comment", exact=True).fill(
        "The gateway log shows two refund calls."
    )
    await a.button("Add comment").click()
    await expect(a.comment_items).to_have_count(1)
    shown = b.comment_items.filter(has_text="The gateway log shows two refund calls.")
    await expect(shown).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    await expect(shown.locator(".comment-author")).to_have_text(people["agent"].name)
    # Not B's own comment: B may not edit or delete it.
    await expect(shown.get_by_role("button")).to_have_count(0)

    # A assigns themself: B's drawer and B's board follow.
    await a.button("Assign to me").click()
    await expect(b.people.get_by_label("Owner")).to_have_value(
        str(people["agent"].id), timeout=LIVE_TIMEOUT_MS
    )
    await expect(b.people.locator("ul.assignee-list .assignee-name")).to_have_text(
        [people["agent"].name]
    )
    await expect(b_page.card(card["id"]).locator(".owner")).to_have_text("AM")
    await expect(b_page.card(card["id"])).to_have_attribute(
        "data-assignees", str(people["agent"].id)
    )

    # A renames the card: B's drawer title and B's board card follow.
    await a.button("Edit title").click()
    title_box = a.drawer.get_by_role("textbox", name="Title", exact=True)
    await title_box.fill("Refund shows twice in the statement")
    await title_box.press("Enter")
    await expect(b.title).to_have_text(
        "Refund shows twice in the statement", timeout=LIVE_TIMEOUT_MS
    )
    await expect(b_page.card(card["id"]).locator(".title")).to_have_text(
        "Refund shows twice in the statement"
    )
    # B's activity lists what A did, newest first.
    await expect(b.activity.locator("ol.activity-list > li").first).to_contain_text(
        people["agent"].name, timeout=LIVE_TIMEOUT_MS
    )
    assert fragments == [], "comments and edits re-rendered B's board"


async def test_a_mention_shows_a_toast_whose_link_opens_the_card(
    new_board, add_card, open_board, people
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(board["id"], title="Webhook retries stop after one failure")
    author = await open_board("lead", board["id"])
    mentioned = await open_board("agent", board["id"])
    writer = DrawerView(author)
    await writer.open(card["id"])

    # "@arjun": the first name of the board's only Arjun.
    await writer.comments.get_by_label("Comment", exact=True).fill(
        "@arjun could you check the retry queue?"
    )
    await writer.button("Add comment").click()
    await expect(writer.comment_items).to_have_count(1)

    said = f"{people['lead'].name} mentioned you on “{card['title']}”"
    toast = mentioned.page.get_by_text(said)
    await expect(toast).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    # The author is not told about their own comment.
    await expect(author.page.get_by_text(re.compile("mentioned you on"))).to_have_count(0)

    await mentioned.page.get_by_role("link", name="Open card").click()
    reader = DrawerView(mentioned)
    await expect(reader.drawer).to_be_visible()
    await expect(reader.title).to_have_text(card["title"])
    await expect(reader.comment_items).to_have_text([re.compile("could you check the retry queue")])


async def test_an_archive_elsewhere_leaves_the_board_and_an_undo_brings_it_back(
    new_board, add_card, open_board
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    card = await add_card(board["id"], title="Duplicate account", column_id=col["Investigating"])
    a_page = await open_board("agent", board["id"])
    b_page = await open_board("lead", board["id"])
    a, b = DrawerView(a_page), DrawerView(b_page)
    await b.open(card["id"])
    await a.open(card["id"])
    await b_page.expect_wip(col["Investigating"], 1, 5)

    await a.button("Archive card").click()

    # B's board loses the card and its count; B's open drawer says what happened.
    await expect(b_page.card(card["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    await b_page.expect_wip(col["Investigating"], 0, 5)
    await expect(b.drawer.locator(".drawer-archived")).to_contain_text(
        "archived by Arjun Mehta", timeout=LIVE_TIMEOUT_MS
    )

    await a_page.page.get_by_role("button", name="Undo").click()

    await a_page.expect_card_in(col["Investigating"], card["id"])
    await b_page.expect_card_in(col["Investigating"], card["id"], within_ms=LIVE_TIMEOUT_MS)
    await b_page.expect_wip(col["Investigating"], 1, 5)
    await expect(b.drawer.locator(".drawer-archived")).to_be_hidden()
