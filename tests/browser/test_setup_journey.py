"""The set-up journey in Chromium, on a fresh install, through the pages only.

An operator gives a new admin a password with the command line; the admin signs in to an
empty board list, creates a board from the "Support swarming" preset, adds a column with
a hard WIP limit of 2, invites an agent with skills on the People page, adds them to the
board, sets an SLA policy. The agent, in another browser, takes the invitation, opens the
board and sees the admin's next change live; then fills the limited column and the third
card is refused on the page while the server still holds two there.

The journey runs on its own database and server: an admin sees every board, so only a
fresh install shows a new admin the empty list.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from app.core.migrate import upgrade_to_head
from tests.browser.helpers import LIVE, BoardPage, login
from tests.cli import CLI
from tests.conftest import ADMIN_TOKEN, ROOT, LiveServer, empty_database

TIMEOUT_MS = 10_000
ADMIN_PASSWORD = "a new admin's long passphrase"
AGENT_PASSWORD = "the agent's own password 7"
COLUMN = "Tier 2"  # the column the admin adds, hard-limited to 2 cards
SETTINGS_URL = re.compile(r"/boards/(\d+)/settings$")


@dataclass
class Install:
    server: LiveServer
    database_url: str


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    """A migrated, empty database (SQLite, or PostgreSQL when configured) and a real
    uvicorn on it."""
    configured = os.environ.get("SWARMBOARD_TEST_DATABASE_URL") or "sqlite"
    with empty_database(configured, tmp_path_factory.mktemp("fresh"), "sb_fresh") as url:
        upgrade_to_head(url)
        server = LiveServer(url)
        try:
            yield Install(server, url)
        finally:
            server.stop()


class Browsers:
    """The people's own browsers (one context each); uncaught script errors are kept."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    async def open(self) -> Page:
        # Wide enough for the preset's board and one more column without scrolling sideways.
        context = await self.browser.new_context(viewport={"width": 1920, "height": 1080})
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page


@pytest.fixture
async def browsers(browser: Browser) -> AsyncIterator[Browsers]:
    """Fresh browser contexts; an uncaught script error on any of their pages fails."""
    found = Browsers(browser)
    yield found
    for context in found.contexts:
        await context.close()
    assert not found.errors, f"uncaught script errors: {found.errors}"


def _cli(database_url: str, args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``swarmboard ARGS`` as an operator runs it, against the install's database."""
    env = {**os.environ, "SWARMBOARD_DATABASE_URL": database_url}
    env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    return subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _operator_makes_an_admin(database_url: str, name: str, email: str) -> None:
    """``swarmboard users create`` then ``echo "$PW" | swarmboard users set-password``."""
    made = await asyncio.to_thread(
        _cli,
        database_url,
        ["users", "create", "--name", name, "--email", email, "--role", "admin"],
    )
    assert made.returncode == 0, made.stderr
    given = await asyncio.to_thread(
        _cli, database_url, ["users", "set-password", email], ADMIN_PASSWORD + "\n"
    )
    assert given.returncode == 0, given.stderr


async def _create_board_from_the_preset(page: Page, name: str) -> int:
    """On the empty board list: name the board, keep the recommended preset, create."""
    empty = page.locator("section.empty")
    await expect(
        empty.get_by_role("heading", name="Create your team's first board")
    ).to_be_visible()
    await expect(page.locator("ul.board-list")).to_have_count(0)
    form = page.locator("form#new-board")
    await form.get_by_label("Name", exact=True).fill(name)
    await form.get_by_label(re.compile("^Support swarming")).check()
    await form.get_by_role("button", name="Create board").click()
    await expect(page).to_have_url(SETTINGS_URL)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Settings of {name}")
    await expect(page.locator("#live-status")).to_have_text(LIVE, timeout=TIMEOUT_MS)
    found = SETTINGS_URL.search(page.url)
    assert found is not None
    return int(found.group(1))


async def _add_a_hard_limited_column(page: Page) -> None:
    """Add the column, then give it a hard WIP limit of 2 on its own row."""
    add = page.locator('form.set-form[data-key="add-column"]')
    await add.get_by_label("Name").fill(COLUMN)
    await add.get_by_role("button", name="Add column").click()
    row = page.locator(f'.set-row[data-kind="column"][data-name="{COLUMN}"]')
    await expect(row).to_be_visible(timeout=TIMEOUT_MS)
    await row.get_by_label(f"WIP limit for {COLUMN}", exact=True).fill("2")
    await row.get_by_label("WIP policy").select_option("hard")
    await row.get_by_role("button", name="Save").click()
    await expect(row.locator(".saved")).to_have_text("Saved.", timeout=TIMEOUT_MS)
    await expect(page.get_by_label(f"WIP limit for {COLUMN}", exact=True)).to_have_value("2")


async def _invite_an_agent(page: Page, base_url: str, name: str, email: str) -> str:
    """On /people: add the agent with two skills; returns the invitation link shown."""
    await page.get_by_role("link", name="People").click()
    await expect(page).to_have_url(base_url + "/people")
    await expect(page.get_by_role("heading", level=1)).to_have_text("People")
    form = page.locator("form#create-person")
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("Email").fill(email)
    await form.get_by_label("Role").select_option("agent")
    for skill, level in (("billing", "2"), ("api", "1")):
        await form.get_by_role("button", name="Add skill").click()
        row = form.locator(".skill-row").last
        await row.get_by_label("Skill").fill(skill)
        await row.get_by_label("Level").select_option(level)
    await expect(form.get_by_label(re.compile("invitation link"))).to_be_checked()
    await form.get_by_role("button", name="Add person").click()
    box = page.locator("#invitation-box")
    await expect(box).to_be_visible(timeout=TIMEOUT_MS)
    link = await box.get_by_label("Invitation link").input_value()
    assert link.startswith(base_url + "/invite/"), link
    added = page.locator("article.person", has_text=email)
    await expect(added.locator(".skill-chip")).to_have_text(
        [re.compile(r"^billing\b"), re.compile(r"^api\b")]
    )
    await expect(added.locator(".state-pending")).to_have_text("No password yet")
    return link


async def _add_member(page: Page, email: str, name: str) -> None:
    form = page.locator('form.set-form[data-key="add-member"]')
    await form.get_by_label("Name or e-mail").fill(email)
    await form.get_by_label("Board role").select_option("agent")
    await form.get_by_role("button", name="Add member").click()
    row = page.locator('.set-row[data-kind="member"]', has_text=email)
    await expect(row).to_be_visible(timeout=TIMEOUT_MS)
    await expect(row.get_by_label(f"Board role of {name}")).to_have_value("agent")


async def _add_sla_policy(page: Page) -> None:
    form = page.locator('form.set-form[data-key="add-policy"]')
    await form.get_by_label("Name").fill("Enterprise email")
    await form.get_by_label("Priority").select_option("high")
    await form.get_by_label("Channel").select_option("email")
    await form.get_by_label("First response within", exact=True).fill("2")
    await form.get_by_label("First response within: unit").select_option(label="hours")
    await form.get_by_label("Resolved within", exact=True).fill("30")
    await form.get_by_label("Resolved within: unit").select_option(label="hours")
    await form.get_by_role("button", name="Add policy").click()
    row = page.locator('.set-row[data-kind="policy"][data-name="Enterprise email"]')
    await expect(row).to_be_visible(timeout=TIMEOUT_MS)


async def _accept_the_invitation(page: Page, link: str, name: str) -> None:
    await page.goto(link)
    await expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    await page.get_by_label("New password").fill(AGENT_PASSWORD)
    await page.get_by_label("The same password again").fill(AGENT_PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page).to_have_url(re.compile(r"/boards$"))
    await expect(page.locator(".topbar .me")).to_have_text(name)


async def _create_card(board: BoardPage, title: str) -> int:
    """Through the board page's create-card form, into the first column."""
    form = board.page.locator("form#create-card")
    await form.get_by_label("Card title").fill(title)
    await form.get_by_role("button", name="Add card").click()
    card = board.page.locator("article.card", has_text=title)
    await expect(card).to_have_count(1, timeout=TIMEOUT_MS)
    return int(await card.get_attribute("data-card-id") or 0)


async def test_a_new_admin_sets_up_a_board_and_an_invited_agent_works_on_it(
    fresh_install: Install, browsers: Browsers
):
    base = fresh_install.server.url
    tag = uuid.uuid4().hex[:6]
    admin_email = f"ada-{tag}@example.com"
    agent_name, agent_email = f"Arif {tag}", f"arif-{tag}@example.com"
    board_name = f"Billing support {tag}"

    # 1. The operator gives a new admin a password; the admin signs in to no boards.
    await _operator_makes_an_admin(fresh_install.database_url, "Ada Admin", admin_email)
    admin = await browsers.open()
    await login(admin, base, admin_email, ADMIN_PASSWORD)
    await expect(admin).to_have_url(base + "/boards")
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Boards")
    await expect(admin.locator(".topbar .me")).to_have_text("Ada Admin")

    # 2. A board from the "Support swarming" preset; the admin lands on its settings.
    board_id = await _create_board_from_the_preset(admin, board_name)
    settings_url = admin.url

    # 3. A column with a hard WIP limit of 2.
    await _add_a_hard_limited_column(admin)

    # 4. An agent with skills, invited on /people, then made a member of the board.
    link = await _invite_an_agent(admin, base, agent_name, agent_email)
    await admin.goto(settings_url)
    await expect(admin.locator("#live-status")).to_have_text(LIVE, timeout=TIMEOUT_MS)
    await _add_member(admin, agent_email, agent_name)

    # 5. An SLA policy.
    await _add_sla_policy(admin)

    # 6. The agent takes the invitation in their own browser and opens the board.
    agent_page = await browsers.open()
    await _accept_the_invitation(agent_page, link, agent_name)
    await agent_page.get_by_role("link", name=board_name).click()
    await expect(agent_page).to_have_url(f"{base}/boards/{board_id}")
    agent = BoardPage(agent_page, board_id, "agent")
    await agent.expect_live()
    heads = agent_page.locator("section.column .column-head h2")
    await expect(heads).to_have_text(
        [
            "Triage",
            "Investigating",
            "Swarming",
            "Ready for engineering",
            "Waiting on customer",
            "Resolved",
            COLUMN,
        ]
    )
    await agent_page.evaluate("window.sbNotReloaded = true")
    # The admin renames a column on the settings page: the agent's board shows it live.
    investigating = admin.locator('.set-row[data-kind="column"][data-name="Investigating"]')
    rename = investigating.get_by_label("Name", exact=True)
    await rename.fill("Diagnosing")
    await rename.press("Enter")
    await expect(heads.nth(1)).to_have_text("Diagnosing", timeout=TIMEOUT_MS)
    assert await agent_page.evaluate("window.sbNotReloaded === true")

    # 7. The agent fills the limited column; the third card is refused on the page.
    limited = int(
        await agent_page.get_by_role("region", name=COLUMN).get_attribute("data-column-id") or 0
    )
    titles = [f"Refund shows twice {tag}", f"Invoice PDF empty {tag}", f"Card declined {tag}"]
    cards = [await _create_card(agent, title) for title in titles]
    await agent.expect_wip(limited, 0, 2)
    for n, card in enumerate(cards[:2], start=1):
        await agent.move_with_menu(card, limited)
        await agent.expect_card_in(limited, card)
        await agent.expect_wip(limited, n, 2)
    # The third: the "Move to…" menu shows the column full and does not offer it...
    await agent.card(cards[2]).get_by_role("button", name="Move to…").click()
    full = agent_page.get_by_role("menuitem", name=re.compile(f"^{COLUMN}"))
    await expect(full).to_have_text(f"{COLUMN} — full (2/2)")
    await expect(full).to_have_attribute("aria-disabled", "true")
    await expect(full).to_have_accessible_description(re.compile("only a lead"))
    await agent_page.keyboard.press("Escape")
    await expect(full).to_have_count(0)
    # ... and dragging it there anyway gets the server's refusal, shown on the card.
    await agent.drag(cards[2], limited)
    refusal = agent.refusal(cards[2])
    await expect(refusal).to_be_visible(timeout=TIMEOUT_MS)
    await expect(refusal).to_have_text(
        f"Column '{COLUMN}' is at its WIP limit of 2 (2 cards); finish something first."
    )
    await expect(agent.card_in(limited, cards[2])).to_have_count(0)
    await agent.expect_wip(limited, 2, 2)
    assert await agent_page.evaluate("window.sbNotReloaded === true")

    # The server agrees with what the pages showed.
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    ) as api:
        state = (await api.get(f"/api/boards/{board_id}")).json()
        policies = (await api.get(f"/api/boards/{board_id}/sla-policies")).json()
        people = (await api.get("/api/users", params={"q": agent_email})).json()
    columns = {c["name"]: c for c in state["columns"]}
    assert (columns[COLUMN]["wip_limit"], columns[COLUMN]["wip_policy"]) == (2, "hard")
    assert "Diagnosing" in columns
    in_limited = sorted(c["id"] for c in state["cards"] if c["column_id"] == limited)
    assert in_limited == sorted(cards[:2])
    agent_user = next(p for p in people["users"] if p["email"] == agent_email)
    assert sorted((s["name"], s["level"]) for s in agent_user["skills"]) == [
        ("api", 1),
        ("billing", 2),
    ]
    assert {m["user_id"]: m["board_role"] for m in state["members"]}[agent_user["id"]] == "agent"
    assert {
        (p["name"], p["priority"], p["channel"], p["frt_seconds"], p["ttr_seconds"])
        for p in policies
    } >= {("Enterprise email", "high", "email", 2 * 3600, 30 * 3600)}
