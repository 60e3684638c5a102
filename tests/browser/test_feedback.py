"""Feedback where it belongs, measured in a real browser at 1440 x 900.

- Toasts (alerts, a swarm invitation) live in one stack that is part of the page layout:
  with several showing and the card drawer open, no toast rectangle meets a visible card
  or a control of the drawer. They are dismissable, and a dismissed invitation stays
  reachable from the top bar's "Invitations (N)".
- "Move to…" marks a full column with its limit (and says why in its description), and
  the card's own column as current.
- A refused move is explained on the refused card itself: neither the board nor any
  card moves when the message appears.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.async_api import expect

from app.alerts import service as alerts
from app.core.config import Settings
from app.core.db import Database
from tests.browser.helpers import LIVE_TIMEOUT_MS, AlertView, BoardPage, SwarmView

WIDTH, HEIGHT = 1440, 900
TRIAGE = {"name": "Triage", "stage": "backlog"}
DONE = {"name": "Resolved", "stage": "done"}

# Every toast's box, every card's box as far as the board shows it (the board scrolls and
# clips its cards), and every control of the open drawer as far as the drawer shows it.
MEASURE = """() => {
  const clip = (r, k) => ({left: Math.max(r.left, k.left), right: Math.min(r.right, k.right),
                           top: Math.max(r.top, k.top), bottom: Math.min(r.bottom, k.bottom)});
  const real = (r) => r.right - r.left > 0.5 && r.bottom - r.top > 0.5;
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const board = clip(document.querySelector('#board').getBoundingClientRect(), screen);
  const drawer = document.querySelector('#card-drawer');
  const inDrawer = clip(drawer.getBoundingClientRect(), screen);
  const box = (el, k) => Object.assign(clip(el.getBoundingClientRect(), k), {
    what: el.dataset.cardId ? 'card ' + el.dataset.cardId
      : (el.tagName + ' ' + (el.name || el.getAttribute('aria-label')
                             || el.textContent.trim()).slice(0, 40))});
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  // The stack scrolls when full: a toast shows as far as the stack does.
  const stack = clip(document.querySelector('#toasts').getBoundingClientRect(), screen);
  return {
    board,
    toasts: [...document.querySelectorAll('#toasts .toast')].filter(shown)
      .map(el => box(el, stack)).filter(real),
    cards: [...document.querySelectorAll('#board article.card')].filter(shown)
      .map(el => box(el, board)).filter(real),
    controls: drawer.hidden ? [] : [...drawer.querySelectorAll('input, select, textarea, button')]
      .filter(shown).map(el => box(el, inDrawer)).filter(real),
  };
}"""


def _meets(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(
        a["left"] < b["right"] - 0.5
        and b["left"] < a["right"] - 0.5
        and a["top"] < b["bottom"] - 0.5
        and b["top"] < a["bottom"] - 0.5
    )


async def _at_1440(page: BoardPage) -> None:
    await page.page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


async def _raise_alerts(settings: Settings, board_id: int, card_ids: list[int]) -> None:
    db = Database(settings)
    db.start()
    try:
        for card_id in card_ids:
            await db.write(
                alerts.raise_for_card,
                board_id=board_id,
                card_id=card_id,
                kind="customer_rejected",
                data={"reason": "still broken"},
            )
    finally:
        await db.dispose()


async def test_toasts_never_cover_cards_or_the_drawer_and_a_dismissed_invitation_stays_reachable(
    new_board, add_card, open_board, new_person, people, api, settings
):
    skill = f"Chargebacks {uuid.uuid4().hex[:6]}"
    lead = await new_person("Lena Lead", role="lead", skills=[skill])
    board = await new_board(
        columns=[TRIAGE, {"name": "Doing", "stage": "active", "wip_limit": 4}, DONE]
    )
    bid = board["id"]
    r = await api.post(f"/api/boards/{bid}/members", json={"user_id": people[lead].id})
    assert r.status_code == 201, r.text
    triage = board["columns"][0]["id"]
    cards = [
        await add_card(bid, column_id=triage, title=f"Customer problem number {i}")
        for i in range(10)
    ]
    page = await open_board(lead, bid)
    await _at_1440(page)
    alert_view, swarm_view = AlertView(page), SwarmView(page)

    # Three alerts, raised by the server; the next event on the board brings them live.
    await _raise_alerts(settings, bid, [c["id"] for c in cards[:3]])
    r = await api.patch(f"/api/cards/{cards[9]['id']}", json={"priority": "high"})
    assert r.status_code == 200, r.text
    await expect(alert_view.toasts).to_have_count(3, timeout=LIVE_TIMEOUT_MS * 3)
    # An invitation: someone asks for help with a skill only this lead has.
    r = await api.post(
        f"/api/cards/{cards[3]['id']}/swarms",
        json={"skills": [skill], "question": "Why was it charged back twice?", "tried": "Logs"},
    )
    assert r.status_code == 201, r.text
    invite = swarm_view.toast(cards[3]["title"])
    await expect(invite).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    # All of them in the one stack, which is a labelled live region.
    stack = page.page.get_by_role("region", name="Notifications")
    await expect(stack).to_have_attribute("aria-live", "polite")
    await expect(stack.locator(".toast")).to_have_count(4)

    # The drawer opens on a card, its fields loaded.
    await page.card(cards[4]["id"]).locator(".title").click()
    drawer = page.page.locator("aside#card-drawer")
    await expect(drawer).to_be_visible()
    await expect(drawer.locator(".drawer-loading")).to_be_hidden()

    seen = await page.page.evaluate(MEASURE)
    assert len(seen["toasts"]) == 4, seen["toasts"]
    assert len(seen["cards"]) >= 3 and len(seen["controls"]) >= 3, seen
    covered = [
        (t["what"], thing["what"])
        for t in seen["toasts"]
        for thing in seen["cards"] + seen["controls"]
        if _meets(t, thing)
    ]
    assert not covered, f"toasts cover cards or drawer controls: {covered[:5]}"
    # The board gave the stack its room: the toasts sit below it, not over it.
    assert all(t["top"] >= seen["board"]["bottom"] - 0.5 for t in seen["toasts"]), seen

    # Every toast can be dismissed; an alert toast goes, the other two stay.
    first_alert = alert_view.toasts.first
    await first_alert.get_by_role("button", name="Dismiss").click()
    await expect(alert_view.toasts).to_have_count(2)

    # The invitation's toast is dismissed: the top bar keeps it reachable.
    badge = page.page.get_by_role("button", name="Invitations (1)")
    await invite.get_by_role("button", name="Dismiss").click()
    await expect(invite).to_have_count(0)
    await drawer.get_by_role("button", name="Close details").click()
    await expect(drawer).to_be_hidden()
    await expect(badge).to_be_visible()
    await badge.click()
    await expect(badge).to_have_attribute("aria-expanded", "true")
    listed = page.page.locator("#invitations-panel li").filter(has_text=cards[3]["title"])
    await expect(listed).to_be_visible()
    await expect(listed).to_contain_text("Why was it charged back twice?")
    await expect(listed.get_by_role("button", name=re.compile("^Accept"))).to_be_visible()
    # Answered there, it leaves the list and the count.
    await listed.get_by_role("button", name=re.compile("^Decline")).click()
    await expect(listed).to_have_count(0)
    await expect(page.page.locator("#invitations-toggle")).to_be_hidden()
    await expect(invite).to_have_count(0)
    (swarm,) = (await api.get(f"/api/cards/{cards[3]['id']}/swarms")).json()["swarms"]
    assert [i["state"] for i in swarm["invitations"]] == ["declined"]


async def _boxes(page: BoardPage) -> dict[str, Any]:
    return dict(
        await page.page.evaluate(
            """() => ({board: document.querySelector('#board').getBoundingClientRect().toJSON(),
                       cards: Object.fromEntries([...document.querySelectorAll('article.card')]
                         .map(c => [c.dataset.cardId, c.getBoundingClientRect().toJSON()]))})"""
        )
    )


async def test_move_to_marks_a_full_column_and_a_refusal_shows_on_the_card_without_moving_anything(
    new_board, add_card, open_board, people, api
):
    board = await new_board(
        columns=[TRIAGE, {"name": "Doing", "stage": "active", "wip_limit": 2}, DONE]
    )
    bid = board["id"]
    triage, doing, resolved = (c["id"] for c in board["columns"])
    for _ in range(2):
        await add_card(bid, column_id=doing)
    cards = [
        await add_card(bid, column_id=triage, title=f"Waiting in triage {i}") for i in range(5)
    ]
    refused = cards[2]
    page = await open_board("lead", bid)
    await _at_1440(page)

    # The menu: the card's own column is current, the full one shows its limit.
    await page.card(refused["id"]).get_by_role("button", name="Move to…").click()
    menu = page.page.get_by_role("menu")
    here = menu.get_by_role("menuitem", name=re.compile("^Triage"))
    full = menu.get_by_role("menuitem", name=re.compile("^Doing"))
    await expect(here).to_have_text("Triage — current")
    await expect(here).to_have_attribute("aria-current", "true")
    await expect(full).to_have_text("Doing — full (2/2)")
    await expect(full).to_have_accessible_description(re.compile("WIP limit.*override"))
    await expect(menu.get_by_role("menuitem", name=re.compile("^Resolved"))).to_have_text(
        "Resolved"
    )
    # A lead may override, so the full column stays selectable.
    await expect(full).not_to_have_attribute("aria-disabled", "true")

    async with httpx.AsyncClient(
        base_url=str(api.base_url), headers={"Authorization": f"Bearer {people['lead'].token}"}
    ) as as_lead:
        probe = await as_lead.post(f"/api/cards/{refused['id']}/move", json={"column_id": doing})
    assert probe.status_code == 409, probe.text

    before = await _boxes(page)
    await full.click()

    refusal = page.refusal(refused["id"])
    await expect(refusal).to_have_text(probe.json()["detail"])
    after = await _boxes(page)
    # Nothing moved: not the board, not the refused card, not any other card.
    for side in ("x", "y", "width", "height"):
        assert abs(after["board"][side] - before["board"][side]) < 0.5, (side, before, after)
    for card_id, box in before["cards"].items():
        assert abs(after["cards"][card_id]["y"] - box["y"]) < 0.5, (card_id, box, after)
        assert abs(after["cards"][card_id]["x"] - box["x"]) < 0.5, (card_id, box, after)
    # The message is beside the card it is about: just under (or over) it, as wide.
    card_box = await page.card(refused["id"]).bounding_box()
    note_box = await page.card(refused["id"]).locator(".card-refusal").bounding_box()
    assert card_box is not None and note_box is not None
    gap_below = note_box["y"] - (card_box["y"] + card_box["height"])
    gap_above = card_box["y"] - (note_box["y"] + note_box["height"])
    assert 0 <= gap_below <= 12 or 0 <= gap_above <= 12, (card_box, note_box)
    assert note_box["x"] < card_box["x"] + card_box["width"] and card_box["x"] < (
        note_box["x"] + note_box["width"]
    )
    # And it is really on screen, on top of whatever it overlaps (not clipped by the card).
    on_top = await page.page.evaluate(
        """(id) => { const note = document.querySelector(
                       `article.card[data-card-id="${id}"] .card-refusal-text`);
                     const r = note.getBoundingClientRect();
                     const hit = document.elementFromPoint(r.left + r.width / 2, r.bottom - 3);
                     return !!hit && note.contains(hit); }""",
        refused["id"],
    )
    assert on_top, "the refusal is hidden or clipped"
    # No banner elsewhere on the page.
    await expect(page.flash).to_have_count(0)

    # The lead's way on: "Override…" opens the override dialog; cancelling leaves the note.
    note = page.card(refused["id"]).locator(".card-refusal")
    await note.get_by_role("button", name="Override…").click()
    dialog = page.page.locator("dialog#override-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(probe.json()["detail"])
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).not_to_be_visible()
    await expect(refusal).to_be_visible()
    await note.get_by_role("button", name="Dismiss").click()
    await expect(note).to_have_count(0)
    await page.expect_card_in(triage, refused["id"])
    r = await api.get(f"/api/cards/{refused['id']}")
    assert r.json()["column_id"] == triage

    # An agent sees the same mark, but may not override: the full column is not offered.
    agent = await open_board("agent", bid)
    await agent.card(refused["id"]).get_by_role("button", name="Move to…").click()
    theirs = agent.page.get_by_role("menuitem", name=re.compile("^Doing"))
    await expect(theirs).to_have_text("Doing — full (2/2)")
    await expect(theirs).to_have_attribute("aria-disabled", "true")
    await expect(theirs).to_have_accessible_description(re.compile("only a lead"))
    assert resolved  # the third column is an ordinary target (checked above)


async def test_the_toast_api_action_link_dismiss_and_timeout_that_waits_for_the_reader(
    new_board, open_board
):
    """``SB.toast`` as the drawer and others call it ("Card archived · Undo", mentions)."""
    board = await new_board()

    async def fake_clock(context) -> None:
        await context.clock.install()

    page = await open_board("agent", board["id"], setup=fake_clock)
    stack = page.page.get_by_role("region", name="Notifications")
    await page.page.evaluate(
        """() => {
          window.__undone = 0;
          SB.toast({text: 'Card archived', kind: 'success', actionText: 'Undo',
                    onAction() { window.__undone += 1; }, timeoutMs: 10000});
          SB.toast({text: 'Ana mentioned you', href: '#card-1', linkText: 'Open card',
                    timeoutMs: 5000});
          SB.toast({text: 'Stays until dismissed'});
        }"""
    )
    archived = stack.locator(".toast").filter(has_text="Card archived")
    mention = stack.locator(".toast").filter(has_text="Ana mentioned you")
    stays = stack.locator(".toast").filter(has_text="Stays until dismissed")
    await expect(archived.get_by_role("button", name="Undo")).to_be_visible()
    await expect(archived.get_by_role("button", name="Dismiss")).to_be_visible()
    await expect(mention.get_by_role("link", name="Open card")).to_have_attribute("href", "#card-1")
    await expect(archived).to_have_attribute("role", "group")
    await expect(archived).to_have_accessible_name("Card archived")

    # A timed toast waits while the pointer is on it; the others run out.
    await archived.hover()
    await page.page.clock.run_for(12_000)
    await expect(mention).to_have_count(0)
    await expect(archived).to_be_visible()
    await expect(stays).to_be_visible()
    # The action runs once and takes its toast away.
    await archived.get_by_role("button", name="Undo").click()
    await expect(archived).to_have_count(0)
    assert await page.page.evaluate("() => window.__undone") == 1
    # Dismiss, or Escape on a toast, puts it away.
    await stays.get_by_role("button", name="Dismiss").focus()
    await page.page.keyboard.press("Escape")
    await expect(stays).to_have_count(0)

    # SB.flash: a page-level message is a toast too, one at a time, an error as an alert.
    await page.page.evaluate("() => { SB.flash('First problem'); SB.flash('Second problem'); }")
    await expect(page.flash).to_have_text("Second problem")
    await expect(stack.locator(".toast")).to_have_count(1)
