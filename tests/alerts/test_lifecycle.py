"""An alert's life: raised once, left alone while handled, resolved by the scan when its
condition clears, and raised again only for a new episode."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core.models import utcnow
from tests.alerts.helpers import (
    add_policy,
    age_card,
    alert_events,
    card,
    every_alert,
    later,
    listed,
    make_board,
    move,
    of,
    patch_card,
    scan,
)
from tests.swarm.helpers import ask, person

TRIAGE = {"name": "Triage", "stage": "backlog"}
STALLING = {"name": "Investigating", "stage": "active", "stall_after_seconds": 600}
DONE = {"name": "Resolved", "stage": "done"}


async def _cleared(client: Any, board_id: int, alert_id: int) -> dict[str, Any]:
    """The alert, checked to be resolved by the scan, and its one alert.resolved event."""
    [alert] = [a for a in await listed(client, board_id, "resolved") if a["id"] == alert_id]
    assert alert["state"] == "resolved"
    assert alert["resolved_by"] is None and alert["resolved_at"] is not None
    resolved = [
        e
        for e in await alert_events(client, board_id)
        if e["type"] == "alert.resolved" and e["data"]["alert_id"] == alert_id
    ]
    assert len(resolved) == 1
    assert resolved[0]["data"]["reason"] == "cleared"
    assert resolved[0]["data"]["kind"] == alert["kind"]
    assert resolved[0]["data"]["card_id"] == alert["card_id"]
    assert resolved[0]["actor"] == {"id": None, "kind": "system"}
    return alert


# -- resolved by the scan -----------------------------------------------------------


async def test_a_stalled_card_that_moves_on_clears_its_alert(client, app):
    bid, (triage, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    cid = await card(client, bid, inv)
    await scan(app, later(660))
    [alert] = await listed(client, bid)

    await move(client, cid, triage)
    await scan(app, later(670))

    assert await listed(client, bid) == []
    await _cleared(client, bid, alert["id"])


async def test_unblocking_clears_the_blocked_alert(client, app):
    bid, (triage, _, _) = await make_board(
        client, [TRIAGE, STALLING, DONE], blocked_alert_seconds=60
    )
    cid = await card(client, bid, triage)
    await patch_card(client, cid, blocked=True, blocked_reason="Vendor outage")
    await scan(app, later(120))
    [alert] = await listed(client, bid)
    assert alert["kind"] == "blocked"

    await patch_card(client, cid, blocked=False)
    await scan(app, later(130))

    assert await listed(client, bid) == []
    await _cleared(client, bid, alert["id"])


async def test_finishing_a_card_clears_all_its_alerts_including_acknowledged_ones(client, app):
    bid, (_, inv, done) = await make_board(
        client, [TRIAGE, STALLING, DONE], blocked_alert_seconds=60
    )
    await add_policy(client, bid, frt_seconds=600, ttr_seconds=900)
    cid = await card(client, bid, inv)
    await patch_card(client, cid, blocked=True)
    await scan(app, later(1000))
    raised = await listed(client, bid)
    assert sorted(a["kind"] for a in raised) == ["blocked", "sla_breach", "stalled"]
    ack = await client.post(f"/api/alerts/{raised[0]['id']}/ack")
    assert ack.status_code == 200, ack.text

    await move(client, cid, done)
    await scan(app, later(1010))

    assert await listed(client, bid) == []
    for alert in raised:
        await _cleared(client, bid, alert["id"])


async def test_a_swarm_that_gets_a_member_clears_its_alert(client, app, as_user):
    bid, (triage, _, _) = await make_board(
        client, [TRIAGE, STALLING, DONE], swarm_answer_seconds=60
    )
    cid = await card(client, bid, triage)
    r = await ask(client, cid, ["networking"])
    assert r.status_code == 201, r.text
    await scan(app, later(120))
    [alert] = await listed(client, bid)
    assert alert["kind"] == "swarm_unanswered"

    _, token = await person(client, bid)
    joined = await as_user(token).post(f"/api/swarms/{r.json()['id']}/join")
    assert joined.status_code == 200, joined.text
    await scan(app, later(130))

    assert await listed(client, bid) == []
    await _cleared(client, bid, alert["id"])


async def test_finishing_a_card_clears_its_unanswered_swarm_alert(client, app):
    bid, (triage, _, done) = await make_board(
        client, [TRIAGE, STALLING, DONE], swarm_answer_seconds=60
    )
    cid = await card(client, bid, triage)
    assert (await ask(client, cid, ["networking"])).status_code == 201
    await scan(app, later(120))
    [alert] = await listed(client, bid)
    assert alert["kind"] == "swarm_unanswered"

    await move(client, cid, done)  # solved without help; the swarm was never closed
    await scan(app, later(130))

    assert await listed(client, bid) == []
    await _cleared(client, bid, alert["id"])


async def test_a_column_back_under_its_soft_limit_clears_the_wip_alert(client, app):
    bid, (triage, inv) = await make_board(
        client,
        [
            TRIAGE,
            {"name": "Investigating", "stage": "active", "wip_limit": 1, "wip_policy": "soft"},
        ],
    )
    first_card = await card(client, bid, inv)
    await card(client, bid, inv)
    start = utcnow()
    await scan(app, start)
    await scan(app, start + timedelta(seconds=app.state.alerts.interval_seconds + 1))
    [alert] = await listed(client, bid)
    assert alert["kind"] == "wip_breach"

    await move(client, first_card, triage)  # one card left: at the limit, not over it
    await scan(app, start + timedelta(seconds=app.state.alerts.interval_seconds + 2))

    assert await listed(client, bid) == []
    cleared = await _cleared(client, bid, alert["id"])
    assert cleared["column_id"] == inv


# -- dedup --------------------------------------------------------------------------


async def test_scanning_again_and_again_raises_one_alert_per_card_and_kind(client, app):
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE], blocked_alert_seconds=60)
    cards = [await card(client, bid, inv) for _ in range(3)]
    await patch_card(client, cards[0], blocked=True)
    for offset in range(660, 760, 10):
        await scan(app, later(offset))

    alerts = await every_alert(client, bid)
    assert sorted((a["card_id"], a["kind"]) for a in alerts) == sorted(
        [(c, "stalled") for c in cards] + [(cards[0], "blocked")]
    )
    assert all(a["state"] == "open" for a in alerts)
    raised = [e for e in await alert_events(client, bid) if e["type"] == "alert.raised"]
    assert sorted(e["data"]["alert_id"] for e in raised) == sorted(a["id"] for a in alerts)


async def test_an_acknowledged_alert_is_not_raised_again(client, app):
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    await card(client, bid, inv)
    await scan(app, later(660))
    [alert] = await listed(client, bid)
    assert (await client.post(f"/api/alerts/{alert['id']}/ack")).status_code == 200

    for offset in (700, 800, 3600):
        await scan(app, later(offset))

    [still] = await every_alert(client, bid)
    assert (still["id"], still["state"]) == (alert["id"], "acknowledged")
    types = [e["type"] for e in await alert_events(client, bid)]
    assert types == ["alert.raised", "alert.acknowledged"]


async def test_a_manually_resolved_stall_stays_quiet_until_the_card_stalls_anew(client, app):
    bid, (_, inv, _, escalated) = await make_board(
        client,
        [TRIAGE, STALLING, DONE, {**STALLING, "name": "Escalated"}],
    )
    cid = await card(client, bid, inv)
    # Stalled for real: ten minutes in the column, so the scan can run on the real clock
    # and a later move starts a new episode after the alert was raised.
    await age_card(app, cid, 660)
    await scan(app)
    [first] = await listed(client, bid)
    r = await client.post(f"/api/alerts/{first['id']}/resolve")
    assert r.status_code == 200, r.text

    for offset in (1, 60, 3600):  # same stay in the same column: the same episode
        await scan(app, later(offset))
    assert [a["id"] for a in await every_alert(client, bid)] == [first["id"]]

    await move(client, cid, escalated)  # a new stay: a new episode
    await scan(app, later(300))
    assert [a["id"] for a in await every_alert(client, bid)] == [first["id"]]
    await scan(app, later(660))

    second = of(await listed(client, bid), "stalled", cid)
    assert len(second) == 1 and second[0]["id"] != first["id"]
    assert second[0]["column_id"] == escalated


async def test_a_manually_resolved_block_is_raised_again_when_blocked_again(client, app):
    bid, (triage, _, _) = await make_board(
        client, [TRIAGE, STALLING, DONE], blocked_alert_seconds=600
    )
    cid = await card(client, bid, triage)
    await patch_card(client, cid, blocked=True)
    await age_card(app, cid, 660)
    await scan(app)
    [first] = await listed(client, bid)
    assert (await client.post(f"/api/alerts/{first['id']}/resolve")).status_code == 200
    await scan(app, later(3600))
    assert await listed(client, bid) == []

    await patch_card(client, cid, blocked=False)
    await patch_card(client, cid, blocked=True, blocked_reason="Blocked again")
    await scan(app, later(660))

    [second] = await listed(client, bid)
    assert second["kind"] == "blocked" and second["id"] != first["id"]
    raised = [e for e in await alert_events(client, bid) if e["type"] == "alert.raised"]
    assert [e["data"]["alert_id"] for e in raised] == [first["id"], second["id"]]


async def test_a_manually_resolved_wip_breach_returns_only_after_the_column_recovered(client, app):
    bid, (triage, inv) = await make_board(
        client,
        [
            TRIAGE,
            {"name": "Investigating", "stage": "active", "wip_limit": 1, "wip_policy": "soft"},
        ],
    )
    extra = await card(client, bid, inv)
    await card(client, bid, inv)
    interval = timedelta(seconds=app.state.alerts.interval_seconds)
    t = utcnow()
    await scan(app, t)
    await scan(app, t + interval)
    [first] = await listed(client, bid)
    assert (await client.post(f"/api/alerts/{first['id']}/resolve")).status_code == 200
    await scan(app, t + 5 * interval)
    assert await listed(client, bid) == []  # still over the limit: the same episode

    await move(client, extra, triage)
    await scan(app, t + 6 * interval)
    await move(client, extra, inv)
    await scan(app, t + 7 * interval)  # over again, just noticed
    assert await listed(client, bid) == []
    await scan(app, t + 8 * interval)

    [second] = await listed(client, bid)
    assert second["kind"] == "wip_breach" and second["id"] != first["id"]
