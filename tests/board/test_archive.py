"""Archiving and restoring cards, as a support lead sees it: off the board and out of
every WIP count, back under the usual limits, and kept in metrics and exports."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx

from tests.alerts.helpers import later, listed, scan
from tests.confirm.helpers import BLANK, path_of
from tests.exports import helpers as exports
from tests.factories import add_member, create_board, create_card, create_user, events
from tests.swarm.helpers import ask, person

PROBLEM = "application/problem+json"
SCOPE = {"from": (date.today() - timedelta(days=7)).isoformat(), "to": date.today().isoformat()}


async def _board(client: httpx.AsyncClient, limit: int | None = 2, **extra: Any) -> dict[str, Any]:
    doing: dict[str, Any] = {"name": "Doing", "stage": "active", "wip_limit": limit, **extra}
    return await create_board(
        client,
        columns=[{"name": "Triage", "stage": "backlog"}, doing, {"name": "Done", "stage": "done"}],
    )


async def _archive(client: httpx.AsyncClient, card_id: int) -> dict[str, Any]:
    r = await client.post(f"/api/cards/{card_id}/archive")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _types(log: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in log]


async def test_archive_and_restore_take_the_card_off_the_board_and_back(client):
    board = await _board(client, limit=5)
    bid, doing = board["id"], board["columns"][1]["id"]
    card = await create_card(client, bid, column_id=doing)
    await create_card(client, bid, column_id=doing)
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    archived = await _archive(client, card["id"])

    assert archived["archived_at"] is not None
    assert archived["version"] == card["version"] + 1
    detail = (await client.get(f"/api/boards/{bid}")).json()
    assert card["id"] not in [c["id"] for c in detail["cards"]]
    assert [c["card_count"] for c in detail["columns"]] == [0, 1, 0]
    # The card itself can still be read, as archived.
    assert (await client.get(f"/api/cards/{card['id']}")).json()["archived_at"] is not None
    [logged] = await events(client, bid, since=seq)
    assert logged["type"] == "card.archived"
    assert logged["data"] == {"card_id": card["id"], "column_id": doing, "lane_id": None}

    # Another card is added meanwhile; the restored card goes to the bottom.
    newer = await create_card(client, bid, column_id=doing)
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]
    r = await client.post(f"/api/cards/{card['id']}/restore")

    assert r.status_code == 200, r.text
    restored = r.json()
    assert restored["archived_at"] is None and restored["column_id"] == doing
    assert restored["position"] > newer["position"]
    assert r.headers["etag"] == f'"{restored["version"]}"'
    detail = (await client.get(f"/api/boards/{bid}")).json()
    in_doing = [c["id"] for c in detail["cards"] if c["column_id"] == doing]
    assert in_doing[-1] == card["id"] and len(in_doing) == 3
    [logged] = await events(client, bid, since=seq)
    assert logged["type"] == "card.restored"
    assert (logged["data"]["card_id"], logged["data"]["column_id"]) == (card["id"], doing)
    assert logged["data"]["lane_id"] is None


async def test_archiving_twice_and_restoring_a_live_card_change_nothing(client):
    """Both are idempotent: 200 with the card as it is, and no event."""
    board = await _board(client)
    card = await create_card(client, board["id"])
    live = await client.post(f"/api/cards/{card['id']}/restore")
    assert live.status_code == 200 and live.json()["version"] == card["version"]
    first = await _archive(client, card["id"])
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    again = await _archive(client, card["id"])

    assert again["version"] == first["version"]
    assert again["archived_at"] == first["archived_at"]
    assert await events(client, board["id"], since=seq) == []


async def test_an_archived_card_cannot_be_edited_moved_or_assigned(client):
    board = await _board(client)
    bid, doing = board["id"], board["columns"][1]["id"]
    agent, _ = await create_user(client, role="agent")
    await add_member(client, bid, agent["id"])
    card = await create_card(client, bid)
    await _archive(client, card["id"])
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    for r in (
        await client.patch(f"/api/cards/{card['id']}", json={"title": "New title"}),
        await client.patch(f"/api/cards/{card['id']}", json={"assignee_ids": [agent["id"]]}),
        await client.post(f"/api/cards/{card['id']}/move", json={"column_id": doing}),
        await ask(client, card["id"], ["sql"]),
    ):
        assert r.status_code == 409, r.text
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"].endswith("card-archived")
        assert "Restore the card first" in r.json()["detail"]
    assert await events(client, bid, since=seq) == []
    assert (await client.get(f"/api/cards/{card['id']}")).json()["title"] == card["title"]


async def test_a_full_column_admits_a_new_card_once_one_is_archived(client):
    board = await _board(client, limit=1)
    bid, doing = board["id"], board["columns"][1]["id"]
    old = await create_card(client, bid, column_id=doing)
    refused = await client.post(f"/api/boards/{bid}/cards", json={"title": "x", "column_id": doing})
    assert refused.status_code == 409

    await _archive(client, old["id"])

    r = await client.post(f"/api/boards/{bid}/cards", json={"title": "x", "column_id": doing})
    assert r.status_code == 201, r.text


async def test_restoring_into_a_full_column_is_refused_unless_a_lead_overrides(client, as_user):
    board = await _board(client, limit=1)
    bid, doing = board["id"], board["columns"][1]["id"]
    agent, agent_token = await create_user(client, role="agent")
    lead, lead_token = await create_user(client, role="lead")
    await add_member(client, bid, agent["id"])
    await add_member(client, bid, lead["id"])
    card = await create_card(client, bid, column_id=doing)
    archived = await _archive(client, card["id"])
    await create_card(client, bid, column_id=doing)  # the freed slot is taken
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    r = await as_user(agent_token).post(f"/api/cards/{card['id']}/restore")

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"].endswith("wip-limit-exceeded")
    assert (body["limit"], body["count"], body["column_id"]) == (1, 1, doing)
    assert "Doing" in body["detail"]
    # Nothing was written: still archived, same version, no event.
    still = (await client.get(f"/api/cards/{card['id']}")).json()
    assert still["archived_at"] is not None and still["version"] == archived["version"]
    assert await events(client, bid, since=seq) == []
    # An agent may not override; a lead may, and the override is recorded.
    r = await as_user(agent_token).post(
        f"/api/cards/{card['id']}/restore", json={"override_reason": "Customer is back"}
    )
    assert r.status_code == 403 and r.json()["type"].endswith("override-forbidden")

    r = await as_user(lead_token).post(
        f"/api/cards/{card['id']}/restore", json={"override_reason": "Customer is back"}
    )

    assert r.status_code == 200, r.text
    assert r.json()["archived_at"] is None
    logged = await events(client, bid, since=seq)
    assert _types(logged) == ["card.restored", "wip.overridden"]
    assert logged[1]["data"]["reason"] == "Customer is back"
    assert logged[1]["data"]["by"] == lead["id"]
    detail = (await client.get(f"/api/boards/{bid}")).json()
    assert detail["columns"][1]["card_count"] == 2


async def test_archiving_frees_the_assignees_personal_wip(client):
    board = await _board(client, limit=10)
    bid, doing = board["id"], board["columns"][1]["id"]
    agent, _ = await create_user(client, role="agent", wip_limit=1)
    await add_member(client, bid, agent["id"])
    carried = await create_card(client, bid, column_id=doing, assignee_ids=[agent["id"]])
    other = await create_card(client, bid, column_id=doing)
    r = await client.patch(f"/api/cards/{other['id']}", json={"assignee_ids": [agent["id"]]})
    assert r.status_code == 409 and r.json()["type"].endswith("person-wip-limit-exceeded")

    await _archive(client, carried["id"])

    r = await client.patch(f"/api/cards/{other['id']}", json={"assignee_ids": [agent["id"]]})
    assert r.status_code == 200, r.text
    # Back on the board, the first card would take them over their limit again.
    r = await client.post(f"/api/cards/{carried['id']}/restore")
    assert r.status_code == 409 and r.json()["type"].endswith("person-wip-limit-exceeded")


async def test_archiving_cancels_the_open_swarm_and_resolves_the_alerts(client, app, as_user):
    board = await create_board(
        client,
        columns=[{"name": "Triage", "stage": "backlog"}, {"name": "Doing", "stage": "active"}],
    )
    bid, doing = board["id"], board["columns"][1]["id"]
    r = await client.patch(f"/api/boards/{bid}", json={"blocked_alert_seconds": 60})
    assert r.status_code == 200, r.text
    card = await create_card(client, bid, column_id=doing)
    helper, helper_token = await person(client, bid, skills={"sql": 2}, wip_limit=1)
    r = await client.patch(
        f"/api/cards/{card['id']}", json={"blocked": True, "blocked_reason": "Vendor"}
    )
    assert r.status_code == 200, r.text
    swarm = (await ask(client, card["id"], ["sql"])).json()
    joined = await as_user(helper_token).post(f"/api/swarms/{swarm['id']}/join")
    assert joined.status_code == 200, joined.text
    await scan(app, later(120))
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["card_id"]) == ("blocked", card["id"])
    # The helper is at their limit: the swarm counts against it.
    busy = await create_card(client, bid, column_id=doing)
    r = await as_user(helper_token).patch(
        f"/api/cards/{busy['id']}", json={"assignee_ids": [helper["id"]]}
    )
    assert r.status_code == 409
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    await _archive(client, card["id"])

    logged = await events(client, bid, since=seq)
    assert _types(logged) == ["card.archived", "swarm.cancelled", "alert.resolved"]
    assert logged[1]["data"]["reason"] == "The card was archived."
    assert logged[1]["actor"] == logged[0]["actor"]
    assert (logged[2]["data"]["alert_id"], logged[2]["data"]["reason"]) == (alert["id"], "archived")
    swarm_now = (await client.get(f"/api/swarms/{swarm['id']}")).json()
    assert swarm_now["state"] == "cancelled"
    assert await listed(client, bid) == []
    # The helper's slot is free again.
    r = await as_user(helper_token).patch(
        f"/api/cards/{busy['id']}", json={"assignee_ids": [helper["id"]]}
    )
    assert r.status_code == 200, r.text
    # The scan leaves the archived card alone, and restoring reopens nothing.
    await scan(app, later(240))
    assert await listed(client, bid) == []
    r = await client.post(f"/api/cards/{card['id']}/restore")
    assert r.status_code == 200, r.text
    assert (await client.get(f"/api/swarms/{swarm['id']}")).json()["state"] == "cancelled"


async def test_a_soft_limited_column_counts_no_archived_card_as_a_breach(client, app):
    board = await _board(client, limit=1, wip_policy="soft")
    bid, doing = board["id"], board["columns"][1]["id"]
    await create_card(client, bid, column_id=doing)
    extra = await create_card(client, bid, column_id=doing)  # soft: over the limit
    await _archive(client, extra["id"])
    interval = app.state.alerts.interval_seconds

    await scan(app, later(0))
    await scan(app, later(interval + 1))

    assert [a for a in await listed(client, bid) if a["kind"] == "wip_breach"] == []


async def test_an_archived_card_stays_in_flow_metrics_and_the_actionable_agile_export(client):
    board = await _board(client, limit=5)
    bid = board["id"]
    doing, done = board["columns"][1]["id"], board["columns"][2]["id"]
    card = await create_card(client, bid, title="Invoice PDF is blank")
    for column in (doing, done):
        r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": column})
        assert r.status_code == 200, r.text

    await _archive(client, card["id"])

    r = await exports.get_export(client, bid, "actionable-agile.csv", **SCOPE)
    rows = exports.by_id(exports.csv_rows(r.content))
    assert rows[card["id"]]["Name"] == "Invoice PDF is blank"
    assert rows[card["id"]]["Done"] == date.today().isoformat()
    r = await client.get(f"/api/boards/{bid}/metrics/flow", params=SCOPE)
    assert r.status_code == 200, r.text
    flow = r.json()
    assert flow["throughput"]["total"] == 1
    assert [i["card_id"] for i in flow["cycle_time"]["items"]] == [card["id"]]


async def test_two_concurrent_restores_into_one_free_slot_admit_exactly_one(client):
    board = await _board(client, limit=2)
    bid, doing = board["id"], board["columns"][1]["id"]
    first = await create_card(client, bid, column_id=doing)
    second = await create_card(client, bid, column_id=doing)
    await _archive(client, first["id"])
    await _archive(client, second["id"])
    await create_card(client, bid, column_id=doing)  # one slot left
    seq = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    results = await asyncio.gather(
        client.post(f"/api/cards/{first['id']}/restore"),
        client.post(f"/api/cards/{second['id']}/restore"),
    )

    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["type"].endswith("wip-limit-exceeded")
    detail = (await client.get(f"/api/boards/{bid}")).json()
    assert detail["columns"][1]["card_count"] == 2
    assert _types(await events(client, bid, since=seq)) == ["card.restored"]


async def test_members_who_may_not_work_cannot_archive_and_outsiders_get_404(client, as_user):
    board = await _board(client)
    bid = board["id"]
    viewer, viewer_token = await create_user(client, role="viewer")
    await add_member(client, bid, viewer["id"])
    _, outsider_token = await create_user(client, role="agent")
    card = await create_card(client, bid)

    r = await as_user(viewer_token).post(f"/api/cards/{card['id']}/archive")
    assert r.status_code == 403
    r = await as_user(outsider_token).post(f"/api/cards/{card['id']}/archive")
    assert r.status_code == 404
    assert (await client.get(f"/api/cards/{card['id']}")).json()["archived_at"] is None


async def test_a_customer_saying_no_to_an_archived_card_alerts_without_reopening_it(
    client, as_user
):
    board = await _board(client, limit=5)
    bid, doing, done = board["id"], board["columns"][1]["id"], board["columns"][2]["id"]
    card = await create_card(client, bid, column_id=doing)
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": done})
    assert r.status_code == 200, r.text
    [asked] = [e for e in await events(client, bid) if e["type"] == "confirmation.requested"]
    await _archive(client, card["id"])

    r = await as_user(None).post(path_of(asked["data"]["url"]), data={**BLANK, "solved": "no"})

    assert r.status_code == 303, r.text
    still = (await client.get(f"/api/cards/{card['id']}")).json()
    assert still["archived_at"] is not None and still["column_id"] == done
    assert still["reopen_count"] == 0
    # The team hears of it: the alert names the card, which they may restore.
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["card_id"]) == ("customer_rejected", card["id"])
