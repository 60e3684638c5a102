"""The people page in Chromium: an admin adds a person with skills and an invitation link
that works in another browser; an agent edits their own availability and skills; bad
input is explained inline under each form's fields; a lead sees only their boards' people."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import PASSWORD, BoardFactory, Person
from tests.browser.helpers import login
from tests.conftest import LiveServer

Open = Callable[[Person], Awaitable[Page]]


async def _person(api: httpx.AsyncClient, role: str, **fields: Any) -> Person:
    tag = uuid.uuid4().hex[:8]
    body = {
        "name": f"{role.title()} {tag}",
        "email": f"{role}-{tag}@example.com",
        "role": role,
        "password": PASSWORD,
        **fields,
    }
    r = await api.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    user = r.json()
    return Person(user["id"], user["name"], user["email"], role, user["token"])


@pytest.fixture
async def open_people(browser: Browser, web: LiveServer) -> AsyncIterator[Open]:
    """Sign someone in in a fresh browser and open /people; uncaught script errors fail."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def opener(who: Person) -> Page:
        context = await browser.new_context(viewport={"width": 1440, "height": 900})
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


def _card(page: Page, person: Person | int) -> Locator:
    pid = person if isinstance(person, int) else person.id
    return page.locator(f"article#person-{pid}")


async def _edit(card: Locator) -> None:
    details = card.locator("details.person-edit")
    if await details.get_attribute("open") is None:
        await details.locator("summary").click()


async def test_an_admin_adds_a_person_whose_invitation_link_signs_them_in(
    api: httpx.AsyncClient, open_people: Open, browser: Browser, web: LiveServer
):
    admin = await _person(api, "admin")
    page = await open_people(admin)
    form = page.locator("form#create-person")
    tag = uuid.uuid4().hex[:6]
    email = f"new-{tag}@example.com"
    await form.get_by_label("Name").fill(f"Nia {tag}")
    await form.get_by_label("Email").fill(email)
    await form.get_by_label("Team (optional)").fill("Payments")
    await form.get_by_role("button", name="Add skill").click()
    row = form.locator(".skill-row").first
    await row.get_by_label("Skill").fill("Refunds")
    await row.get_by_label("Level").select_option("3")
    await form.get_by_role("button", name="Add person").click()

    box = page.locator("#invitation-box")
    await expect(box).to_be_visible()
    link = await box.locator(".secret-value").input_value()
    assert link.startswith(web.url + "/invite/")
    created = page.locator("article.person", has_text=f"Nia {tag}")
    await expect(created).to_contain_text("Refunds")
    await expect(created).to_contain_text("Payments")
    await expect(created.locator(".state-pending")).to_have_text("No password yet")

    # The new person opens the link in their own browser.
    context = await browser.new_context()
    try:
        them = await context.new_page()
        await them.goto(link)
        await expect(them.get_by_role("heading", name=f"Welcome, Nia {tag}")).to_be_visible()
        await them.get_by_label("New password").fill("my-own-password-1")
        await them.get_by_label("The same password again").fill("my-own-password-1")
        async with them.expect_navigation():
            await them.get_by_role("button", name="Set password and sign in").click()
        assert them.url.endswith("/boards")
        await expect(them.locator(".topbar .me")).to_have_text(f"Nia {tag}")
        # The link worked once.
        again = await them.goto(link)
        assert again is not None and again.status == 410
        await expect(them.get_by_role("heading", name="Invitation link not valid")).to_be_visible()
    finally:
        await context.close()


async def test_an_agent_edits_their_own_availability_and_skills(
    api: httpx.AsyncClient, open_people: Open
):
    agent = await _person(api, "agent")
    page = await open_people(agent)
    card = _card(page, agent)
    await expect(card.locator("details.person-edit")).to_have_attribute("open", "")
    await card.get_by_label("Availability").select_option("busy")
    await card.get_by_role("button", name="Save availability").click()
    card = _card(page, agent)
    await expect(card.locator(".person-notice")).to_have_text("Availability saved.")
    await expect(card.locator(".avail-badge")).to_have_text("Busy")

    await card.get_by_role("button", name="Add skill").click()
    row = card.locator(".skill-row").last
    await row.get_by_label("Skill").fill("PostgreSQL")
    await row.get_by_label("Level").select_option("2")
    await row.get_by_label("Skill").press("Enter")  # Enter saves the form
    card = _card(page, agent)
    await expect(card.locator(".person-notice")).to_have_text("Skills saved.")
    await expect(card.locator(".skill-chip")).to_have_text([re.compile("PostgreSQL")])
    me = (await api.get(f"/api/users/{agent.id}")).json()
    assert (me["availability"], me["skills"]) == ("busy", [{"name": "PostgreSQL", "level": 2}])
    # No admin controls for an agent, and nobody else on the page.
    assert await page.locator("form#create-person").count() == 0
    assert await page.locator("article.person").count() == 1


async def _refused(form: Locator, field: str, message: str | re.Pattern[str]) -> None:
    control = form.locator(f'[name="{field}"]').first
    await expect(control).to_have_attribute("aria-invalid", "true")
    described = await control.get_attribute("aria-describedby") or ""
    box = form.locator(f'[data-field-error="{field}"]')
    assert await box.get_attribute("id") in described.split()
    await expect(box).to_contain_text(message)
    await expect(form.get_by_role("alert")).to_be_visible()


async def test_bad_input_is_explained_inline_on_every_form(
    api: httpx.AsyncClient, open_people: Open
):
    admin = await _person(api, "admin")
    target = await _person(api, "agent", wip_limit=2)
    other = await _person(api, "agent")
    page = await open_people(admin)
    page.on("dialog", lambda d: pytest.fail(f"unexpected browser dialog: {d.message}"))
    await page.get_by_label("Search by name or email").fill(target.email)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Search").click()
    card = _card(page, target)
    await _edit(card)

    # Availability: a value the server does not know (a stale or forged option).
    form = card.locator('form[data-kind="availability"]')
    await form.locator("select").evaluate(
        "s => { s.add(new Option('On holiday', 'holiday')); s.value = 'holiday'; }"
    )
    await form.get_by_role("button", name="Save availability").click()
    await _refused(form, "availability", re.compile("available"))

    # Skills: level 4.
    form = card.locator('form[data-kind="skills"]')
    await form.get_by_role("button", name="Add skill").click()
    row = form.locator(".skill-row").last
    await row.get_by_label("Skill").fill("SQL")
    await row.get_by_label("Level").evaluate("s => { s.add(new Option('4', '4')); s.value = '4'; }")
    await form.get_by_role("button", name="Save skills").click()
    box = form.locator('[data-field-error="skills"]')
    await expect(box).to_contain_text("Skill 1 level")
    await expect(row.get_by_label("Level")).to_have_attribute("aria-invalid", "true")

    # Team and WIP limit: -1.
    form = card.locator('form[data-kind="work"]')
    await form.get_by_label("Personal WIP limit").fill("-1")
    await form.get_by_label("Personal WIP limit").press("Enter")
    await _refused(form, "wip_limit", "greater than or equal to 0")

    # Name, email and role: empty name, a bad email, an email someone else has.
    form = card.locator('form[data-kind="identity"]')
    await form.get_by_label("Name").fill("")
    await form.get_by_label("Email").fill("not-an-email")
    await form.get_by_role("button", name="Save name, email and role").click()
    await _refused(form, "name", "at least 1 character")
    await _refused(form, "email", "Enter an email address")
    await form.get_by_label("Name").fill("Still Here")
    await form.get_by_label("Email").fill(other.email)
    await form.get_by_role("button", name="Save name, email and role").click()
    await _refused(form, "email", "already exists")

    # Nothing of it was written.
    after = (await api.get(f"/api/users/{target.id}")).json()
    assert (after["name"], after["email"], after["wip_limit"], after["skills"]) == (
        target.name,
        target.email,
        2,
        [],
    )

    # Adding a person: empty name, a taken email, a too short password.
    create = page.locator("form#create-person")
    await create.get_by_label("Email").fill(other.email)
    await create.get_by_label("Set a password now").check()
    await create.get_by_label("Password", exact=True).fill("short")
    await create.get_by_role("button", name="Add person").click()
    await _refused(create, "name", "at least 1 character")
    await _refused(create, "password", "at least 8 characters")
    await create.get_by_label("Name").fill("Dup")
    await create.get_by_label("Password", exact=True).fill("long-enough-password")
    await create.get_by_role("button", name="Add person").click()
    await _refused(create, "email", "already exists")


async def test_a_lead_sees_only_the_people_of_the_boards_they_lead(
    api: httpx.AsyncClient, open_people: Open, new_board: BoardFactory
):
    lead = await _person(api, "lead")
    member = await _person(api, "agent")
    stranger = await _person(api, "agent")
    board = await new_board()
    for who in (lead, member):
        r = await api.post(f"/api/boards/{board['id']}/members", json={"user_id": who.id})
        assert r.status_code == 201, r.text
    page = await open_people(lead)
    await expect(_card(page, member)).to_be_visible()
    await expect(_card(page, lead)).to_be_visible()
    await expect(_card(page, stranger)).to_have_count(0)
    assert await page.locator("form#create-person").count() == 0
    assert await page.locator('[data-action="deactivate"]').count() == 0
    # The lead edits their member's team.
    card = _card(page, member)
    await _edit(card)
    await card.get_by_label("Team").fill("Tier 2")
    await card.get_by_role("button", name="Save team and limit").click()
    await expect(_card(page, member).locator(".person-notice")).to_have_text(
        "Team and WIP limit saved."
    )
    assert (await api.get(f"/api/users/{member.id}")).json()["team"] == "Tier 2"


async def test_an_admin_deactivates_after_confirming_reactivates_and_makes_a_new_link(
    api: httpx.AsyncClient, open_people: Open, web: LiveServer
):
    admin = await _person(api, "admin")
    target = await _person(api, "agent")
    made = await api.post(
        "/api/users",
        json={
            "name": "Late Joiner",
            "email": f"late-{uuid.uuid4().hex[:8]}@example.com",
            "invite": True,
        },
    )
    assert made.status_code == 201, made.text
    page = await open_people(admin)
    await page.get_by_label("Search by name or email").fill(target.email)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Search").click()
    card = _card(page, target)
    dialog = page.locator("#deactivate-dialog")
    await card.get_by_role("button", name="Deactivate…").click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(target.name)
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    assert (await api.get(f"/api/users/{target.id}")).json()["deactivated_at"] is None

    await card.get_by_role("button", name="Deactivate…").click()
    await dialog.get_by_role("button", name="Deactivate", exact=True).click()
    card = _card(page, target)
    await expect(card.locator(".person-notice")).to_have_text(f"{target.name} is deactivated.")
    await expect(card.get_by_role("button", name="Reactivate")).to_be_focused()
    assert (await api.get(f"/api/users/{target.id}")).json()["deactivated_at"] is not None
    await card.get_by_role("button", name="Reactivate").click()
    await expect(_card(page, target).locator(".person-notice")).to_contain_text("active again")
    assert (await api.get(f"/api/users/{target.id}")).json()["deactivated_at"] is None

    # A new link for someone who has no password yet; the first one stops working.
    first = made.json()["invitation_url"]
    await page.get_by_label("Search by name or email").fill(made.json()["email"])
    async with page.expect_navigation():
        await page.get_by_role("button", name="Search").click()
    await _card(page, made.json()["id"]).get_by_role("button", name="New invitation link").click()
    box = page.locator("#invitation-box")
    await expect(box).to_contain_text("Invitation link for Late Joiner.")
    second = await box.locator(".secret-value").input_value()
    assert second.startswith(web.url + "/invite/") and second != first
    async with httpx.AsyncClient() as anyone:
        assert (await anyone.get(first)).status_code == 410
        assert (await anyone.get(second)).status_code == 200
