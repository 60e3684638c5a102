"""A "no" from the customer: the card goes back to work, the team is alerted, and a
full column does not stop it. Two answers at once count once."""

from __future__ import annotations

import asyncio

import httpx

from tests import factories
from tests.confirm.helpers import (
    BLANK,
    card,
    closed_card,
    confirmation,
    last_seq,
    make_board,
    types_since,
)
from tests.web.helpers import PASSWORD, parse, sign_in


async def _alerts(client, board_id):
    r = await client.get(f"/api/boards/{board_id}/alerts", params={"state": "active"})
    assert r.status_code == 200, r.text
    return r.json()["alerts"]


async def test_no_reopens_the_card_in_the_first_active_column_and_alerts(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)

    r = await as_user(None).post(path, data={**BLANK, "solved": "no", "comment": "Still broken"})

    assert r.status_code == 303
    reopened = await card(client, card_id)
    assert reopened["column_id"] == cols["Investigating"] and reopened["reopen_count"] == 1
    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == ["customer.rejected", "card.reopened", "alert.raised"]
    rejected, moved, raised = logged
    shown = await confirmation(client, card_id)
    assert (shown["state"], shown["solved"], shown["comment"]) == (
        "rejected",
        False,
        "Still broken",
    )
    assert rejected["data"]["has_comment"] is True
    assert rejected["data"]["confirmation_id"] == shown["id"]
    assert moved["actor"]["kind"] == "customer"
    assert (moved["data"]["from_column_id"], moved["data"]["to_column_id"]) == (
        cols["Resolved"],
        cols["Investigating"],
    )
    assert (moved["data"]["from_stage"], moved["data"]["to_stage"]) == ("done", "active")
    [alert] = await _alerts(client, board_id)
    assert (alert["kind"], alert["card_id"], alert["state"]) == (
        "customer_rejected",
        card_id,
        "open",
    )
    assert raised["data"]["alert_id"] == alert["id"]
    assert raised["data"]["confirmation_id"] == shown["id"]
    page = await as_user(None).get(path)
    assert page.status_code == 200 and "not solved yet" in page.text


async def test_no_reopens_into_the_flagged_reopen_column(client, as_user):
    board_id, cols = await make_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Reopened", "stage": "active", "reopen_target": True},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    card_id, path = await closed_card(client, board_id, cols)

    assert (await as_user(None).post(path, data={**BLANK, "solved": "no"})).status_code == 303

    assert (await card(client, card_id))["column_id"] == cols["Reopened"]


async def test_a_full_hard_limited_column_still_takes_the_reopened_card(client, as_user):
    board_id, cols = await make_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active", "wip_limit": 1, "wip_policy": "hard"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    card_id, path = await closed_card(client, board_id, cols)
    await factories.create_card(client, board_id, column_id=cols["Investigating"])
    seq = await last_seq(client, board_id)

    assert (await as_user(None).post(path, data={**BLANK, "solved": "no"})).status_code == 303

    assert (await card(client, card_id))["column_id"] == cols["Investigating"]
    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == [
        "customer.rejected",
        "card.reopened",
        "wip.overridden",
        "alert.raised",
    ]
    breach = logged[2]["data"]
    assert (breach["scope"], breach["column_id"], breach["limit"], breach["count"]) == (
        "column",
        cols["Investigating"],
        1,
        1,
    )
    assert breach["card_id"] == card_id and "not solved" in breach["reason"]
    # The board now shows two cards in a column limited to one.
    detail = (await client.get(f"/api/boards/{board_id}")).json()
    investigating = next(c for c in detail["columns"] if c["id"] == cols["Investigating"])
    assert investigating["card_count"] == 2


async def test_a_full_lane_is_recorded_too_and_does_not_stop_the_reopen(client, as_user):
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
        lanes=[{"name": "Expedite", "wip_limit": 1}],
    )
    board_id, lane = board["id"], board["lanes"][0]["id"]
    cols = {c["name"]: c["id"] for c in board["columns"]}
    card_id, path = await closed_card(client, board_id, cols, lane_id=lane)
    await factories.create_card(client, board_id, column_id=cols["Investigating"], lane_id=lane)
    seq = await last_seq(client, board_id)

    assert (await as_user(None).post(path, data={**BLANK, "solved": "no"})).status_code == 303

    assert (await card(client, card_id))["column_id"] == cols["Investigating"]
    logged = await factories.events(client, board_id, since=seq)
    [breach] = [e["data"] for e in logged if e["type"] == "wip.overridden"]
    assert (breach["scope"], breach["lane_id"], breach["limit"]) == ("lane", lane, 1)


async def test_a_second_rejection_while_the_alert_is_open_raises_no_second_alert(client, as_user):
    board_id, cols = await make_board(client)
    card_id, first = await closed_card(client, board_id, cols)
    await as_user(None).post(first, data={**BLANK, "solved": "no"})
    [alert] = await _alerts(client, board_id)
    seq = await last_seq(client, board_id)

    # The survey tool reports the same "no" while the team is already back on it.
    r = await client.post(f"/api/cards/{card_id}/survey", json={"solved": False})

    assert r.status_code == 201, r.text
    assert await types_since(client, board_id, seq) == ["customer.rejected"]
    assert [a["id"] for a in await _alerts(client, board_id)] == [alert["id"]]
    assert (await card(client, card_id))["reopen_count"] == 1


async def test_a_rejection_after_finishing_again_reopens_and_alerts_afresh(client, as_user):
    board_id, cols = await make_board(client)
    card_id, first = await closed_card(client, board_id, cols)
    await as_user(None).post(first, data={**BLANK, "solved": "no"})
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": cols["Resolved"]})
    assert r.status_code == 200
    second = (await confirmation(client, card_id))["url"].removeprefix("http://127.0.0.1:8000")
    seq = await last_seq(client, board_id)

    await as_user(None).post(second, data={**BLANK, "solved": "no"})

    assert await types_since(client, board_id, seq) == [
        "customer.rejected",
        "card.reopened",
        "alert.raised",
    ]
    assert len(await _alerts(client, board_id)) == 1
    assert (await card(client, card_id))["reopen_count"] == 2


async def test_concurrent_answers_on_one_link_count_once(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)
    customers = [as_user(None) for _ in range(6)]

    results = await asyncio.gather(
        *(
            c.post(path, data={**BLANK, "solved": "no" if i % 2 else "yes", "csat": str(i % 5 + 1)})
            for i, c in enumerate(customers)
        )
    )

    assert sorted(r.status_code for r in results) == [200] * 5 + [303]
    logged = await types_since(client, board_id, seq)
    answers = [t for t in logged if t.startswith("customer.")]
    assert len(answers) == 1
    shown = await confirmation(client, card_id)
    reopened = (await card(client, card_id))["reopen_count"]
    if answers == ["customer.rejected"]:
        assert shown["state"] == "rejected" and reopened == 1
        assert logged.count("card.reopened") == 1 and logged.count("alert.raised") == 1
    else:
        assert shown["state"] == "confirmed" and reopened == 0 and len(logged) == 1
    # Every losing request was shown the one recorded answer.
    winner = next(r for r in results if r.status_code == 303)
    assert winner.headers["location"] == path
    for r in results:
        if r.status_code == 200:
            assert "already been answered" in r.text


async def test_the_team_sees_the_reopened_card_flagged_on_the_board_page(client, as_user, app):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols, title="Invoice PDF is empty")
    agent, _ = await factories.create_user(client, role="agent", password=PASSWORD)
    await factories.add_member(client, board_id, agent["id"])
    await as_user(None).post(path, data={**BLANK, "solved": "no"})

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as browser:
        assert (await sign_in(browser, agent["email"])).status_code == 303
        page = await browser.get(f"/boards/{board_id}")

    assert page.status_code == 200
    shown = parse(page.text).find("article", data_card_id=str(card_id))
    assert shown.attrs["data-column-id"] == str(cols["Investigating"])
    [flag] = shown.find_all("span", cls="alert-flag")
    assert flag.attrs["data-kind"] == "customer_rejected"


async def test_finishing_the_reopened_card_again_clears_the_alert_and_asks_again(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    r = await as_user(None).post(path, data={**BLANK, "solved": "no"})
    assert r.status_code == 303
    [alert] = await _alerts(client, board_id)
    seq = await last_seq(client, board_id)

    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": cols["Resolved"]})

    assert r.status_code == 200, r.text
    assert await _alerts(client, board_id) == []
    logged = await factories.events(client, board_id, since=seq)
    resolved = [e for e in logged if e["type"] == "alert.resolved"]
    assert [(e["data"]["alert_id"], e["data"]["reason"]) for e in resolved] == [
        (alert["id"], "cleared")
    ]
    assert "confirmation.requested" in [e["type"] for e in logged]
    assert (await confirmation(client, card_id))["state"] == "pending"
