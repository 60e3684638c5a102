"""The card drawer as a place to work, in a real browser (``aside#card-drawer``).

Its sections come in a fixed order (title and description, people, fields, comments,
activity, swarm, insight, archive), it never shows the card's version, and the insight
is folded unless the card is heading into a column that requires one. The title and
description are edited in place, "Assign to me" makes you the owner, comments and the
card's activity are read and written here, a viewer only reads, and an archived card
leaves the board until Undo brings it back.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.helpers import LIVE_TIMEOUT_MS, BoardPage

COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active", "wip_limit": 5},
    {"name": "Ready for product", "stage": "active", "requires_insight": True},
    {"name": "Resolved", "stage": "done"},
]


def _ids(board: dict[str, Any]) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


def as_person(api: httpx.AsyncClient, person: Person) -> httpx.AsyncClient:
    """An API client signed in as that person (their bearer token)."""
    return httpx.AsyncClient(
        base_url=str(api.base_url), headers={"Authorization": f"Bearer {person.token}"}, timeout=15
    )


class DrawerView:
    """One person's card drawer."""

    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.page: Page = board.page
        self.drawer = self.page.locator("aside#card-drawer")

    @property
    def title(self) -> Locator:
        return self.drawer.locator("#drawer-title")

    @property
    def people(self) -> Locator:
        return self.drawer.locator("section.drawer-people")

    @property
    def comments(self) -> Locator:
        return self.drawer.locator("section#comments")

    @property
    def comment_items(self) -> Locator:
        return self.comments.locator("ol.comment-list > li")

    @property
    def activity(self) -> Locator:
        return self.drawer.locator("section#activity")

    @property
    def insight_fold(self) -> Locator:
        return self.drawer.locator("section#insight details")

    async def open(self, card_id: int) -> None:
        await self.board.card(card_id).locator(".title").click()
        await expect(self.drawer).to_be_visible()
        await expect(self.drawer.locator(".drawer-body")).to_be_visible()
        await expect(self.comments.locator(".comments-loading")).to_be_hidden()

    def button(self, name: str) -> Locator:
        return self.drawer.get_by_role("button", name=name, exact=True)


async def _top(locator: Locator) -> float:
    box = await locator.bounding_box()
    assert box is not None, f"{locator} has no box: it is not shown"
    return float(box["y"])


async def test_the_sections_come_in_order_no_version_shows_and_the_insight_folds(
    new_board, add_card, open_board, people
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    plain = await add_card(
        board["id"],
        title="Invoice PDF shows the wrong VAT rate",
        description="The customer's invoice for November shows 19 % instead of 7 %.",
        owner_id=people["agent"].id,
        assignee_ids=[people["agent"].id],
        column_id=col["Triage"],
        product="Billing",
        channel="email",
    )
    heading = await add_card(
        board["id"], title="Voucher refunds fail", column_id=col["Investigating"]
    )
    page = await open_board("lead", board["id"])
    view = DrawerView(page)

    await view.open(plain["id"])
    d = view.drawer
    parts = [
        view.title,
        d.locator(".drawer-desc"),
        view.people,
        d.locator("form#card-edit"),
        view.comments,
        view.activity,
        d.locator("section#swarm"),
        d.locator("section#insight"),
        view.button("Archive card"),
    ]
    tops = [await _top(part) for part in parts]
    assert tops == sorted(tops), f"the drawer's sections are out of order: {tops}"
    assert len(set(tops)) == len(tops), f"two sections share a line: {tops}"
    await expect(d.locator(".drawer-desc")).to_have_text(plain["description"])
    await expect(view.people.get_by_label("Owner")).to_have_value(str(people["agent"].id))
    await expect(d.get_by_label("Product")).to_have_value("Billing")
    # The version is internal: never a "Version" fact, never its number as a field.
    await expect(d).not_to_contain_text(re.compile(r"\bversion\b", re.IGNORECASE))
    await expect(d.locator('[data-field="version"]')).to_have_count(0)
    # Triage's next column does not require an insight: the insight is folded, and its
    # summary still says how complete it is.
    await expect(view.insight_fold).to_have_js_property("open", False)
    summary = view.insight_fold.locator("summary")
    await expect(summary).to_contain_text("Actionable insight")
    await expect(summary).to_contain_text("0 of 6")
    await expect(d.get_by_label("Problem statement")).to_be_hidden()
    # Folded, the drawer is no taller than it needs to be (it was about 1,900 px).
    height = await d.evaluate("el => el.scrollHeight")
    assert height < 1400, f"the drawer is {height} px tall"

    # Investigating is followed by a column that takes only complete insights: unfolded.
    await view.open(heading["id"])
    await expect(view.title).to_have_text("Voucher refunds fail")
    await expect(view.insight_fold).to_have_js_property("open", True)
    await expect(d.get_by_label("Problem statement")).to_be_visible()
    # Back on the first card, it folds again.
    await view.open(plain["id"])
    await expect(view.insight_fold).to_have_js_property("open", False)


async def test_a_move_refused_for_an_incomplete_insight_unfolds_it(new_board, add_card, open_board):
    columns = [
        {"name": "Triage", "stage": "backlog"},
        {"name": "Investigating", "stage": "active"},
        {"name": "Swarming", "stage": "active"},
        {"name": "Ready for product", "stage": "active", "requires_insight": True},
    ]
    board = await new_board(columns=columns)
    col = _ids(board)
    card = await add_card(board["id"], title="Export skips the last day")
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    await expect(view.insight_fold).to_have_js_property("open", False)

    # Straight from Triage to the gated column (not the next one): refused, unfolded.
    await page.move_with_menu(card["id"], col["Ready for product"])
    await page.expect_card_in(col["Triage"], card["id"])
    await expect(view.insight_fold).to_have_js_property("open", True)


async def test_the_title_and_description_are_edited_in_place(
    new_board, add_card, open_board, api, web
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(
        board["id"], title="Refund shows twice", description="Seen by one customer."
    )
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])

    await view.button("Edit title").click()
    title_box = view.drawer.get_by_role("textbox", name="Title", exact=True)
    await expect(title_box).to_be_focused()
    await title_box.fill("Refund shows twice in the statement")
    await title_box.press("Enter")
    await expect(view.title).to_have_text("Refund shows twice in the statement")
    await expect(title_box).to_be_hidden()
    await expect(view.button("Edit title")).to_be_focused()
    await expect(page.card(card["id"]).locator(".title")).to_have_text(
        "Refund shows twice in the statement"
    )

    # Escape cancels an edit (and leaves the drawer open).
    await view.button("Edit description").click()
    desc_box = view.drawer.get_by_role("textbox", name="Description", exact=True)
    await desc_box.fill("Never saved")
    await desc_box.press("Escape")
    await expect(desc_box).to_be_hidden()
    await expect(view.drawer).to_be_visible()
    await expect(view.drawer.locator(".drawer-desc")).to_have_text("Seen by one customer.")

    # Someone else changes the card meanwhile: the save is refused, the card reloads,
    # and the drawer says so beside the field, keeping what was typed.
    await view.button("Edit description").click()
    await desc_box.fill("Seen by three customers since Monday.")
    r = await api.patch(f"/api/cards/{card['id']}", json={"priority": "high"})
    assert r.status_code == 200, r.text
    await view.drawer.locator("section.drawer-summary").get_by_role("button", name="Save").click()
    error = view.drawer.locator("section.drawer-summary").get_by_role("alert")
    await expect(error).to_contain_text("Someone else changed this card")
    await expect(error).not_to_contain_text(re.compile(r"version", re.IGNORECASE))
    await expect(view.drawer.get_by_label("Priority")).to_have_value("high")
    await expect(desc_box).to_have_value("Seen by three customers since Monday.")
    await view.drawer.locator("section.drawer-summary").get_by_role("button", name="Save").click()
    await expect(view.drawer.locator(".drawer-desc")).to_have_text(
        "Seen by three customers since Monday."
    )
    await expect(error).to_be_hidden()

    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["title"] == "Refund shows twice in the statement"
    assert r.json()["description"] == "Seen by three customers since Monday."
    # A reload shows what was saved.
    await page.page.goto(f"{web.url}/boards/{board['id']}#card-{card['id']}")
    await expect(view.title).to_have_text("Refund shows twice in the statement")
    await expect(view.drawer.locator(".drawer-desc")).to_have_text(
        "Seen by three customers since Monday."
    )


async def test_assign_to_me_makes_you_owner_and_assignee_with_your_initials_on_the_board(
    new_board, add_card, open_board, api, people
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(board["id"], title="SSO login loops back to sign-in")
    agent = people["agent"]
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    await expect(page.card(card["id"]).locator(".owner")).to_have_count(0)
    await expect(view.people.get_by_label("Owner")).to_have_value("")

    await view.button("Assign to me").click()

    await expect(view.people.get_by_label("Owner")).to_have_value(str(agent.id))
    await expect(view.people.locator("ul.assignee-list .assignee-name")).to_have_text(
        [f"{agent.name} (you)"]
    )
    await expect(view.button("Assign to me")).to_be_hidden()
    await expect(page.card(card["id"]).locator(".owner")).to_have_text("AM")
    r = await api.get(f"/api/cards/{card['id']}")
    assert (r.json()["owner_id"], r.json()["assignee_ids"]) == (agent.id, [agent.id])

    # Taking yourself off again, with the assignee's remove button.
    await view.people.get_by_role("button", name=f"Remove {agent.name} from the assignees").click()
    await expect(view.people.locator("ul.assignee-list > li")).to_have_count(0)
    await expect(view.button("Assign to me")).to_be_visible()
    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["assignee_ids"] == []


async def test_a_personal_wip_refusal_shows_beside_assign_to_me(
    new_board, add_card, open_board, api, people, new_person
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    busy = await new_person("Wanda Busy", wip_limit=1)
    r = await api.post(
        f"/api/boards/{board['id']}/members", json={"user_id": people[busy].id, "role": "agent"}
    )
    assert r.status_code == 201, r.text
    await add_card(board["id"], column_id=col["Investigating"], assignee_ids=[people[busy].id])
    card = await add_card(board["id"], title="Webhook retries stop", column_id=col["Investigating"])
    page = await open_board(busy, board["id"])
    view = DrawerView(page)
    await view.open(card["id"])

    await view.button("Assign to me").click()

    refusal = view.people.get_by_role("alert")
    await expect(refusal).to_contain_text("You already carry")
    await expect(page.flash).to_have_count(0)  # beside the control, not at the top
    await expect(view.people.locator("ul.assignee-list > li")).to_have_count(0)
    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["assignee_ids"] == []


async def test_comments_are_added_edited_and_deleted_and_an_empty_one_is_explained(
    new_board, add_card, open_board, api, people
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(board["id"], title="CSV export misses the last day")
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    await expect(view.comments.locator(".comments-empty")).to_be_visible()

    box = view.comments.get_by_label("Comment", exact=True)
    await box.fill("Reproduced on <b>staging</b>: the export stops at 23:00 UTC.")
    await view.button("Add comment").click()

    item = view.comment_items.first
    await expect(view.comment_items).to_have_count(1)
    await expect(item.locator(".comment-author")).to_have_text(people["agent"].name)
    await expect(item.locator(".comment-body")).to_have_text(
        "Reproduced on <b>staging</b>: the export stops at 23:00 UTC."
    )
    await expect(item.locator(".comment-body b")).to_have_count(0)  # text, never HTML
    await expect(item.locator("time")).to_have_text("just now")
    await expect(box).to_have_value("")
    r = await api.get(f"/api/cards/{card['id']}/comments")
    assert [c["body"] for c in r.json()["items"]] == [
        "Reproduced on <b>staging</b>: the export stops at 23:00 UTC."
    ]

    # An empty comment (the API refuses one with a 422): explained beside the box, in words.
    async with as_person(api, people["agent"]) as agent_api:
        probe = await agent_api.post(f"/api/cards/{card['id']}/comments", json={"body": "  "})
    assert probe.status_code == 422, probe.text
    await box.fill("   ")
    await view.button("Add comment").click()
    refusal = view.comments.locator("form.comment-form").get_by_role("alert")
    await expect(refusal).to_have_text("Write your comment first.")
    await expect(view.comment_items).to_have_count(1)
    await box.fill("x")
    await expect(refusal).to_be_hidden()

    # Your own comment: edit it in place ("(edited)"), then delete it.
    await item.get_by_role("button", name="Edit your comment").click()
    editor = item.get_by_role("textbox", name="Edit comment")
    await editor.fill("Reproduced on staging: the export stops at 23:00 UTC, not midnight.")
    await item.get_by_role("button", name="Save comment").click()
    await expect(item.locator(".comment-body")).to_have_text(
        "Reproduced on staging: the export stops at 23:00 UTC, not midnight."
    )
    await expect(item).to_contain_text("(edited)")
    await item.get_by_role("button", name="Delete your comment").click()
    await item.get_by_role("button", name="Delete", exact=True).click()
    await expect(item.locator(".comment-body")).to_have_text("This comment was deleted.")
    await expect(item.get_by_role("button", name="Edit your comment")).to_have_count(0)
    r = await api.get(f"/api/cards/{card['id']}/comments")
    assert r.json()["items"][0]["deleted"] is True


async def test_the_activity_shows_the_cards_move_with_its_summary(
    new_board, add_card, open_board, api
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    card = await add_card(board["id"], title="Mobile app crashes on attachments")
    r = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": col["Investigating"]})
    assert r.status_code == 200, r.text
    r = await api.get(f"/api/cards/{card['id']}/activity")
    assert r.status_code == 200, r.text
    moved = [e for e in r.json()["items"] if e["type"] == "card.moved"]
    assert len(moved) == 1, r.json()

    page = await open_board("lead", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    entries = view.activity.locator("ol.activity-list > li")
    move = entries.filter(has_text=moved[0]["summary"])
    await expect(move).to_have_count(1)
    await expect(entries.first).to_contain_text(moved[0]["summary"])  # newest first
    await expect(move.locator("time")).to_have_text(re.compile(r"just now|min ago"))

    # A change made elsewhere joins the list while the drawer is open.
    r = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": col["Triage"]})
    assert r.status_code == 200, r.text
    await expect(view.activity.locator("ol.activity-list > li")).to_have_count(
        await entries.count() + 1, timeout=LIVE_TIMEOUT_MS
    )


async def test_a_viewers_drawer_is_read_only_but_shows_comments_and_activity(
    new_board, add_card, open_board, api, people, new_person
):
    board = await new_board(columns=COLUMNS)
    card = await add_card(
        board["id"], title="Partner dashboard times out", owner_id=people["agent"].id
    )
    viewer = await new_person("Vera Viewer", role="viewer")
    r = await api.post(
        f"/api/boards/{board['id']}/members", json={"user_id": people[viewer].id, "role": "viewer"}
    )
    assert r.status_code == 201, r.text
    async with as_person(api, people["agent"]) as agent_api:
        r = await agent_api.post(
            f"/api/cards/{card['id']}/comments", json={"body": "Asked the partner for a HAR file."}
        )
    assert r.status_code == 201, r.text

    page = await open_board(viewer, board["id"])
    view = DrawerView(page)
    await view.open(card["id"])

    await expect(view.comment_items).to_have_text([re.compile("Asked the partner for a HAR file.")])
    await expect(view.activity.locator("ol.activity-list > li").first).to_be_visible()
    await expect(view.people).to_contain_text(people["agent"].name)
    for name in ("Edit title", "Edit description", "Assign to me", "Add comment", "Archive card"):
        await expect(view.button(name)).to_have_count(0)
    await expect(view.comments.get_by_label("Comment", exact=True)).to_be_hidden()
    await expect(view.drawer.get_by_label("Priority")).to_be_disabled()
    await expect(view.drawer.locator("form#card-edit button[type=submit]")).to_be_hidden()
    await expect(view.drawer.get_by_role("button", name="Save insight")).to_be_hidden()
    await expect(view.comment_items.get_by_role("button")).to_have_count(0)


async def test_archive_removes_the_card_and_undo_restores_it(new_board, add_card, open_board, api):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    card = await add_card(
        board["id"], title="Duplicate account after social login", column_id=col["Investigating"]
    )
    await add_card(board["id"], column_id=col["Investigating"])
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await page.expect_wip(col["Investigating"], 2, 5)
    await view.open(card["id"])

    await view.button("Archive card").click()

    await expect(view.drawer).to_be_hidden()
    await expect(page.card(card["id"])).to_have_count(0)
    await page.expect_wip(col["Investigating"], 1, 5)
    await expect(page.page.get_by_text("Card archived")).to_be_visible()
    r = await api.get(f"/api/boards/{board['id']}")
    assert card["id"] not in [c["id"] for c in r.json()["cards"]]

    await page.page.get_by_role("button", name="Undo").click()

    await page.expect_card_in(col["Investigating"], card["id"])
    await page.expect_wip(col["Investigating"], 2, 5)
    r = await api.get(f"/api/boards/{board['id']}")
    assert card["id"] in [c["id"] for c in r.json()["cards"]]


async def test_undo_into_a_full_column_says_why_and_the_card_stays_archived(
    new_board, add_card, open_board, api, people
):
    columns = [
        {"name": "Triage", "stage": "backlog"},
        {"name": "Investigating", "stage": "active", "wip_limit": 1},
        {"name": "Resolved", "stage": "done"},
    ]
    board = await new_board(columns=columns)
    col = _ids(board)
    card = await add_card(
        board["id"], title="Login page loads slowly", column_id=col["Investigating"]
    )
    page = await open_board("agent", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    await view.button("Archive card").click()
    await expect(page.card(card["id"])).to_have_count(0)
    # Meanwhile the column fills up again.
    await add_card(board["id"], column_id=col["Investigating"])
    await page.expect_wip(col["Investigating"], 1, 1)
    async with as_person(api, people["agent"]) as agent_api:
        probe = await agent_api.post(f"/api/cards/{card['id']}/restore")
    assert probe.status_code == 409, probe.text

    await page.page.get_by_role("button", name="Undo").click()

    await expect(page.page.get_by_text(probe.json()["detail"])).to_be_visible()
    await expect(page.card(card["id"])).to_have_count(0)
    await page.expect_wip(col["Investigating"], 1, 1)


async def test_a_link_to_an_archived_card_says_so_and_offers_it_back(
    new_board, add_card, open_board, api
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    card = await add_card(board["id"], title="Chatbot hands over without the conversation")
    page = await open_board("agent", board["id"])
    r = await api.post(f"/api/cards/{card['id']}/archive")
    assert r.status_code == 200, r.text
    await expect(page.card(card["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)

    await page.page.evaluate(f"location.hash = '#card-{card['id']}'")
    view = DrawerView(page)
    await expect(view.title).to_have_text(card["title"])
    notice = view.drawer.locator(".drawer-archived")
    await expect(notice).to_contain_text("This card is archived")
    await expect(view.button("Archive card")).to_be_hidden()
    await expect(view.button("Edit title")).to_be_hidden()

    await view.button("Restore card").click()

    await page.expect_card_in(col["Triage"], card["id"])
    await expect(notice).to_be_hidden()
    await expect(view.button("Archive card")).to_be_visible()


async def test_the_open_drawer_leaves_the_top_bar_in_reach(new_board, add_card, open_board):
    board = await new_board(columns=COLUMNS)
    card = await add_card(board["id"], title="Refund shows twice in the statement")
    page = await open_board("lead", board["id"])
    view = DrawerView(page)
    await view.open(card["id"])
    bar = await page.page.locator("header.topbar").bounding_box()
    drawer = await view.drawer.bounding_box()
    assert bar is not None and drawer is not None
    assert drawer["y"] >= bar["y"] + bar["height"] - 1, "the drawer covers the top bar"
    # The alerts button on the right of the bar still takes the click with a card open.
    await page.page.get_by_role("button", name=re.compile(r"^Alerts")).click()
    await expect(page.page.locator("#alerts-panel")).to_be_visible()
    await expect(view.drawer).to_be_visible()
