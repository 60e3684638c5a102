"""A lead changes the board's columns and lanes through the API (the settings page's
calls): every open board page shows the new layout live, without a reload."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.helpers import LIVE_TIMEOUT_MS

COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active", "wip_limit": 5},
    {"name": "Swarming", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]


async def test_renamed_reordered_and_removed_columns_and_lanes_show_live(
    new_board, add_card, open_board, api
):
    board = await new_board(columns=COLUMNS, lanes=[{"name": "Expedite"}, {"name": "Standard"}])
    ids = {c["name"]: c["id"] for c in board["columns"]}
    expedite, standard = (lane["id"] for lane in board["lanes"])
    card = await add_card(board["id"], column_id=ids["Swarming"], lane_id=expedite)
    view = await open_board("agent", board["id"])
    page = view.page
    heads = page.locator("section.column .column-head h2")
    # The create-card form's choices follow the board too.
    column_choices = page.locator("#create-card select[name=column_id] option")
    lane_choices = page.locator("#create-card select[name=lane_id] option")
    await page.evaluate("window.sbNotReloaded = true")

    # Renamed.
    r = await api.patch(f"/api/columns/{ids['Investigating']}", json={"name": "Diagnosing"})
    assert r.status_code == 200, r.text
    await expect(heads).to_have_text(
        ["Triage", "Diagnosing", "Swarming", "Resolved"], timeout=LIVE_TIMEOUT_MS
    )
    await expect(column_choices).to_have_text(["Triage", "Diagnosing", "Swarming", "Resolved"])
    # A new limit.
    r = await api.patch(f"/api/columns/{ids['Swarming']}", json={"wip_limit": 2})
    assert r.status_code == 200, r.text
    await expect(view.wip(ids["Swarming"])).to_have_text("1 / 2", timeout=LIVE_TIMEOUT_MS)
    # Reordered: Resolved first.
    r = await api.patch(f"/api/columns/{ids['Resolved']}", json={"position": 0})
    assert r.status_code == 200, r.text
    await expect(heads).to_have_text(
        ["Resolved", "Triage", "Diagnosing", "Swarming"], timeout=LIVE_TIMEOUT_MS
    )
    # Removed, its card sent to Triage.
    r = await api.delete(f"/api/columns/{ids['Swarming']}", params={"move_cards_to": ids["Triage"]})
    assert r.status_code == 204, r.text
    await expect(heads).to_have_text(["Resolved", "Triage", "Diagnosing"], timeout=LIVE_TIMEOUT_MS)
    await view.expect_card_in(ids["Triage"], card["id"], within_ms=LIVE_TIMEOUT_MS)
    await expect(view.column(ids["Swarming"])).to_have_count(0)
    # A column added.
    r = await api.post(f"/api/boards/{board['id']}/columns", json={"name": "Escalated"})
    assert r.status_code == 201, r.text
    await expect(heads).to_have_text(
        ["Resolved", "Triage", "Diagnosing", "Escalated"], timeout=LIVE_TIMEOUT_MS
    )
    await expect(column_choices).to_have_text(["Resolved", "Triage", "Diagnosing", "Escalated"])

    # Lanes: renamed, reordered, removed (its card goes to Standard).
    labels = page.locator(".lane-label[data-lane-id] span")
    r = await api.patch(f"/api/lanes/{standard}", json={"name": "Normal", "position": 0})
    assert r.status_code == 200, r.text
    await expect(labels).to_have_text(["Normal", "Expedite"], timeout=LIVE_TIMEOUT_MS)
    await expect(lane_choices).to_have_text(["Normal", "Expedite"])
    r = await api.delete(f"/api/lanes/{expedite}", params={"move_cards_to": standard})
    assert r.status_code == 204, r.text
    await expect(labels).to_have_text(["Normal"], timeout=LIVE_TIMEOUT_MS)
    await expect(lane_choices).to_have_text(["Normal"])
    lane = view.column(ids["Triage"]).locator(f'.lane[data-lane-id="{standard}"]')
    await expect(lane.locator(f'article.card[data-card-id="{card["id"]}"]')).to_have_count(1)

    assert await page.evaluate("window.sbNotReloaded === true")
