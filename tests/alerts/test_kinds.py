"""Every alert kind fires when, and only when, its condition holds at the scan's clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.alerts.scan import Scanner
from app.core.models import utcnow
from tests.alerts.helpers import (
    STAYS,
    add_policy,
    age_card,
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
DONE = {"name": "Resolved", "stage": "done"}


def active(**fields: Any) -> dict[str, Any]:
    return {"name": "Investigating", "stage": "active", **fields}


# -- stalled ------------------------------------------------------------------------


async def test_a_card_stalls_once_it_sat_longer_than_stall_after_seconds(client, app):
    # The same setting on a backlog and a done column: only work in progress stalls.
    bid, (triage, inv, done) = await make_board(
        client,
        [
            {**TRIAGE, "stall_after_seconds": 600},
            active(stall_after_seconds=600),
            {**DONE, "stall_after_seconds": 600},
        ],
    )
    stuck = await card(client, bid, inv)
    await card(client, bid, triage, title="Queued, not started")
    await card(client, bid, done, title="Finished")

    await scan(app, later(540))
    assert await listed(client, bid) == []

    await scan(app, later(660))
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["card_id"], alert["column_id"]) == ("stalled", stuck, inv)
    assert alert["state"] == "open" and alert["resolved_by"] is None
    assert alert["data"]["threshold_seconds"] == 600
    assert 600 < alert["data"]["measured_seconds"] < 700


async def _fresh_scan(app: Any, now: datetime) -> None:
    """A scan by a new Scanner, so no learned threshold cached by an earlier test is used."""
    result = await app.state.db.write(Scanner(app.state.alerts.interval_seconds).scan, now=now)
    assert not result.skipped


async def _history(
    app: Any, card_id: int, column_id: int, durations: list[float], ended: timedelta
) -> None:
    """Finished stays in ``column_id`` that lasted ``durations`` seconds and ended about
    ``ended`` ago."""
    base = utcnow() - ended
    if not durations:
        return

    def run(session: Session) -> None:
        session.execute(
            insert(STAYS),
            [
                {
                    "card_id": card_id,
                    "column_id": column_id,
                    "entered_at": base - timedelta(seconds=d, minutes=i),
                    "left_at": base - timedelta(minutes=i),
                }
                for i, d in enumerate(durations)
            ],
        )

    await app.state.db.write(run)


async def _learned_board(
    client: Any, app: Any, recent: list[float], old: list[float] | None = None
) -> tuple[int, int, int]:
    """A board whose Investigating column has no stall_after_seconds and this history of
    recent stays (and stays that ended 91 days ago); returns (board, Investigating
    column, a card that just entered it)."""
    bid, (_, inv, done) = await make_board(client, [TRIAGE, active(), DONE])
    finished = await card(client, bid, done, title="Went through Investigating many times")
    await _history(app, finished, inv, recent, timedelta(hours=1))
    await _history(app, finished, inv, old or [], timedelta(days=91))
    return bid, inv, await card(client, bid, inv)


MINUTES = [60.0 * k for k in range(1, 21)]


async def test_without_a_setting_a_card_stalls_beyond_the_85th_percentile_of_20_stays(client, app):
    # 20 finished stays of 1..20 minutes: the 85th percentile (nearest rank 17) is 17 min.
    bid, inv, cid = await _learned_board(client, app, MINUTES)

    await _fresh_scan(app, later(17 * 60 - 30))
    assert of(await listed(client, bid), "stalled") == []

    await _fresh_scan(app, later(17 * 60 + 30))
    [alert] = of(await listed(client, bid), "stalled")
    assert (alert["card_id"], alert["column_id"]) == (cid, inv)
    assert alert["data"]["threshold_seconds"] == 17 * 60


@pytest.mark.parametrize(
    ("recent", "old"),
    [
        pytest.param(MINUTES[:19], [], id="19-stays"),
        pytest.param(MINUTES[:19], MINUTES[19:], id="20th-stay-older-than-90-days"),
    ],
)
async def test_fewer_than_20_recent_stays_learn_no_threshold(client, app, recent, old):
    bid, _, _ = await _learned_board(client, app, recent, old)

    await _fresh_scan(app, later(86_400))

    assert of(await listed(client, bid), "stalled") == []


# -- blocked ------------------------------------------------------------------------


async def test_a_card_blocked_longer_than_the_boards_threshold_alerts(client, app):
    bid, (triage, _, _) = await make_board(
        client, [TRIAGE, active(), DONE], blocked_alert_seconds=900
    )
    blocked = await card(client, bid, triage)
    await card(client, bid, triage, title="Not blocked")
    await patch_card(client, blocked, blocked=True, blocked_reason="Waiting on the bank")

    await scan(app, later(840))
    assert await listed(client, bid) == []

    await scan(app, later(960))
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["card_id"]) == ("blocked", blocked)
    assert alert["data"]["threshold_seconds"] == 900


async def test_the_blocked_threshold_follows_a_board_patch_and_null_turns_it_off(client, app):
    bid, (triage, _, _) = await make_board(client, [TRIAGE, active(), DONE])
    assert (await client.get(f"/api/boards/{bid}")).json()["blocked_alert_seconds"] == 14400
    cid = await card(client, bid, triage)
    await patch_card(client, cid, blocked=True)

    await scan(app, later(400))
    assert await listed(client, bid) == []  # the default is four hours

    r = await client.patch(f"/api/boards/{bid}", json={"blocked_alert_seconds": 300})
    assert r.status_code == 200, r.text
    await scan(app, later(400))
    assert [a["kind"] for a in await listed(client, bid)] == ["blocked"]

    r = await client.patch(f"/api/boards/{bid}", json={"blocked_alert_seconds": None})
    assert r.status_code == 200, r.text
    await scan(app, later(86_400))
    assert await listed(client, bid) == []  # off: the alert cleared and none is raised


# -- SLA ----------------------------------------------------------------------------


async def test_sla_warning_at_80_percent_then_breach_at_100_percent_of_frt(client, app):
    bid, (triage, _, _) = await make_board(client, [TRIAGE, active(), DONE])
    policy = await add_policy(client, bid, priority="urgent", frt_seconds=1000)
    cid = await card(client, bid, triage, priority="urgent")
    await card(client, bid, triage, priority="low", title="No policy covers it")

    await scan(app, later(770))
    assert await listed(client, bid) == []

    await scan(app, later(830))
    [warning] = await listed(client, bid)
    assert (warning["kind"], warning["card_id"]) == ("sla_warning", cid)
    assert (warning["data"]["target"], warning["data"]["policy_id"]) == ("frt", policy)

    await scan(app, later(1030))
    [breach] = await listed(client, bid)
    assert (breach["kind"], breach["card_id"]) == ("sla_breach", cid)
    assert (breach["data"]["target"], breach["data"]["policy_id"]) == ("frt", policy)
    # The warning gave way to the breach.
    [old] = await listed(client, bid, "resolved")
    assert (old["id"], old["kind"], old["resolved_by"]) == (warning["id"], "sla_warning", None)


async def test_ttr_runs_on_after_first_response_until_the_card_is_done(client, app):
    bid, (triage, inv, _) = await make_board(client, [TRIAGE, active(), DONE])
    await add_policy(client, bid, ttr_seconds=2000)
    cid = await card(client, bid, triage)
    await move(client, cid, inv)

    await scan(app, later(1560))
    assert await listed(client, bid) == []
    await scan(app, later(1640))
    assert [(a["kind"], a["data"]["target"]) for a in await listed(client, bid)] == [
        ("sla_warning", "ttr")
    ]
    await scan(app, later(2040))
    assert [(a["kind"], a["data"]["target"]) for a in await listed(client, bid)] == [
        ("sla_breach", "ttr")
    ]


async def test_frt_ends_when_the_card_first_enters_an_active_column(client, app):
    bid, (triage, inv, _) = await make_board(client, [TRIAGE, active(), DONE])
    await add_policy(client, bid, frt_seconds=1000)
    waiting = await card(client, bid, triage)
    answered = await card(client, bid, triage)
    await move(client, answered, inv)
    await move(client, answered, triage)  # back in the queue, but it was responded to

    await scan(app, later(1100))
    assert [(a["kind"], a["card_id"]) for a in await listed(client, bid)] == [
        ("sla_breach", waiting)
    ]


async def test_the_most_specific_policy_wins_whatever_the_creation_order(client, app):
    bid, (triage, _, _) = await make_board(client, [TRIAGE, active(), DONE])
    # The broad policy first, so that "oldest first" would pick it.
    broad = await add_policy(client, bid, priority="high", frt_seconds=1000)
    narrow = await add_policy(client, bid, product="Payments", priority="high", frt_seconds=5000)
    await add_policy(client, bid, product="Payments", frt_seconds=100)  # as specific as broad
    payments = await card(client, bid, triage, priority="high", product="Payments")
    other = await card(client, bid, triage, priority="high", product="Mobile app")

    await scan(app, later(1100))
    [breach] = await listed(client, bid)
    assert (breach["kind"], breach["card_id"], breach["data"]["policy_id"]) == (
        "sla_breach",
        other,
        broad,
    )

    await scan(app, later(4100))
    warning = of(await listed(client, bid), "sla_warning")
    assert [(a["card_id"], a["data"]["policy_id"]) for a in warning] == [(payments, narrow)]


async def test_a_policy_added_or_changed_later_applies_to_existing_cards(client, app):
    bid, (triage, _, _) = await make_board(client, [TRIAGE, active(), DONE])
    cid = await card(client, bid, triage, channel="chat")
    await scan(app, later(1100))
    assert await listed(client, bid) == []  # no policy yet

    pid = await add_policy(client, bid, channel="chat", frt_seconds=5000)
    await scan(app, later(1100))
    assert await listed(client, bid) == []  # 22% of 5000

    r = await client.patch(f"/api/boards/{bid}/sla-policies/{pid}", json={"frt_seconds": 1000})
    assert r.status_code == 200, r.text
    await scan(app, later(1100))
    assert [(a["kind"], a["card_id"]) for a in await listed(client, bid)] == [("sla_breach", cid)]


async def test_the_sla_clock_pauses_while_the_card_waits_on_the_customer(client, app):
    bid, (triage, waiting_col, _, _) = await make_board(
        client,
        [
            TRIAGE,
            {"name": "Waiting on customer", "stage": "backlog", "waits_on_customer": True},
            active(),
            DONE,
        ],
    )
    await add_policy(client, bid, ttr_seconds=1000)
    plain = await card(client, bid, triage, title="Never waited")
    waiting = await card(client, bid, waiting_col, title="Waiting right now")
    waited = await card(client, bid, waiting_col, title="Waited 500 s, then came back")
    # The stays carry real-clock times, so the history is made by moving the card's own
    # timestamps back: 500 s in the waiting column, a move back to Triage, 400 s more.
    await age_card(app, waited, 500)
    await move(client, waited, triage)
    await age_card(app, waited, 400)
    for cid in (plain, waiting):
        await age_card(app, cid, 900)

    await scan(app, later(300))  # every card is 1200 s old

    breaches = of(await listed(client, bid), "sla_breach")
    assert [a["card_id"] for a in breaches] == [plain]
    assert 1190 < breaches[0]["data"]["measured_seconds"] < 1260
    # ``waited``: 1200 - 500 = 700 s of business clock, under the 80 % warning line too;
    # ``waiting``: its clock has not run at all.
    assert of(await every_alert(client, bid), "sla_warning") == []


# -- WIP ----------------------------------------------------------------------------


async def test_a_soft_wip_breach_alerts_only_after_one_scan_interval_over_the_limit(client, app):
    bid, (_, inv, _) = await make_board(
        client, [TRIAGE, active(wip_limit=1, wip_policy="soft"), DONE]
    )
    await card(client, bid, inv)
    await card(client, bid, inv)  # soft: admitted, two cards over a limit of one
    interval = app.state.alerts.interval_seconds
    first = utcnow()

    await scan(app, first)
    assert await listed(client, bid) == []  # just noticed: could be a blip
    await scan(app, first + timedelta(seconds=interval - 1))
    assert await listed(client, bid) == []

    await scan(app, first + timedelta(seconds=interval))
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["column_id"], alert["card_id"]) == ("wip_breach", inv, None)
    assert alert["card_title"] is None


async def test_a_hard_limited_or_unlimited_column_never_breaches(client, app):
    bid, (_, inv, unlimited) = await make_board(
        client,
        [TRIAGE, active(wip_limit=5), {"name": "Escalated", "stage": "active"}],
    )
    for column in (inv, inv, unlimited, unlimited):
        await card(client, bid, column)
    first = utcnow()
    await scan(app, first)
    await scan(app, first + timedelta(days=1))
    assert of(await listed(client, bid), "wip_breach") == []


# -- swarms -------------------------------------------------------------------------


async def test_a_swarm_nobody_joined_alerts_after_swarm_answer_seconds(client, app, as_user):
    bid, (triage, _, _) = await make_board(
        client, [TRIAGE, active(), DONE], swarm_answer_seconds=600
    )
    lonely = await card(client, bid, triage)
    helped = await card(client, bid, triage)
    assert (await ask(client, lonely, ["sql"])).status_code == 201
    r = await ask(client, helped, ["sql"])
    assert r.status_code == 201, r.text
    _, token = await person(client, bid, skills={"sql": 2})
    joined = await as_user(token).post(f"/api/swarms/{r.json()['id']}/join")
    assert joined.status_code == 200, joined.text

    await scan(app, later(540))
    assert await listed(client, bid) == []

    await scan(app, later(660))
    [alert] = await listed(client, bid)
    assert (alert["kind"], alert["card_id"]) == ("swarm_unanswered", lonely)
    assert alert["data"]["threshold_seconds"] == 600
