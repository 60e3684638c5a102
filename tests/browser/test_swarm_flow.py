"""Swarming in a real browser: two people, two browser contexts, one real server.

A asks for help on a card from its drawer; B, invited for a skill only B has, sees the
invitation arrive on the open board page and accepts it; A's swarm panel and everyone's
card badge follow over the websocket, never a reload.
"""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import expect

from tests.browser.helpers import LIVE_TIMEOUT_MS, SwarmView

QUESTION = "The refund posted twice after a chargeback: how do we reverse one of them?"
TRIED = "Checked the gateway log; retried the reversal from the admin console"
OUTCOME = "Reversed the duplicate through the ledger adjustment tool"
KNOWLEDGE = "Chargeback refunds post twice when the gateway retries: reverse the later one."


def _tag() -> str:
    return uuid.uuid4().hex[:6]


async def _as(api: httpx.AsyncClient, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=str(api.base_url), headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


async def _join_board(api: httpx.AsyncClient, board_id: int, user_id: int) -> None:
    r = await api.post(f"/api/boards/{board_id}/members", json={"user_id": user_id})
    assert r.status_code == 201, r.text


async def _ask(client: httpx.AsyncClient, card_id: int, skill: str, **text: str) -> dict:
    body = {"skills": [skill], "question": text.get("question", QUESTION), "tried": TRIED}
    r = await client.post(f"/api/cards/{card_id}/swarms", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _card_swarms(api: httpx.AsyncClient, card_id: int) -> list[dict]:
    r = await api.get(f"/api/cards/{card_id}/swarms")
    assert r.status_code == 200, r.text
    return list(r.json()["swarms"])


async def test_ask_accept_and_resolve_a_swarm_live_across_two_people(
    new_board, add_card, open_board, new_person, people, api
):
    skill = f"Ledger reconciliation {_tag()}"
    ana = await new_person("Ana Requester", team="Tier 1")
    bo = await new_person("Bo Helper", team="Payments", skills=[skill])
    board = await new_board()
    for key in (ana, bo):
        await _join_board(api, board["id"], people[key].id)
    card = await add_card(board["id"], title="Refund posted twice after a chargeback")
    # An earlier swarm with the same skill left a knowledge note: asking suggests it.
    earlier = await add_card(board["id"], title="Duplicate refund last month")
    seed = await _ask(api, earlier["id"], skill, question="Refund shown twice to the customer")
    r = await api.post(
        f"/api/swarms/{seed['id']}/resolve", json={"outcome": "Reversed", "knowledge": KNOWLEDGE}
    )
    assert r.status_code == 200, r.text

    a_page = await open_board(ana, board["id"])
    b_page = await open_board(bo, board["id"])
    a, b = SwarmView(a_page), SwarmView(b_page)
    await expect(a_page.body).to_have_attribute("data-user-id", str(people[ana].id))
    await expect(b.toasts).to_have_count(0)
    await expect(b.needing_help).to_be_hidden()
    await expect(b.badge(card["id"])).to_have_count(0)

    # A asks for help from the card's drawer.
    await a.open_card(card["id"])
    await expect(a.open_swarm).to_be_hidden()
    await a.ask_for_help(skill, QUESTION, TRIED)
    await expect(a.open_swarm).to_be_visible()
    await expect(a.ask_form).to_be_hidden()
    await expect(a.open_swarm).to_contain_text(QUESTION)
    await expect(a.invitation("Bo Helper")).to_contain_text("pending")
    await expect(a.panel.locator(".swarm-members-empty")).to_be_visible()
    await expect(a.panel.locator(".swarm-suggestions")).to_contain_text(KNOWLEDGE)
    await expect(a.badge(card["id"])).to_be_visible()
    (swarm,) = [s for s in await _card_swarms(api, card["id"]) if s["state"] == "open"]
    assert [i["user_id"] for i in swarm["invitations"]] == [people[bo].id]

    # B, on the same page all along, is invited live: a toast, the badge, the help list.
    toast = b.toast(card["title"])
    await expect(toast).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(toast).to_contain_text(skill)
    await expect(toast).to_contain_text(QUESTION)
    await expect(b.badge(card["id"])).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(b.badge(card["id"])).to_have_attribute("data-swarm-id", str(swarm["id"]))
    await expect(b.needing_help).to_contain_text(card["title"])
    # Someone opening the board now gets the badge rendered by the server.
    lead = await open_board("lead", board["id"])
    lead_badge = SwarmView(lead).badge(card["id"])
    await expect(lead_badge).to_have_attribute("data-swarm-id", str(swarm["id"]))

    await toast.get_by_role("button", name="Accept").click()
    await expect(toast).to_have_count(0)
    await expect(b.needing_help).to_be_hidden()

    # A's panel shows B as a member, and B's invitation as accepted, with no reload.
    await expect(a.member("Bo Helper")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(a.member("Bo Helper")).to_contain_text("helper")
    await expect(a.member("Bo Helper")).to_contain_text("Payments")
    await expect(a.invitation("Bo Helper")).to_contain_text("accepted")
    await expect(a.panel.locator(".swarm-members-empty")).to_be_hidden()

    # B opens the card: B is in, and may leave.
    await b.open_card(card["id"])
    await expect(b.member("Bo Helper (you)")).to_be_visible()
    await expect(b.panel.get_by_role("button", name="Leave swarm")).to_be_visible()

    # A resolves with the outcome and a knowledge note; the badge goes everywhere, live.
    await a.panel.get_by_text("Resolve…").click()
    resolve = a.panel.locator("form.swarm-resolve")
    await resolve.get_by_label("Outcome").fill(OUTCOME)
    await resolve.get_by_label("Knowledge note").fill("Reverse the later of the two postings.")
    await resolve.get_by_role("button", name="Resolve swarm").click()
    await expect(a.open_swarm).to_be_hidden()
    await expect(a.panel.locator(".swarm-past")).to_contain_text(OUTCOME)
    await expect(a.ask_form).to_be_visible()
    await expect(b.badge(card["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    await expect(lead_badge).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    await expect(a.badge(card["id"])).to_have_count(0)
    # B's open drawer follows too.
    await expect(b.open_swarm).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
    await expect(b.panel.locator(".swarm-past")).to_contain_text(OUTCOME)

    (done,) = [s for s in await _card_swarms(api, card["id"]) if s["id"] == swarm["id"]]
    assert done["state"] == "resolved"
    assert (done["outcome"], done["knowledge"]) == (
        OUTCOME,
        "Reverse the later of the two postings.",
    )
    assert [m["user_id"] for m in done["members"]] == [people[bo].id]


async def test_accepting_at_the_personal_wip_limit_shows_the_reason_and_keeps_the_invitation(
    new_board, add_card, open_board, new_person, people, api
):
    skill = f"Card disputes {_tag()}"
    ana = await new_person("Ana Requester", team="Tier 1")
    bo = await new_person("Bo Busy", team="Disputes", skills=[skill], wip_limit=1)
    board = await new_board()
    for key in (ana, bo):
        await _join_board(api, board["id"], people[key].id)
    first = await add_card(board["id"], title="Dispute form rejects a valid IBAN")
    second = await add_card(board["id"], title="Chargeback evidence upload fails")

    b_page = await open_board(bo, board["id"])
    b = SwarmView(b_page)
    async with await _as(api, people[ana].token) as as_ana:
        asked_first = await _ask(as_ana, first["id"], skill)
        asked_second = await _ask(as_ana, second["id"], skill)
    first_toast, second_toast = b.toast(first["title"]), b.toast(second["title"])
    await expect(first_toast).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(second_toast).to_be_visible(timeout=LIVE_TIMEOUT_MS)

    # Joining the second swarm takes B's only WIP slot.
    await second_toast.get_by_role("button", name="Accept").click()
    await expect(second_toast).to_have_count(0)

    # What the server says to B for the first invitation now (a refusal changes nothing).
    (invitation,) = asked_first["invitations"]
    async with await _as(api, people[bo].token) as as_bo:
        probe = await as_bo.post(
            f"/api/swarms/{asked_first['id']}/invitations/{invitation['id']}/accept"
        )
    assert probe.status_code == 409, probe.text
    assert probe.json()["type"].endswith("person-wip-limit-exceeded")
    reason = probe.json()["detail"]

    await first_toast.get_by_role("button", name="Accept").click()
    alert = first_toast.get_by_role("alert")
    await expect(alert).to_be_visible()
    await expect(alert).to_have_text(reason)
    await expect(alert).to_contain_text(re.compile(r"WIP limit is 1"))
    # The invitation still stands: the toast keeps its buttons, and nobody joined.
    await expect(first_toast.get_by_role("button", name="Accept")).to_be_enabled()
    await expect(first_toast.get_by_role("button", name="Decline")).to_be_visible()
    r = await api.get(f"/api/swarms/{asked_first['id']}")
    assert r.json()["members"] == []
    assert [i["state"] for i in r.json()["invitations"]] == ["pending"]
    r = await api.get(f"/api/swarms/{asked_second['id']}")
    assert [m["user_id"] for m in r.json()["members"]] == [people[bo].id]

    # Declining instead takes the toast away.
    await first_toast.get_by_role("button", name="Decline").click()
    await expect(first_toast).to_have_count(0)
    r = await api.get(f"/api/swarms/{asked_first['id']}")
    assert [i["state"] for i in r.json()["invitations"]] == ["declined"]


async def test_someone_away_joins_from_needing_help_then_the_swarm_is_cancelled_and_reopened(
    new_board, add_card, open_board, new_person, people, api
):
    skill = f"Mobile SDK {_tag()}"
    ana = await new_person("Ana Requester")
    cy = await new_person("Cy Away", team="Mobile", skills=[skill])
    r = await api.patch(f"/api/users/{people[cy].id}", json={"availability": "away"})
    assert r.status_code == 200, r.text
    board = await new_board()
    for key in (ana, cy):
        await _join_board(api, board["id"], people[key].id)
    card = await add_card(board["id"], title="App crashes on the payment sheet")

    a_page = await open_board(ana, board["id"])
    c_page = await open_board(cy, board["id"])
    a, c = SwarmView(a_page), SwarmView(c_page)
    await a.open_card(card["id"])
    await a.ask_for_help(skill, "Crash on the payment sheet since 4.2", TRIED)
    # Nobody available has the skill: nobody is invited, and the panel says so.
    await expect(a.panel.locator(".swarm-unmatched")).to_contain_text(skill)
    await expect(a.panel.locator(".swarm-invitations-empty")).to_be_visible()

    # Cy is away, so not invited, but sees the swarm needs their skill, and joins.
    item = c.needing_help.locator("li").filter(has_text=card["title"])
    await expect(item).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(c.toasts).to_have_count(0)
    await item.get_by_role("button", name=f"Join the swarm on “{card['title']}”").click()
    await expect(c.needing_help).to_be_hidden()
    await expect(a.member("Cy Away")).to_contain_text("helper", timeout=LIVE_TIMEOUT_MS)
    await expect(a.panel.locator(".swarm-unmatched")).to_be_hidden()

    # A cancels with a reason: the badge goes for Cy, live.
    await expect(c.badge(card["id"])).to_be_visible()
    await a.panel.get_by_text("Cancel swarm…").click()
    cancel = a.panel.locator("form.swarm-cancel")
    await cancel.get_by_label("Reason").fill("The customer found a workaround")
    await cancel.get_by_role("button", name="Cancel swarm").click()
    await expect(a.panel.locator(".swarm-past")).to_contain_text("The customer found a workaround")
    await expect(c.badge(card["id"])).to_have_count(0, timeout=LIVE_TIMEOUT_MS)

    # And reopens it: the badge is back for Cy, live, and Cy is still in.
    await a.panel.locator(".swarm-past").get_by_role("button", name=re.compile("^Reopen")).click()
    await expect(a.open_swarm).to_be_visible()
    await expect(a.member("Cy Away")).to_be_visible()
    await expect(c.badge(card["id"])).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    (swarm,) = await _card_swarms(api, card["id"])
    assert swarm["state"] == "open"
    assert [m["user_id"] for m in swarm["members"]] == [people[cy].id]
