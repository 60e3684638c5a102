"""The board settings page in Chromium, against a real uvicorn.

A lead renames a column, sets a hard WIP limit through the field named "WIP limit for
<column>", moves a column, adds a lane, adds a member by e-mail with a board role and
adds an SLA policy: each shows after a reload, and on a second lead's open page without
one (the board's websocket). Bad input on every form gets the server's refusal next to
the field. Removing a column that holds cards asks where they go (a WIP refusal there
is shown in the dialog) and moves them. An agent of the board gets the 403 page, an
outsider the 404 page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import BoardFactory, CardFactory, NewPerson, Person
from tests.browser.helpers import board_state
from tests.conftest import LiveServer

LIVE = re.compile(r"^\s*live\s*$", re.IGNORECASE)
TIMEOUT_MS = 10_000


class SettingsPage:
    """One person's /boards/{id}/settings (``app/web/templates/settings.html``): one
    ``section#settings-<part>`` per part, ``.set-row[data-kind][data-id][data-name]`` per
    column, lane, member or policy, one ``form.set-form[data-key]`` per field group."""

    def __init__(self, page: Page, board_id: int) -> None:
        self.page = page
        self.board_id = board_id
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def section(self, part: str) -> Locator:
        return self.page.locator(f"section#settings-{part}")

    def row(self, kind: str, row_id: int) -> Locator:
        return self.page.locator(f'.set-row[data-kind="{kind}"][data-id="{row_id}"]')

    def form(self, key: str) -> Locator:
        return self.page.locator(f'form.set-form[data-key="{key}"]')

    def names(self, kind: str) -> Locator:
        return self.page.locator(f'.set-row[data-kind="{kind}"]')

    async def expect_live(self) -> None:
        await expect(self.page.locator("#live-status")).to_have_text(LIVE, timeout=TIMEOUT_MS)

    async def expect_order(self, kind: str, names: list[str]) -> None:
        rows = self.names(kind)
        await expect(rows).to_have_count(len(names), timeout=TIMEOUT_MS)
        for i, name in enumerate(names):
            await expect(rows.nth(i)).to_have_attribute("data-name", name, timeout=TIMEOUT_MS)

    async def expect_field_error(
        self, form: Locator, field: str, text: str | re.Pattern[str]
    ) -> None:
        """The server's message shows under the field, which is marked invalid and
        described by it."""
        box = form.locator(f'[data-field-error="{field}"]')
        await expect(box).to_be_visible(timeout=TIMEOUT_MS)
        await expect(box).to_have_text(text)
        control = form.locator(f'[name="{field}"]')
        await expect(control).to_have_attribute("aria-invalid", "true")
        described = await control.get_attribute("aria-describedby") or ""
        assert await box.get_attribute("id") in described.split()


Opener = Callable[..., Awaitable[SettingsPage]]


@pytest.fixture
async def open_settings(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> AsyncIterator[Opener]:
    """Open a board's settings as someone, in their own browser, and wait until live.
    A page that threw a script error fails the test."""
    contexts: list[BrowserContext] = []
    pages: list[SettingsPage] = []

    async def opener(who: str, board_id: int, status: int = 200) -> SettingsPage:
        context = await browser.new_context(
            storage_state=people[who].storage_state, viewport={"width": 1440, "height": 1000}
        )
        contexts.append(context)
        page = await context.new_page()
        settings = SettingsPage(page, board_id)
        pages.append(settings)
        response = await page.goto(f"{web.url}/boards/{board_id}/settings")
        assert response is not None and response.status == status
        if status == 200:
            await settings.expect_live()
        return settings

    yield opener
    for context in contexts:
        await context.close()
    errors = [p.errors for p in pages if p.errors]
    assert not errors, f"uncaught script errors on the settings page: {errors}"


async def _second_lead(
    api: httpx.AsyncClient, new_person: NewPerson, people: dict[str, Person], board_id: int
) -> str:
    key = await new_person("Lena Second-Lead", role="lead")
    r = await api.post(
        f"/api/boards/{board_id}/members", json={"user_id": people[key].id, "role": "lead"}
    )
    assert r.status_code == 201, r.text
    return key


async def _save(form: Locator) -> None:
    await form.get_by_role("button", name=re.compile(r"^(Save|Add)")).click()


async def test_a_leads_changes_show_after_a_reload_and_live_on_a_second_page(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    new_person: NewPerson,
    people: dict[str, Person],
    open_settings: Opener,
):
    board = await new_board()
    bid = board["id"]
    triage, investigating, resolved = (c["id"] for c in board["columns"])
    other = await _second_lead(api, new_person, people, bid)
    newcomer = (
        await api.post(
            "/api/users",
            json={
                "name": "Nadia Newcomer",
                "email": f"nadia-{uuid.uuid4().hex[:8]}@example.com",
                "role": "agent",
            },
        )
    ).json()
    a = await open_settings("lead", bid)
    b = await open_settings(other, bid)

    # Rename a column: Enter in the field saves its form.
    name = a.row("column", investigating).get_by_label("Name", exact=True)
    await name.fill("Diagnosing")
    await name.press("Enter")
    for page in (a, b):
        await expect(page.row("column", investigating)).to_have_attribute(
            "data-name", "Diagnosing", timeout=TIMEOUT_MS
        )
    # A hard WIP limit, through the field named after the column.
    await a.page.get_by_label("WIP limit for Diagnosing", exact=True).fill("2")
    await a.row("column", investigating).get_by_label("WIP policy").select_option("hard")
    await _save(a.form(f"column-{investigating}"))
    await expect(b.page.get_by_label("WIP limit for Diagnosing", exact=True)).to_have_value(
        "2", timeout=TIMEOUT_MS
    )
    # Reorder: Resolved one step left.
    await a.row("column", resolved).get_by_role("button", name="Move Resolved left").click()
    for page in (a, b):
        await page.expect_order("column", ["Triage", "Resolved", "Diagnosing"])
    # A lane.
    add_lane = a.form("add-lane")
    await add_lane.get_by_label("Name").fill("Enterprise")
    await add_lane.get_by_label("WIP limit").fill("5")
    await _save(add_lane)
    for page in (a, b):
        await page.expect_order("lane", ["Enterprise"])
    # A member, found by e-mail, with a board role.
    add_member = a.form("add-member")
    await add_member.get_by_label("Name or e-mail").fill(newcomer["email"])
    await add_member.get_by_label("Board role").select_option("viewer")
    await _save(add_member)
    for page in (a, b):
        row = page.row("member", newcomer["id"])
        await expect(row).to_be_visible(timeout=TIMEOUT_MS)
        await expect(row.locator(".member-email")).to_have_text(newcomer["email"])
        await expect(row.get_by_label("Board role of Nadia Newcomer")).to_have_value("viewer")
    # An SLA policy.
    add_policy = a.form("add-policy")
    await add_policy.get_by_label("Name").fill("Urgent chats")
    await add_policy.get_by_label("Priority").select_option("urgent")
    await add_policy.get_by_label("Channel").select_option("chat")
    await add_policy.get_by_label("First response within", exact=True).fill("15")
    await add_policy.get_by_label("First response within: unit").select_option(label="minutes")
    await add_policy.get_by_label("Resolved within", exact=True).fill("8")
    await _save(add_policy)
    for page in (a, b):
        await page.expect_order("policy", ["Urgent chats"])

    # All of it is the server's state: a reload shows it, and the API agrees.
    await a.page.reload()
    await a.expect_live()
    await a.expect_order("column", ["Triage", "Resolved", "Diagnosing"])
    await expect(a.page.get_by_label("WIP limit for Diagnosing", exact=True)).to_have_value("2")
    await a.expect_order("lane", ["Enterprise"])
    await expect(
        a.row("member", newcomer["id"]).get_by_label("Board role of Nadia Newcomer")
    ).to_have_value("viewer")
    policy = a.names("policy").first
    await expect(policy.get_by_label("First response within", exact=True)).to_have_value("15")
    await expect(policy.get_by_label("Resolved within", exact=True)).to_have_value("8")
    state = await board_state(api, bid)
    cols = {c["id"]: c for c in state["columns"]}
    assert [c["name"] for c in state["columns"]] == ["Triage", "Resolved", "Diagnosing"]
    assert (cols[investigating]["wip_limit"], cols[investigating]["wip_policy"]) == (2, "hard")
    assert [(lane["name"], lane["wip_limit"]) for lane in state["lanes"]] == [("Enterprise", 5)]
    policies = (await api.get(f"/api/boards/{bid}/sla-policies")).json()
    assert [
        (p["name"], p["priority"], p["channel"], p["frt_seconds"], p["ttr_seconds"])
        for p in policies
    ] == [("Urgent chats", "urgent", "chat", 900, 8 * 3600)]
    assert triage in cols


async def test_bad_input_on_every_form_shows_the_servers_refusal_next_to_the_field(
    new_board: BoardFactory, people: dict[str, Person], open_settings: Opener
):
    board = await new_board(lanes=[{"name": "Enterprise"}])
    bid = board["id"]
    col = board["columns"][1]["id"]
    lane = board["lanes"][0]["id"]
    s = await open_settings("lead", bid)
    at_least = re.compile(r"at least 1 character", re.I)

    form = s.form("board")
    await form.get_by_label("Board name").fill("")
    await form.get_by_label("Currency").fill("euro")
    await _save(form)
    await s.expect_field_error(form, "name", at_least)
    await s.expect_field_error(form, "currency", re.compile(r"pattern", re.I))
    await expect(form.locator(".form-error")).to_have_text(re.compile("Invalid value for"))

    form = s.form(f"column-{col}")
    await form.get_by_label("Name", exact=True).fill("")
    await _save(form)
    await s.expect_field_error(form, "name", at_least)
    await form.get_by_label("Name", exact=True).fill("Investigating")
    await form.get_by_label("WIP limit for Investigating", exact=True).fill("-1")
    await _save(form)
    await s.expect_field_error(form, "wip_limit", re.compile(r"greater than or equal to 0"))
    await expect(form.locator('[data-field-error="name"]')).to_be_hidden()
    await form.get_by_label("WIP limit for Investigating", exact=True).fill("3")
    for stall in ("0", "soon"):
        await form.get_by_label("Stalled after", exact=True).fill(stall)
        await _save(form)
        await s.expect_field_error(
            form, "stall_after_seconds", re.compile(r"greater than or equal to 1|valid integer")
        )

    form = s.form("add-column")
    await _save(form)
    await s.expect_field_error(form, "name", re.compile(r"required|at least 1", re.I))

    form = s.form(f"lane-{lane}")
    await form.get_by_label("WIP limit for lane Enterprise", exact=True).fill("-4")
    await _save(form)
    await s.expect_field_error(form, "wip_limit", re.compile(r"greater than or equal to 0"))
    form = s.form("add-lane")
    await form.get_by_label("WIP limit").fill("-1")
    await _save(form)
    await s.expect_field_error(form, "wip_limit", re.compile(r"greater than or equal to 0"))

    # Someone already on the board: the server's conflict, on the form.
    form = s.form("add-member")
    await form.get_by_label("Name or e-mail").fill(people["agent"].email)
    await _save(form)
    await expect(form.locator(".form-error")).to_have_text(
        re.compile("already a member"), timeout=TIMEOUT_MS
    )

    form = s.form("add-policy")
    await form.get_by_label("Name").fill("Too fast")
    await form.get_by_label("First response within", exact=True).fill("0")
    await _save(form)
    await s.expect_field_error(form, "frt_seconds", re.compile(r"greater than or equal to 1"))
    await form.get_by_label("First response within", exact=True).fill("")
    await _save(form)  # no target at all
    await expect(form.locator(".form-error")).to_have_text(
        re.compile("frt_seconds, ttr_seconds or both"), timeout=TIMEOUT_MS
    )
    # Nothing was written by any of these.
    await s.page.reload()
    await s.expect_live()
    await s.expect_order("column", ["Triage", "Investigating", "Resolved"])
    await expect(s.page.get_by_label("WIP limit for Investigating", exact=True)).to_have_value("3")
    await s.expect_order("policy", [])


async def test_removing_a_column_with_cards_asks_where_they_go_and_moves_them(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    open_settings: Opener,
):
    board = await new_board(
        columns=[
            {"name": "Triage", "stage": "backlog", "wip_limit": 1, "wip_policy": "hard"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ]
    )
    bid = board["id"]
    triage, investigating, resolved = (c["id"] for c in board["columns"])
    moving = [(await add_card(bid, column_id=investigating))["id"] for _ in range(2)]
    s = await open_settings("lead", bid)

    await s.row("column", investigating).get_by_role("button", name="Remove Investigating").click()
    dialog = s.page.locator("dialog#settings-dialog")
    await expect(dialog).to_be_visible()
    choices = dialog.get_by_role("group", name="Move its 2 cards to")
    await expect(choices.get_by_role("radio")).to_have_count(2)
    # Triage takes one card at most: the server's refusal shows in the dialog.
    await choices.get_by_label("Triage").check()
    await dialog.get_by_role("button", name="Remove").click()
    await expect(dialog.locator(".form-error")).to_have_text(
        re.compile("WIP|limit", re.I), timeout=TIMEOUT_MS
    )
    await expect(dialog).to_be_visible()
    await expect(s.row("column", investigating)).to_be_visible()
    await choices.get_by_label("Resolved").check()
    await dialog.get_by_role("button", name="Remove").click()
    await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
    await s.expect_order("column", ["Triage", "Resolved"])
    await expect(s.row("column", resolved).locator(".row-facts")).to_have_text("2 cards")

    state = await board_state(api, bid)
    assert {c["id"]: c["column_id"] for c in state["cards"]} == dict.fromkeys(moving, resolved)
    assert [c["id"] for c in state["columns"]] == [triage, resolved]


async def test_a_column_emptied_meanwhile_is_asked_about_by_the_server(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    open_settings: Opener,
):
    """The page thought the column empty; the server's 409 column-not-empty brings the
    question up in the same dialog."""
    board = await new_board()
    bid = board["id"]
    triage, investigating, _ = (c["id"] for c in board["columns"])
    s = await open_settings("lead", bid)
    await s.row("column", triage).get_by_role("button", name="Remove Triage").click()
    dialog = s.page.locator("dialog#settings-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("radio")).to_have_count(0)
    card = await add_card(bid, column_id=triage)
    await dialog.get_by_role("button", name="Remove").click()
    await expect(dialog.locator(".form-error")).to_have_text(
        "It still holds a card: choose where it goes.", timeout=TIMEOUT_MS
    )
    await dialog.get_by_role("group", name="Move its card to").get_by_label("Investigating").check()
    await dialog.get_by_role("button", name="Remove").click()
    await expect(dialog).to_be_hidden(timeout=TIMEOUT_MS)
    state = await board_state(api, bid)
    assert [c["column_id"] for c in state["cards"] if c["id"] == card["id"]] == [investigating]


async def test_an_agent_gets_the_403_page_and_an_outsider_the_404_page(
    new_board: BoardFactory, open_settings: Opener
):
    board = await new_board()
    agent = await open_settings("agent", board["id"], status=403)
    await expect(agent.page.get_by_role("heading", level=1)).to_have_text(
        "Board settings are for leads"
    )
    await expect(agent.page.locator("main")).to_contain_text("only the board's leads and admins")
    await expect(agent.page.get_by_role("link", name="Back to your boards")).to_be_visible()
    outsider = await open_settings("outsider", board["id"], status=404)
    await expect(outsider.page.get_by_role("heading", level=1)).to_have_text("Board not found")


async def test_a_lead_edits_and_removes_lanes_members_and_policies(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    add_card: CardFactory,
    new_person: NewPerson,
    people: dict[str, Person],
    open_settings: Opener,
):
    board = await new_board(lanes=[{"name": "Enterprise"}, {"name": "Self-serve"}])
    bid = board["id"]
    enterprise, self_serve = (lane["id"] for lane in board["lanes"])
    card = await add_card(bid, lane_id=enterprise)
    r = await api.post(
        f"/api/boards/{bid}/sla-policies", json={"name": "Everything", "ttr_seconds": 86400}
    )
    assert r.status_code == 201, r.text
    policy = r.json()["id"]
    other = await _second_lead(api, new_person, people, bid)
    a = await open_settings("lead", bid)
    b = await open_settings(other, bid)
    agent = people["agent"]

    # The board's name and an alert time.
    form = a.form("board")
    await form.get_by_label("Board name").fill("Renamed desk")
    await form.get_by_label("Blocked-card alert after", exact=True).fill("90")
    await form.get_by_label("Blocked-card alert after: unit").select_option(label="minutes")
    await _save(form)
    await expect(b.page.locator("#settings-board-name")).to_have_text(
        "Renamed desk", timeout=TIMEOUT_MS
    )
    await expect(b.page.locator("#board-link")).to_have_text("Renamed desk")
    blocked = b.form("board").get_by_label("Blocked-card alert after", exact=True)
    await expect(blocked).to_have_value("90")

    # A member's board role, then their removal (confirmed in the dialog).
    role = a.row("member", agent.id).get_by_label(f"Board role of {agent.name}")
    await role.select_option("facilitator")
    await a.form(f"member-{agent.id}").get_by_role("button", name="Save").click()
    await expect(
        b.row("member", agent.id).get_by_label(f"Board role of {agent.name}")
    ).to_have_value("facilitator", timeout=TIMEOUT_MS)
    await a.row("member", agent.id).get_by_role("button", name=f"Remove {agent.name}").click()
    dialog = a.page.locator("dialog#settings-dialog")
    await expect(dialog).to_contain_text(f"{agent.name} loses access to this board")
    await dialog.get_by_role("button", name="Remove").click()
    for page in (a, b):
        await expect(page.row("member", agent.id)).to_have_count(0, timeout=TIMEOUT_MS)

    # An SLA policy's target, then the policy itself.
    form = a.form(f"policy-{policy}")
    await form.get_by_label("Resolved within", exact=True).fill("36")
    await _save(form)
    await expect(
        b.form(f"policy-{policy}").get_by_label("Resolved within", exact=True)
    ).to_have_value("36", timeout=TIMEOUT_MS)
    await (
        a.row("policy", policy)
        .get_by_role("button", name="Delete the SLA policy Everything")
        .click()
    )
    await dialog.get_by_role("button", name="Delete").click()
    for page in (a, b):
        await page.expect_order("policy", [])

    # A lane with a card: asked where it goes.
    await a.row("lane", enterprise).get_by_role("button", name="Remove lane Enterprise").click()
    await dialog.get_by_role("group", name="Move its cards to").get_by_label("Self-serve").check()
    await dialog.get_by_role("button", name="Remove").click()
    for page in (a, b):
        await page.expect_order("lane", ["Self-serve"])

    state = await board_state(api, bid)
    assert (state["name"], state["blocked_alert_seconds"]) == ("Renamed desk", 90 * 60)
    assert agent.id not in {m["user_id"] for m in state["members"]}
    assert [c["lane_id"] for c in state["cards"] if c["id"] == card["id"]] == [self_serve]
    assert (await api.get(f"/api/boards/{bid}/sla-policies")).json() == []


async def test_a_server_that_does_not_filter_people_by_q_still_finds_the_person(
    api: httpx.AsyncClient, new_board: BoardFactory, open_settings: Opener
):
    """Before GET /api/users learned ``q``, it answered with its first people whatever
    was asked: the page then reads the directory and filters it itself."""
    board = await new_board()
    tag = uuid.uuid4().hex[:8]
    r = await api.post(
        "/api/users",
        json={"name": f"Quentin {tag}", "email": f"quentin-{tag}@example.com", "role": "agent"},
    )
    assert r.status_code == 201, r.text
    quentin = r.json()
    s = await open_settings("lead", board["id"])
    asked: list[str] = []

    async def unfiltered(route: Any) -> None:
        asked.append(route.request.url)
        await route.continue_(url=re.sub(r"q=[^&]*&?", "", route.request.url))

    await s.page.route(re.compile(r".*/api/users\?q=.*"), unfiltered)
    form = s.form("add-member")
    await form.get_by_label("Name or e-mail").press_sequentially(f"Quentin {tag}", delay=20)
    await expect(s.page.locator("#new-member-options option")).to_have_attribute(
        "value", f"Quentin {tag} <{quentin['email']}>", timeout=TIMEOUT_MS
    )
    await _save(form)
    await expect(s.row("member", quentin["id"])).to_be_visible(timeout=TIMEOUT_MS)
    assert asked, "the page never asked the server to filter"


async def test_what_someone_is_typing_survives_anothers_change_to_the_same_section(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    new_person: NewPerson,
    people: dict[str, Person],
    open_settings: Opener,
):
    board = await new_board()
    bid = board["id"]
    triage, investigating, _ = (c["id"] for c in board["columns"])
    other = await _second_lead(api, new_person, people, bid)
    a = await open_settings("lead", bid)
    b = await open_settings(other, bid)
    typing = b.page.get_by_label("WIP limit for Triage", exact=True)
    await typing.fill("7")
    await typing.focus()

    name = a.row("column", investigating).get_by_label("Name", exact=True)
    await name.fill("Escalated")
    await name.press("Enter")

    await expect(b.row("column", investigating)).to_have_attribute(
        "data-name", "Escalated", timeout=TIMEOUT_MS
    )
    await expect(typing).to_have_value("7")
    await expect(typing).to_be_focused()
    await typing.press("Enter")  # and it is still saved as typed
    await expect(a.page.get_by_label("WIP limit for Triage", exact=True)).to_have_value(
        "7", timeout=TIMEOUT_MS
    )
    cols = {c["id"]: c for c in (await board_state(api, bid))["columns"]}
    assert (cols[triage]["wip_limit"], cols[investigating]["name"]) == (7, "Escalated")


async def test_a_field_selected_to_type_over_keeps_its_selection_through_a_live_re_read(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    new_person: NewPerson,
    people: dict[str, Person],
    open_settings: Opener,
):
    """Select-all, someone else's change re-reads the section, then type: it replaces."""
    board = await new_board()
    bid = board["id"]
    triage, investigating, _ = (c["id"] for c in board["columns"])
    other = await _second_lead(api, new_person, people, bid)
    b = await open_settings(other, bid)
    field = b.page.get_by_label("WIP limit for Investigating", exact=True)
    before = await field.input_value()
    assert before not in ("", "9")  # a limit to type over
    await field.focus()
    await field.press("ControlOrMeta+a")  # nothing typed yet: the form is not dirty

    r = await api.patch(f"/api/columns/{triage}", json={"name": "Inbox"})
    assert r.status_code == 200, r.text
    await expect(b.row("column", triage)).to_have_attribute(
        "data-name", "Inbox", timeout=TIMEOUT_MS
    )
    await expect(field).to_be_focused()
    await b.page.keyboard.type("9")
    await expect(field).to_have_value("9")  # not the old value with a 9 stuck in front
    await field.press("Enter")
    await expect(b.form(f"column-{investigating}").locator(".saved")).to_have_text(
        "Saved.", timeout=TIMEOUT_MS
    )
    cols = {c["id"]: c for c in (await board_state(api, bid))["columns"]}
    assert cols[investigating]["wip_limit"] == 9


async def test_a_lead_made_an_agent_while_the_page_is_open_is_told_it_is_no_longer_theirs(
    api: httpx.AsyncClient,
    new_board: BoardFactory,
    people: dict[str, Person],
    open_settings: Opener,
):
    board = await new_board()
    bid = board["id"]
    lead = people["lead"]
    s = await open_settings("lead", bid)
    r = await api.patch(f"/api/boards/{bid}/members/{lead.id}", json={"role": "agent"})
    assert r.status_code == 200, r.text
    try:
        await expect(s.page.locator("#settings-notice")).to_have_text(
            re.compile("no longer lead this board"), timeout=TIMEOUT_MS
        )
        await expect(s.page.locator("#live-status")).to_have_text("offline")
    finally:
        r = await api.patch(f"/api/boards/{bid}/members/{lead.id}", json={"role": "lead"})
        assert r.status_code == 200, r.text
