"""Alerts in a real browser, raised by the real scheduled scan of a real server.

A uvicorn with the scheduler on (a scan every second) serves the board pages. A card
sits in a column that stalls after 2 s: the open pages get a toast and a badge on the
card without a reload, and never re-render the board for it; someone acknowledges it
in the alerts panel and everyone's panel follows; moving the card out clears the
alert at the next scan and the badge goes, live.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, WebSocketRoute, expect

from app.core.config import Settings
from tests.browser.conftest import Person
from tests.browser.helpers import AlertView, BoardPage
from tests.conftest import ADMIN_TOKEN, LiveServer

# A scan runs every second and the column stalls after 2 s: 10 s is plenty.
ALERT_TIMEOUT_MS = 10_000
STALL_SECONDS = 2

# Every toast the page ever adds, by alert id (a toast removed later still counts).
COUNT_TOASTS = """
window.__alertToasts = [];
new MutationObserver(function (changes) {
  for (const change of changes) {
    for (const node of change.addedNodes) {
      if (node.classList && node.classList.contains("alert-toast")) {
        window.__alertToasts.push(Number(node.dataset.alertId));
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.fixture(scope="module")
def alert_server(settings: Settings) -> Iterator[LiveServer]:
    """A server of its own that runs the alert scan every second (the shared one is
    left alone); the pages and API calls of these tests all go to it."""
    server = LiveServer(
        settings.database_url, SWARMBOARD_SCHEDULER="on", SWARMBOARD_ALERT_SCAN_SECONDS="1"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def alert_api(alert_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=alert_server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    ) as c:
        yield c


class Opened:
    """A board page open on the alert server, with what the test watches on it."""

    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.alerts = AlertView(board)
        self.fragments: list[str] = []  # board re-renders fetched from the server
        board.page.on(
            "request",
            lambda r: self.fragments.append(r.url) if r.url.endswith("/fragment") else None,
        )

    async def toasts_ever(self) -> list[int]:
        return list(await self.board.page.evaluate("() => window.__alertToasts"))


OpenOnAlertServer = Callable[..., Awaitable[Opened]]


@pytest.fixture
async def open_page(
    browser: Browser, people: dict[str, Person], alert_server: LiveServer
) -> AsyncIterator[OpenOnAlertServer]:
    """Open a board page on the alert server, signed in as a person (their session
    cookie is the one the shared server issued: same database, same secret)."""
    contexts: list[BrowserContext] = []
    opened: list[Opened] = []

    async def opener(
        who: str,
        board_id: int,
        setup: Callable[[BrowserContext], Awaitable[None]] | None = None,
    ) -> Opened:
        context = await browser.new_context(
            storage_state=people[who].storage_state, viewport={"width": 1600, "height": 1000}
        )
        contexts.append(context)
        await context.add_init_script(COUNT_TOASTS)
        if setup is not None:
            await setup(context)
        page = await context.new_page()
        view = Opened(BoardPage(page, board_id, who))
        opened.append(view)
        response = await page.goto(f"{alert_server.url}/boards/{board_id}")
        assert response is not None and response.status == 200
        await view.board.expect_live()
        return view

    yield opener
    for context in contexts:
        await context.close()
    errors = {o.board.who: o.board.errors for o in opened if o.board.errors}
    assert not errors, f"uncaught script errors on the board page: {errors}"


async def _hold_back_acknowledgements(context: BrowserContext) -> None:
    """This page's websocket never delivers alert.acknowledged: it stays behind, as a
    page does whose event is still on its way."""

    async def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def forward(message: str | bytes) -> None:
            text = message if isinstance(message, str) else message.decode()
            if '"type":"alert.acknowledged"' not in text:
                ws.send(message)

        server.on_message(forward)

    await context.route_web_socket(re.compile(r"/ws/boards/"), route)


async def _move(api: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    r = await api.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
    assert r.status_code == 200, r.text


async def _alerts(api: httpx.AsyncClient, board_id: int, state: str) -> list[dict[str, Any]]:
    r = await api.get(f"/api/boards/{board_id}/alerts", params={"state": state})
    assert r.status_code == 200, r.text
    return list(r.json()["alerts"])


async def test_a_stalled_card_alerts_live_is_acknowledged_in_the_panel_and_clears_live(
    new_board, add_card, open_page, people, alert_api
):
    board = await new_board(
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "stall_after_seconds": STALL_SECONDS},
            {"name": "Resolved", "stage": "done"},
        ]
    )
    triage, investigating, _ = (c["id"] for c in board["columns"])
    card = await add_card(board["id"], title="Refund stuck at the acquiring bank")
    bid, cid = board["id"], card["id"]

    lead = await open_page("lead", bid)
    agent = await open_page("agent", bid)
    for view in (lead, agent):
        await expect(view.alerts.toggle).to_have_text("Alerts (0)")
        await expect(view.alerts.badge(cid)).to_have_count(0)
        await expect(view.alerts.toasts).to_have_count(0)

    # The card goes into the stalling column; nobody reloads anything from here on.
    await _move(alert_api, cid, investigating)
    for view in (lead, agent):
        await view.board.expect_card_in(investigating, cid)

    # The scan notices it has sat there 2 s: a toast in plain words and a badge.
    sentence = re.compile(
        r"^Stalled: “Refund stuck at the acquiring bank” has been in Investigating "
        r"for [2-9] s$"
    )
    for view in (lead, agent):
        toast = view.alerts.toasts.filter(has_text="Refund stuck at the acquiring bank")
        await expect(toast).to_be_visible(timeout=ALERT_TIMEOUT_MS)
        await expect(toast.locator(".toast-title")).to_have_text(sentence)
        await expect(view.alerts.badge(cid)).to_have_text("Stalled", timeout=ALERT_TIMEOUT_MS)
        await expect(view.alerts.toggle).to_have_text("Alerts (1)")
    (alert,) = await _alerts(alert_api, bid, "active")
    assert (alert["kind"], alert["card_id"], alert["state"]) == ("stalled", cid, "open")
    await expect(agent.alerts.toast(alert["id"])).to_be_visible()
    flag = lead.alerts.badge(cid).locator(f'.alert-flag[data-alert-id="{alert["id"]}"]')
    await expect(flag).to_have_attribute("data-state", "open")

    # Someone opening the board now gets the badge and the count from the server.
    late = await open_page("lead", bid)
    await expect(late.alerts.badge(cid)).to_have_text("Stalled")
    await expect(late.alerts.toggle).to_have_text("Alerts (1)")
    await expect(late.alerts.toasts).to_have_count(0)
    # A page that will not hear of the acknowledgement, with its panel open.
    stale = await open_page("lead", bid, setup=_hold_back_acknowledgements)
    await stale.alerts.open_panel()
    await expect(stale.alerts.item(alert["id"])).to_contain_text("Open")

    # The lead watches the panel; the agent acknowledges from theirs.
    await lead.alerts.open_panel()
    await agent.alerts.open_panel()
    for view in (lead, agent):
        item = view.alerts.item(alert["id"])
        await expect(item).to_contain_text("Stalled")
        await expect(item).to_contain_text("Refund stuck at the acquiring bank")
        await expect(item).to_contain_text("Open: nobody has acknowledged it yet")
    mine = agent.alerts.item(alert["id"])
    await mine.get_by_role("button", name=re.compile(r"^Acknowledge: Stalled")).click()
    await expect(mine.locator(".alert-state")).to_have_text(re.compile(r"^Acknowledged by you"))
    await expect(mine.get_by_role("button", name=re.compile("^Acknowledge"))).to_have_count(0)
    # The lead's panel and badge follow, live.
    theirs = lead.alerts.item(alert["id"])
    await expect(theirs.locator(".alert-state")).to_have_text(
        re.compile(r"^Acknowledged by Arjun Mehta"), timeout=ALERT_TIMEOUT_MS
    )
    await expect(flag).to_have_attribute("data-state", "acknowledged")
    await expect(lead.alerts.toast(alert["id"])).to_contain_text("Acknowledged by Arjun Mehta.")
    (acked,) = await _alerts(alert_api, bid, "acknowledged")
    assert (acked["id"], acked["acknowledged_by"]) == (alert["id"], people["agent"].id)

    # The page that missed it tries too: the server's reason shows, then the new state.
    probe = await alert_api.post(f"/api/alerts/{alert['id']}/ack")
    assert probe.status_code == 409, probe.text
    stale_item = stale.alerts.item(alert["id"])
    await stale_item.get_by_role("button", name=re.compile(r"^Acknowledge: Stalled")).click()
    refusal = stale_item.get_by_role("alert")
    await expect(refusal).to_have_text(probe.json()["detail"])
    await expect(stale_item.locator(".alert-state")).to_have_text(
        re.compile(r"^Acknowledged by Arjun Mehta")
    )

    # The card leaves the column: the next scan resolves the alert, the badge goes.
    await _move(alert_api, cid, triage)
    for view in (lead, agent, late):
        await expect(view.alerts.badge(cid)).to_have_count(0, timeout=ALERT_TIMEOUT_MS)
        await expect(view.alerts.toggle).to_have_text("Alerts (0)")
        await expect(view.alerts.toasts).to_have_count(0)
    for view in (lead, agent):
        await expect(view.alerts.item(alert["id"])).to_have_count(0)
        await expect(view.alerts.panel.locator(".alerts-empty")).to_be_visible()
    assert await _alerts(alert_api, bid, "active") == []
    (done,) = await _alerts(alert_api, bid, "resolved")
    assert (done["id"], done["resolved_by"]) == (alert["id"], None)

    # One toast per page for the one alert, and no board re-render for any of it.
    for view in (lead, agent):
        assert await view.toasts_ever() == [alert["id"]], view.board.who
    for view in (lead, agent, late):
        assert view.fragments == [], f"{view.board.who} re-rendered the board"


async def test_a_column_over_its_soft_wip_limit_is_marked_in_its_header_and_resolvable(
    new_board, add_card, open_page, alert_api
):
    board = await new_board(
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Swarming", "stage": "active", "wip_limit": 1, "wip_policy": "soft"},
            {"name": "Resolved", "stage": "done"},
        ]
    )
    triage, swarming, _ = (c["id"] for c in board["columns"])
    first = await add_card(board["id"], title="Payout delayed for a marketplace seller")
    second = await add_card(board["id"], title="Payout delayed for another seller")
    bid = board["id"]

    lead = await open_page("lead", bid)
    await expect(lead.alerts.column_flags(swarming)).to_have_count(0)
    await _move(alert_api, first["id"], swarming)
    await _move(alert_api, second["id"], swarming)
    await lead.board.expect_wip(swarming, 2, 1)

    # Over the soft limit for a scan interval: the column header is marked, no card is.
    flag = lead.alerts.column_flags(swarming)
    await expect(flag).to_have_text("Over WIP limit", timeout=ALERT_TIMEOUT_MS)
    await expect(lead.alerts.column_flags(triage)).to_have_count(0)
    for c in (first, second):
        await expect(lead.alerts.badge(c["id"])).to_have_count(0)
    toast = lead.alerts.toasts
    await expect(toast).to_have_count(1)
    await expect(toast.locator(".toast-title")).to_have_text(
        re.compile(r"^Over WIP limit: Swarming has been over its WIP limit for \d+ s$")
    )
    await expect(lead.alerts.toggle).to_have_text("Alerts (1)")
    # A page opened now has the mark from the server.
    late = await open_page("agent", bid)
    await expect(late.alerts.column_flags(swarming)).to_have_text("Over WIP limit")
    await expect(late.alerts.toggle).to_have_text("Alerts (1)")

    # The toast leads to the panel; the lead resolves the alert there by hand.
    await toast.get_by_role("button", name="Show alerts").click()
    await expect(lead.alerts.panel).to_be_visible()
    item = lead.alerts.items
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("Over WIP limit")
    await expect(item).to_contain_text("Swarming")
    await item.get_by_role("button", name="Resolve: Over WIP limit, Swarming").click()
    await expect(lead.alerts.items).to_have_count(0)
    await expect(flag).to_have_count(0)
    await expect(lead.alerts.toggle).to_have_text("Alerts (0)")
    await expect(lead.alerts.toasts).to_have_count(0)
    await expect(late.alerts.column_flags(swarming)).to_have_count(0)
    await expect(late.alerts.toggle).to_have_text("Alerts (0)")
    (done,) = await _alerts(alert_api, bid, "resolved")
    assert (done["kind"], done["column_id"], done["card_id"]) == ("wip_breach", swarming, None)

    assert await _alerts(alert_api, bid, "active") == []
    assert lead.fragments == late.fragments == [], "a page re-rendered the board"
    await _move(alert_api, second["id"], triage)  # leave no column over its limit
