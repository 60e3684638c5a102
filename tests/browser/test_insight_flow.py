"""Making a card an actionable insight in a real browser, then getting it past the gate.

An agent tries to drag a bare card into a column that takes only complete insights and
is told what is missing; the card stays put. In the card's drawer the agent uploads a
screenshot (and sees a text file refused), fills in the five fields, and watches the
completeness meter reach six of six; the same drag then succeeds. A viewer with the same
card open sees the evidence arrive live, read-only.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import httpx
from playwright.async_api import Locator, expect

from tests.browser.helpers import LIVE_TIMEOUT_MS, BoardPage

COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    {"name": "Ready for product", "stage": "active", "requires_insight": True},
    {"name": "Resolved", "stage": "done"},
]
ALL_MISSING = "missing: evidence, problem statement, suggested fix, impact, effort, owner team"


def png(path: Path, width: int = 24, height: int = 16) -> Path:
    """Write a small, valid PNG (an orange rectangle), built with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xf9\x73\x16" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


class InsightView:
    """The drawer's insight section (``section#insight`` in ``board.html``)."""

    def __init__(self, board: BoardPage) -> None:
        self.board = board
        self.page = board.page
        self.section = self.page.locator("section#insight")

    @property
    def drawer(self) -> Locator:
        return self.page.locator("aside#card-drawer")

    @property
    def meter(self) -> Locator:
        return self.section.locator("meter")

    @property
    def meter_text(self) -> Locator:
        return self.section.locator(".insight-meter-text")

    @property
    def file_input(self) -> Locator:
        return self.section.get_by_label("Add a screenshot or photo")

    def thumbnail(self, name: str) -> Locator:
        return self.section.get_by_role("img", name=name, exact=True)

    @property
    def upload_error(self) -> Locator:
        return self.section.locator("form.evidence-upload").get_by_role("alert")

    async def open_card(self, card_id: int) -> None:
        await self.board.card(card_id).locator(".title").click()
        await expect(self.drawer).to_be_visible()
        await expect(self.section.locator(".insight-loading")).to_be_hidden()

    async def expect_progress(self, have: int, rest: str) -> None:
        await expect(self.meter_text).to_have_text(f"{have} of 6 — {rest}")
        await expect(self.meter).to_have_attribute("value", str(have))

    async def expect_loaded(self, thumbnail: Locator) -> None:
        """The image is on screen and really decoded (not a broken-image icon)."""
        await expect(thumbnail).to_be_visible()
        loaded = await thumbnail.evaluate(
            "img => img.decode().then(() => img.naturalWidth, () => 0)"
        )
        assert loaded == 24


def _ids(board: dict) -> dict[str, int]:
    return {c["name"]: c["id"] for c in board["columns"]}


async def test_an_agent_makes_a_card_an_insight_and_then_it_may_enter_the_ready_column(
    new_board, add_card, open_board, new_person, people, api: httpx.AsyncClient, tmp_path
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    card = await add_card(board["id"], title="Voucher refunds fail", column_id=col["Investigating"])
    viewer_key = await new_person("Vera Viewer")
    r = await api.post(
        f"/api/boards/{board['id']}/members",
        json={"user_id": people[viewer_key].id, "role": "viewer"},
    )
    assert r.status_code == 201, r.text

    agent_page = await open_board("agent", board["id"])
    viewer_page = await open_board(viewer_key, board["id"])
    fragments: list[str] = []
    viewer_page.page.on(
        "request", lambda req: fragments.append(req.url) if req.url.endswith("/fragment") else None
    )
    agent, viewer = InsightView(agent_page), InsightView(viewer_page)
    ready = col["Ready for product"]

    # A bare card is refused at the gate, with what it lacks; it stays where it was.
    await agent_page.drag(card["id"], ready)
    refusal = agent_page.refusal(card["id"])
    await expect(refusal).to_be_visible()
    for said in ("Ready for product", "evidence", "a problem statement", "an owner team"):
        await expect(refusal).to_contain_text(said)
    await agent_page.expect_card_in(col["Investigating"], card["id"])
    probe = await api.post(f"/api/cards/{card['id']}/move", json={"column_id": ready})
    assert probe.status_code == 422 and probe.json()["type"].endswith("insight-incomplete")
    await expect(refusal).to_have_text(probe.json()["detail"])

    # The drawer shows nothing of the insight yet.
    await agent.open_card(card["id"])
    await agent.expect_progress(0, ALL_MISSING)
    await expect(agent.section.locator(".evidence-empty")).to_be_visible()
    await viewer.open_card(card["id"])
    await viewer.expect_progress(0, ALL_MISSING)

    # A text file is refused, clearly, and nothing is added.
    notes = tmp_path / "notes.txt"
    notes.write_text("The customer says the refund button does nothing.\n")
    await agent.file_input.set_input_files(notes)
    await expect(agent.upload_error).to_be_visible()
    await expect(agent.upload_error).to_contain_text("“notes.txt” was not added")
    await expect(agent.upload_error).to_contain_text("PNG, JPEG or WebP")
    await expect(agent.section.locator(".evidence-item")).to_have_count(0)

    # Two screenshots: both show as thumbnails, and the meter counts evidence once.
    await agent.file_input.set_input_files(png(tmp_path / "refund-button.png"))
    await agent.expect_loaded(agent.thumbnail("refund-button.png"))
    await expect(agent.upload_error).to_be_hidden()
    await agent.file_input.set_input_files(png(tmp_path / "extra.png"))
    await agent.expect_loaded(agent.thumbnail("extra.png"))
    await agent.expect_progress(
        1, "missing: problem statement, suggested fix, impact, effort, owner team"
    )
    # The viewer, with the same card open, sees them arrive without touching anything,
    # and without the board being re-rendered; a viewer cannot remove or add evidence.
    await viewer.expect_loaded(viewer.thumbnail("refund-button.png"))
    await expect(viewer.thumbnail("extra.png")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await viewer.expect_progress(
        1, "missing: problem statement, suggested fix, impact, effort, owner team"
    )
    await expect(viewer.section.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    await expect(viewer.file_input).to_be_hidden()

    # The extra one goes again.
    await agent.section.get_by_role("button", name="Remove the evidence “extra.png”").click()
    await expect(agent.thumbnail("extra.png")).to_have_count(0)
    await expect(viewer.thumbnail("extra.png")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    await expect(agent.thumbnail("refund-button.png")).to_be_visible()
    await agent.expect_progress(
        1, "missing: problem statement, suggested fix, impact, effort, owner team"
    )

    # The fields, in two saves: the meter follows each.
    form = agent.section.locator("form.insight-edit")
    await form.get_by_label("Problem statement").fill(
        "Refunds to vouchers fail with a greyed-out button."
    )
    await form.get_by_label("Suggested fix").fill("Allow refunds to the voucher balance.")
    await form.get_by_role("button", name="Save insight").click()
    await expect(form.get_by_role("status")).to_have_text("Saved.")
    await agent.expect_progress(3, "missing: impact, effort, owner team")
    await expect(form.get_by_label("Impact per month")).to_have_accessible_name(
        "Impact per month, in USD"
    )
    await form.get_by_label("Effort (hours)").fill("0")
    await form.get_by_role("button", name="Save insight").click()
    await expect(form.get_by_role("alert")).to_have_text("The effort must be more than 0 hours.")
    await expect(form.get_by_label("Effort (hours)")).to_be_focused()
    await form.get_by_label("Impact per month").fill("1200")
    await form.get_by_label("Effort (hours)").fill("16")
    await form.get_by_label("Owner team").fill("Payments")
    await form.get_by_role("button", name="Save insight").click()
    await expect(form.get_by_role("alert")).to_be_hidden()
    await agent.expect_progress(6, "complete: ready to hand to Payments")
    await expect(agent.section.locator('[data-insight="score"]')).to_have_text("75")
    # The viewer's open drawer follows, read-only.
    await viewer.expect_progress(6, "complete: ready to hand to Payments")
    viewer_form = viewer.section.locator("form.insight-edit")
    await expect(viewer_form.get_by_label("Owner team")).to_have_value("Payments")
    await expect(viewer_form.get_by_label("Owner team")).not_to_be_editable()
    await expect(viewer_form.get_by_role("button", name="Save insight")).to_be_hidden()

    r = await api.get(f"/api/cards/{card['id']}/insight")
    insight = r.json()
    assert insight["complete"] is True and insight["missing"] == []
    assert (insight["impact_per_month"], insight["effort_hours"], insight["owner_team"]) == (
        1200,
        16,
        "Payments",
    )
    assert [e["filename"] for e in insight["evidence"]] == ["refund-button.png"]

    # Now the same drag is let through, and everyone sees the card in the ready column.
    await agent.drawer.get_by_role("button", name="Close details").click()
    await expect(agent.drawer).to_be_hidden()
    await agent_page.drag(card["id"], ready)
    await agent_page.expect_card_in(ready, card["id"])
    await expect(agent_page.refusal(card["id"])).to_have_count(0)
    await viewer_page.expect_card_in(ready, card["id"], within_ms=LIVE_TIMEOUT_MS)
    r = await api.get(f"/api/cards/{card['id']}")
    assert r.json()["column_id"] == ready
    assert fragments == [], "evidence and insight events re-rendered the viewer's board"


async def test_the_insights_page_ranks_the_cards_and_opens_one_in_the_boards_drawer(
    new_board, add_card, open_board, api: httpx.AsyncClient, web
):
    board = await new_board(columns=COLUMNS)
    col = _ids(board)
    costly = await add_card(board["id"], title="Invoices in the wrong language")
    voucher = await add_card(board["id"], title="Refund button greyed out")
    await add_card(board["id"], title="Plain ticket")
    for card, impact, effort in ((costly, 3000, 10), (voucher, 1200, 16)):
        r = await api.patch(
            f"/api/cards/{card['id']}",
            json={
                "problem_statement": f"{card['title']} for some customers",
                "impact_per_month": impact,
                "effort_hours": effort,
            },
        )
        assert r.status_code == 200, r.text

    agent = await open_board("agent", board["id"])
    page = agent.page
    await page.get_by_role("link", name="Insights", exact=True).click()
    await expect(page).to_have_url(f"{web.url}/boards/{board['id']}/insights")
    rows = page.locator("table.insights-table tbody tr")
    await expect(rows).to_have_count(2)  # the plain ticket is no insight
    await expect(rows.nth(0)).to_contain_text("Invoices in the wrong language")
    await expect(rows.nth(0).locator('[data-field="score"]')).to_have_text("300")
    await expect(rows.nth(1).locator('[data-field="score"]')).to_have_text("75")
    await expect(rows.nth(1).locator('[data-field="impact"]')).to_have_text("1,200 USD")
    await page.get_by_role("link", name="Newest").click()
    await expect(rows.nth(0)).to_contain_text("Refund button greyed out")

    # A card's title leads to the board with that card's details open.
    await page.get_by_role("link", name="Refund button greyed out").click()
    await expect(page).to_have_url(f"{web.url}/boards/{board['id']}#card-{voucher['id']}")
    await agent.expect_live()
    view = InsightView(agent)
    await expect(view.drawer).to_be_visible()
    await expect(view.drawer).to_be_focused()
    await expect(view.drawer.locator("#drawer-title")).to_have_text("Refund button greyed out")
    await view.expect_progress(3, "missing: evidence, suggested fix, owner team")
    await expect(view.section.locator('[data-insight="score"]')).to_have_text("75")
    await agent.expect_card_in(col["Triage"], voucher["id"])
    # Closing the details leaves the board's own address.
    await page.keyboard.press("Escape")
    await expect(view.drawer).to_be_hidden()
    await expect(page).to_have_url(f"{web.url}/boards/{board['id']}")
