"""The board page as a user sees it, driven through Playwright (async API).

Selectors follow the page's DOM contract (``app/web/templates``): columns are
``section.column[data-column-id]``, cards ``article.card[data-card-id]``, the WIP counter
``span.wip[data-count][data-limit]``, the connection state ``#live-status``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Locator, Page, expect

# The specified one is 2 s: "B sees it within 2 s".
LIVE_TIMEOUT_MS = 2_000
LIVE = re.compile(r"^\s*live\s*$", re.IGNORECASE)
RECONNECTING = re.compile(r"^\s*reconnecting", re.IGNORECASE)


class BoardPage:
    """One user's open board page."""

    def __init__(self, page: Page, board_id: int, who: str) -> None:
        self.page = page
        self.board_id = board_id
        self.who = who
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    # --- locators -------------------------------------------------------------------
    def column(self, column_id: int) -> Locator:
        return self.page.locator(f'section.column[data-column-id="{column_id}"]')

    def card(self, card_id: int) -> Locator:
        return self.page.locator(f'article.card[data-card-id="{card_id}"]')

    def card_in(self, column_id: int, card_id: int) -> Locator:
        return self.column(column_id).locator(f'article.card[data-card-id="{card_id}"]')

    def wip(self, column_id: int) -> Locator:
        return self.column(column_id).locator("span.wip")

    @property
    def status(self) -> Locator:
        return self.page.locator("#live-status")

    @property
    def flash(self) -> Locator:
        """A page-level message: an error toast's text in the toast stack (``#toasts``)."""
        return self.page.locator('#toasts .toast-title[role="alert"]')

    def refusal(self, card_id: int) -> Locator:
        """The refusal shown on a card whose move the server refused (its ``detail``)."""
        return self.card(card_id).locator('.card-refusal [role="alert"]')

    @property
    def body(self) -> Locator:
        return self.page.locator("body")

    # --- expectations ---------------------------------------------------------------
    async def expect_live(self, within_ms: int = 10_000) -> None:
        await expect(self.status).to_have_text(LIVE, timeout=within_ms)

    async def expect_card_in(self, column_id: int, card_id: int, within_ms: int = 5_000) -> None:
        """The card shows in that column, and only once on the whole page."""
        await expect(self.card_in(column_id, card_id)).to_be_visible(timeout=within_ms)
        await expect(self.card(card_id)).to_have_count(1, timeout=within_ms)

    async def expect_wip(
        self, column_id: int, count: int, limit: int | None, within_ms: int = 5_000
    ) -> None:
        """The column's counter reads ``count / limit`` with the matching colour class."""
        wip = self.wip(column_id)
        await expect(wip).to_have_attribute("data-count", str(count), timeout=within_ms)
        if limit is None:
            return
        await expect(wip).to_have_text(re.compile(rf"^\s*{count}\s*/\s*{limit}\s*$"))
        full = re.compile(r"\bwip-full\b")
        near = re.compile(r"\bwip-near\b")
        if count >= limit:
            await expect(wip).to_have_class(full)
        else:
            await expect(wip).not_to_have_class(full)
        if count == limit - 1:
            await expect(wip).to_have_class(near)
        else:
            await expect(wip).not_to_have_class(near)

    async def placement(self) -> dict[int, int]:
        """card id -> column id, as the page shows it (the enclosing column section)."""
        rows = await self.page.evaluate(
            """() => Array.from(document.querySelectorAll('article.card')).map(card => [
                   card.dataset.cardId,
                   card.closest('section.column')?.dataset.columnId ?? null,
                   card.dataset.columnId])"""
        )
        shown: dict[int, int] = {}
        for card_id, section_col, data_col in rows:
            assert card_id not in map(str, shown), f"card {card_id} shown twice on {self.who}"
            assert section_col == data_col, (
                f"card {card_id} sits in column {section_col} but says data-column-id={data_col}"
            )
            shown[int(card_id)] = int(section_col)
        return shown

    # --- actions --------------------------------------------------------------------
    async def drag(self, card_id: int, column_id: int) -> None:
        """A real HTML5 drag of the card onto the column (its first lane, if it has lanes)."""
        target = self.column(column_id)
        lanes = target.locator("div.lane")
        if await lanes.count():
            target = lanes.first
        await self.card(card_id).drag_to(target)

    async def open_move_menu_by_keyboard(self, card_id: int) -> None:
        button = self.card(card_id).locator("button.move-menu")
        await button.focus()
        await expect(button).to_be_focused()
        await self.page.keyboard.press("Enter")

    def move_target(self, column_id: int) -> Locator:
        return self.page.locator(f'button[data-move-to="{column_id}"]').filter(visible=True)

    async def move_with_keyboard(self, card_id: int, column_id: int) -> None:
        """Open the card's "Move to…" menu and pick the column with the keyboard only."""
        await self.open_move_menu_by_keyboard(card_id)
        target = self.move_target(column_id)
        await expect(target).to_be_visible()
        for _ in range(20):
            if await target.evaluate("el => el === document.activeElement"):
                break
            focused_in_menu = await self.page.evaluate(
                "() => !!document.activeElement?.matches('button[data-move-to]')"
            )
            # An ARIA menu moves with the arrow keys; a plain list of buttons with Tab.
            await self.page.keyboard.press("ArrowDown" if focused_in_menu else "Tab")
        await expect(target).to_be_focused()
        await self.page.keyboard.press("Enter")

    async def move_with_menu(self, card_id: int, column_id: int) -> None:
        """Open the card's "Move to…" menu and click the column."""
        await self.card(card_id).locator("button.move-menu").click()
        await self.move_target(column_id).click()


async def login(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    await page.goto(f"{base_url}/login")
    await page.locator("input[name=email]").fill(email)
    await page.locator("input[name=password]").fill(password)
    async with page.expect_navigation():
        await page.locator("form button[type=submit], form input[type=submit]").first.click()
    assert "/login" not in page.url, f"{email} is still on the login page: {page.url}"


async def board_state(api: httpx.AsyncClient, board_id: int) -> dict[str, Any]:
    r = await api.get(f"/api/boards/{board_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def server_placement(api: httpx.AsyncClient, board_id: int) -> tuple[dict[int, int], int]:
    """(card id -> column id, last_seq) according to the server."""
    state = await board_state(api, board_id)
    return {c["id"]: c["column_id"] for c in state["cards"]}, int(state["last_seq"])


async def card_column(api: httpx.AsyncClient, card_id: int) -> int:
    r = await api.get(f"/api/cards/{card_id}")
    assert r.status_code == 200, r.text
    return int(r.json()["column_id"])


async def all_events(api: httpx.AsyncClient, board_id: int) -> list[dict[str, Any]]:
    r = await api.get(f"/api/boards/{board_id}/events", params={"since": 0, "limit": 1000})
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


class SwarmView:
    """The swarm parts of one user's board page (``app/web/templates/board.html``):
    the drawer's ``section#swarm``, the invitation toasts in ``#toasts``, the
    ``section#swarm-help`` list and the ``span.swarm-badge`` on cards."""

    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.page = board.page

    @property
    def drawer(self) -> Locator:
        return self.page.locator("aside#card-drawer")

    @property
    def panel(self) -> Locator:
        return self.page.locator("section#swarm")

    @property
    def ask_form(self) -> Locator:
        return self.panel.locator("form.swarm-ask")

    @property
    def open_swarm(self) -> Locator:
        return self.panel.locator(".swarm-open")

    def member(self, name: str) -> Locator:
        return self.panel.locator("ul.swarm-members > li").filter(has_text=name)

    def invitation(self, name: str) -> Locator:
        return self.panel.locator("ul.swarm-invitations > li").filter(has_text=name)

    @property
    def toasts(self) -> Locator:
        return self.page.locator("#toasts .invite-toast")

    def toast(self, card_title: str) -> Locator:
        """The invitation toast for the card with exactly this title."""
        title = self.page.locator(".toast-card", has_text=re.compile(f"^{re.escape(card_title)}$"))
        return self.toasts.filter(has=title)

    @property
    def needing_help(self) -> Locator:
        return self.page.locator("section#swarm-help")

    def badge(self, card_id: int) -> Locator:
        return self.board.card(card_id).locator(".swarm-badge")

    async def open_card(self, card_id: int) -> None:
        """Click the card's title: the drawer opens on it and its swarm panel loads."""
        await self.board.card(card_id).locator(".title").click()
        await expect(self.drawer).to_be_visible()
        await expect(self.panel.locator(".swarm-loading")).to_be_hidden()

    async def ask_for_help(self, skills: str, question: str, tried: str) -> None:
        form = self.ask_form
        await expect(form).to_be_visible()
        await form.get_by_label("Skills needed").fill(skills)
        await form.get_by_label("Question").fill(question)
        await form.get_by_label("What you have tried").fill(tried)
        await form.get_by_role("button", name="Ask for help").click()


class AlertView:
    """The alert parts of one user's board page (``app/web/templates``): the
    ``.alert-flag`` marks in a card's ``.alert-badge`` or a column header, the
    ``#alerts-toggle`` button, the ``section#alerts-panel`` list and the alert toasts in
    the page's one toast stack, ``#toasts``."""

    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.page = board.page

    @property
    def toggle(self) -> Locator:
        return self.page.locator("#alerts-toggle")

    @property
    def panel(self) -> Locator:
        return self.page.locator("section#alerts-panel")

    @property
    def items(self) -> Locator:
        return self.panel.locator("ul.alerts-list > li")

    def item(self, alert_id: int) -> Locator:
        return self.panel.locator(f'li[data-alert-id="{alert_id}"]')

    @property
    def toasts(self) -> Locator:
        return self.page.locator("#toasts .alert-toast")

    def toast(self, alert_id: int) -> Locator:
        return self.page.locator(f'#toasts .alert-toast[data-alert-id="{alert_id}"]')

    def badge(self, card_id: int) -> Locator:
        return self.board.card(card_id).locator(".alert-badge")

    def column_flags(self, column_id: int) -> Locator:
        return self.board.column(column_id).locator(".column-head .alert-flag")

    async def open_panel(self) -> None:
        """Click "Alerts (N)": the panel opens and its list has loaded."""
        await self.toggle.click()
        await expect(self.toggle).to_have_attribute("aria-expanded", "true")
        await expect(self.panel).to_be_visible()
        await expect(self.panel.locator(".alerts-loading")).to_be_hidden()
