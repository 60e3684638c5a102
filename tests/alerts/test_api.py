"""The alert and SLA-policy endpoints, and the events the scan and people append."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.alerts.helpers import (
    PROBLEM,
    alert_events,
    card,
    later,
    listed,
    make_board,
    patch_card,
    scan,
)

TRIAGE = {"name": "Triage", "stage": "backlog"}
STALLING = {"name": "Investigating", "stage": "active", "stall_after_seconds": 600}
DONE = {"name": "Resolved", "stage": "done"}


async def _stalled_board(
    client: Any, app: Any, n: int
) -> tuple[int, list[int], list[dict[str, Any]]]:
    """A board with ``n`` stalled cards, scanned; returns (board, card ids, alerts)."""
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    cards = [await card(client, bid, inv, title=f"Stalled {i}") for i in range(n)]
    await scan(app, later(660))
    return bid, cards, await listed(client, bid)


async def _member(client: Any, bid: int, role: str) -> tuple[dict[str, Any], str]:
    user, token = await factories.create_user(client, role="agent")
    await factories.add_member(client, bid, user["id"], role)
    return user, token


def _problem(r: Any, status: int, type_: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["type"].endswith("/" + type_), body
    return body


# -- listing ------------------------------------------------------------------------


async def test_the_list_filters_by_state_pages_newest_first_and_names_the_card(client, app):
    bid, cards, alerts = await _stalled_board(client, app, 5)
    assert len(alerts) == 5
    titles = {a["card_id"]: a["card_title"] for a in alerts}
    assert titles == {c: f"Stalled {i}" for i, c in enumerate(cards)}
    ack, res = alerts[0]["id"], alerts[1]["id"]
    assert (await client.post(f"/api/alerts/{ack}/ack")).status_code == 200
    assert (await client.post(f"/api/alerts/{res}/resolve")).status_code == 200

    by_state = {
        s: [a["id"] for a in await listed(client, bid, s)]
        for s in ("active", "open", "acknowledged", "resolved")
    }
    ids = sorted((a["id"] for a in alerts), reverse=True)
    assert by_state["active"] == [i for i in ids if i != res]
    assert by_state["open"] == [i for i in ids if i not in (ack, res)]
    assert by_state["acknowledged"] == [ack]
    assert by_state["resolved"] == [res]
    default = await client.get(f"/api/boards/{bid}/alerts")
    assert [a["id"] for a in default.json()["alerts"]] == by_state["active"]

    page = await client.get(f"/api/boards/{bid}/alerts", params={"limit": 2, "offset": 1})
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (4, 2, 1)
    assert [a["id"] for a in body["alerts"]] == by_state["active"][1:3]

    bad = await client.get(f"/api/boards/{bid}/alerts", params={"state": "closed"})
    _problem(bad, 422, "validation-error")


# -- acknowledge and resolve --------------------------------------------------------


async def test_acknowledge_records_who_and_when_and_appends_an_event(client, app, as_user):
    bid, cards, [alert] = await _stalled_board(client, app, 1)
    agent, token = await _member(client, bid, "agent")

    r = await as_user(token).post(f"/api/alerts/{alert['id']}/ack")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "acknowledged" and body["acknowledged_by"] == agent["id"]
    assert body["acknowledged_at"] is not None and body["resolved_at"] is None
    [listed_alert] = await listed(client, bid, "acknowledged")
    assert listed_alert["acknowledged_by"] == agent["id"]
    last = (await alert_events(client, bid))[-1]
    assert last["type"] == "alert.acknowledged"
    assert last["actor"] == {"id": agent["id"], "kind": "user"}
    assert last["data"]["alert_id"] == alert["id"]
    assert last["data"]["kind"] == "stalled" and last["data"]["card_id"] == cards[0]
    assert last["data"]["by"] == agent["id"]


async def test_acknowledging_twice_or_after_resolving_is_a_conflict(client, app):
    bid, _, (first, second) = await _stalled_board(client, app, 2)
    assert (await client.post(f"/api/alerts/{first['id']}/ack")).status_code == 200
    assert (await client.post(f"/api/alerts/{second['id']}/resolve")).status_code == 200
    before = await alert_events(client, bid)

    again = await client.post(f"/api/alerts/{first['id']}/ack")
    assert _problem(again, 409, "alert-not-open")["state"] == "acknowledged"
    resolved = await client.post(f"/api/alerts/{second['id']}/ack")
    assert _problem(resolved, 409, "alert-not-open")["state"] == "resolved"
    twice = await client.post(f"/api/alerts/{second['id']}/resolve")
    _problem(twice, 409, "alert-not-open")

    assert await alert_events(client, bid) == before  # refusals append nothing


async def test_resolving_by_hand_records_who_and_appends_reason_manual(client, app, as_user):
    bid, cards, [alert] = await _stalled_board(client, app, 1)
    lead, token = await _member(client, bid, "lead")
    assert (await client.post(f"/api/alerts/{alert['id']}/ack")).status_code == 200

    r = await as_user(token).post(f"/api/alerts/{alert['id']}/resolve")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "resolved" and body["resolved_by"] == lead["id"]
    assert body["resolved_at"] is not None
    assert await listed(client, bid) == []
    last = (await alert_events(client, bid))[-1]
    assert last["type"] == "alert.resolved"
    assert last["data"]["reason"] == "manual" and last["data"]["by"] == lead["id"]
    assert (last["data"]["alert_id"], last["data"]["card_id"]) == (alert["id"], cards[0])


async def test_outsiders_get_404_and_viewers_403_on_ack_and_resolve(client, app, as_user):
    bid, _, [alert] = await _stalled_board(client, app, 1)
    _, outsider = await factories.create_user(client, role="agent")
    _, viewer = await _member(client, bid, "viewer")
    before = await alert_events(client, bid)

    for action in ("ack", "resolve"):
        url = f"/api/alerts/{alert['id']}/{action}"
        _problem(await as_user(outsider).post(url), 404, "alert-not-found")
        _problem(await as_user(viewer).post(url), 403, "role-forbidden")
        _problem(await client.post(f"/api/alerts/999999/{action}"), 404, "alert-not-found")
    listing = await as_user(outsider).get(f"/api/boards/{bid}/alerts")
    assert listing.status_code == 404
    assert (await as_user(viewer).get(f"/api/boards/{bid}/alerts")).status_code == 200

    [unchanged] = await listed(client, bid)
    assert unchanged["state"] == "open"
    assert await alert_events(client, bid) == before


# -- events -------------------------------------------------------------------------


async def test_raised_events_carry_the_alert_and_seqs_stay_contiguous_across_boards(client, app):
    boards = []
    for _ in range(3):
        bid, (triage, inv, _) = await make_board(
            client, [TRIAGE, STALLING, DONE], blocked_alert_seconds=600
        )
        cards = [await card(client, bid, inv) for _ in range(6)]
        for cid in cards[:2]:
            await patch_card(client, cid, blocked=True)
        await card(client, bid, triage)
        boards.append((bid, cards))

    result = await scan(app, later(660))

    assert result.raised["stalled"] >= 18 and result.raised["blocked"] >= 6
    for bid, cards in boards:
        log = await factories.events(client, bid)
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        detail = (await client.get(f"/api/boards/{bid}")).json()
        assert detail["last_seq"] == len(log)
        raised = [e for e in log if e["type"] == "alert.raised"]
        alerts = {a["id"]: a for a in await listed(client, bid)}
        assert len(raised) == len(alerts) == 8
        assert {e["data"]["alert_id"] for e in raised} == set(alerts)
        for e in raised:
            alert = alerts[e["data"]["alert_id"]]
            assert e["board_id"] == bid
            assert e["actor"] == {"id": None, "kind": "system"}
            assert e["data"]["kind"] == alert["kind"]
            assert e["data"]["card_id"] == alert["card_id"] and alert["card_id"] in cards
            assert e["data"]["column_id"] == alert["column_id"]
        assert sorted((e["data"]["card_id"], e["data"]["kind"]) for e in raised) == sorted(
            [(c, "stalled") for c in cards] + [(c, "blocked") for c in cards[:2]]
        )


# -- SLA policies -------------------------------------------------------------------


async def test_sla_policies_can_be_created_listed_and_patched_by_leads(client, as_user):
    bid, _ = await make_board(client, [TRIAGE, STALLING, DONE])
    _, lead = await _member(client, bid, "lead")
    me = as_user(lead)

    r = await me.post(
        f"/api/boards/{bid}/sla-policies",
        json={"name": "Urgent chat", "priority": "urgent", "channel": "chat", "frt_seconds": 300},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["board_id"] == bid and created["ttr_seconds"] is None
    assert (created["priority"], created["channel"], created["product"]) == ("urgent", "chat", None)

    r = await me.patch(
        f"/api/boards/{bid}/sla-policies/{created['id']}",
        json={"ttr_seconds": 7200, "channel": None, "name": "Urgent"},
    )
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["ttr_seconds"] == 7200 and patched["frt_seconds"] == 300
    assert patched["channel"] is None and patched["name"] == "Urgent"
    assert patched["priority"] == "urgent"  # not sent: unchanged

    listing = await me.get(f"/api/boards/{bid}/sla-policies")
    assert listing.status_code == 200
    assert [p["id"] for p in listing.json()] == [created["id"]]
    assert listing.json()[0]["ttr_seconds"] == 7200
    types = [e["type"] for e in await factories.events(client, bid)]
    assert types[-2:] == ["sla_policy.created", "sla_policy.updated"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "No target"}, id="no-target"),
        pytest.param(
            {"name": "Nulls", "frt_seconds": None, "ttr_seconds": None}, id="null-targets"
        ),
        pytest.param({"name": "Zero", "frt_seconds": 0}, id="zero"),
        pytest.param({"name": "Negative", "ttr_seconds": -60}, id="negative"),
        pytest.param({"name": "Huge", "ttr_seconds": 10**12}, id="huge"),
        pytest.param({"name": "Text", "frt_seconds": "soon"}, id="not-a-number"),
        pytest.param({"name": "Priority", "priority": "p0", "frt_seconds": 60}, id="bad-priority"),
        pytest.param({"name": "Channel", "channel": "fax", "frt_seconds": 60}, id="bad-channel"),
        pytest.param({"name": "", "frt_seconds": 60}, id="empty-name"),
        pytest.param({"frt_seconds": 60}, id="no-name"),
        pytest.param({"name": "Extra", "frt_seconds": 60, "sla": "gold"}, id="unknown-field"),
    ],
)
async def test_bad_sla_policies_are_refused_with_422(client, body):
    bid, _ = await make_board(client, [TRIAGE, STALLING, DONE])
    r = await client.post(f"/api/boards/{bid}/sla-policies", json=body)
    _problem(r, 422, "validation-error")
    assert (await client.get(f"/api/boards/{bid}/sla-policies")).json() == []


async def test_a_patch_may_not_leave_a_policy_without_targets_or_with_bad_values(client):
    bid, _ = await make_board(client, [TRIAGE, STALLING, DONE])
    r = await client.post(
        f"/api/boards/{bid}/sla-policies", json={"name": "P", "frt_seconds": 60, "ttr_seconds": 600}
    )
    pid = r.json()["id"]
    url = f"/api/boards/{bid}/sla-policies/{pid}"

    assert (await client.patch(url, json={"frt_seconds": None})).status_code == 200
    _problem(await client.patch(url, json={"ttr_seconds": None}), 422, "validation-error")
    _problem(await client.patch(url, json={"ttr_seconds": 0}), 422, "validation-error")
    _problem(await client.patch(url, json={"priority": "asap"}), 422, "validation-error")

    [policy] = (await client.get(f"/api/boards/{bid}/sla-policies")).json()
    assert (policy["frt_seconds"], policy["ttr_seconds"]) == (None, 600)


async def test_sla_policies_need_a_lead_and_stay_on_their_board(client, as_user):
    bid, _ = await make_board(client, [TRIAGE, STALLING, DONE])
    other, _ = await make_board(client, [TRIAGE, STALLING, DONE])
    _, agent = await _member(client, bid, "agent")
    _, outsider = await factories.create_user(client, role="lead")
    body = {"name": "P", "frt_seconds": 60}

    _problem(
        await as_user(agent).post(f"/api/boards/{bid}/sla-policies", json=body),
        403,
        "role-forbidden",
    )
    _problem(
        await as_user(outsider).post(f"/api/boards/{bid}/sla-policies", json=body),
        404,
        "board-not-found",
    )
    pid = (await client.post(f"/api/boards/{bid}/sla-policies", json=body)).json()["id"]
    _problem(
        await as_user(agent).patch(f"/api/boards/{bid}/sla-policies/{pid}", json={"name": "Q"}),
        403,
        "role-forbidden",
    )
    _problem(
        await client.patch(f"/api/boards/{other}/sla-policies/{pid}", json={"name": "Q"}),
        404,
        "sla-policy-not-found",
    )
    _problem(
        await client.patch(f"/api/boards/{bid}/sla-policies/999999", json={"name": "Q"}),
        404,
        "sla-policy-not-found",
    )
    assert (await as_user(agent).get(f"/api/boards/{bid}/sla-policies")).status_code == 200
    assert (await client.get(f"/api/boards/{other}/sla-policies")).json() == []
