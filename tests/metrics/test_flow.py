"""Flow metrics on hand-built history: every number below is worked out in a comment.

The main fixture is one week, Monday 3 to Sunday 9 March 2025 (days 0-6), on a board
Triage (backlog) | Investigating (active) | Fixing (active) | Resolved (done), looked
at on day 10 at 00:00 ("now"). Times are "day hour:00" after Monday 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.metrics import flow, history
from tests import factories
from tests.metrics.helpers import (
    admin,
    at,
    card_with_history,
    day,
    flow_board,
    forget_new_cards,
    scope,
    ts,
)

NOW = at(10)
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
async def _forget(app: Any) -> AsyncIterator[None]:
    async for _ in forget_new_cards(app):
        yield


async def week(app: Any, client: Any) -> tuple[int, list[int], dict[str, int]]:
    """The week's board: (board id, column ids, card ids by letter)."""
    bid, cols, _ = await flow_board(client)
    tri, inv, fix, res = cols

    async def make(name: str, path: list[tuple[int, Any]], **kw: Any) -> int:
        return await card_with_history(app, client, bid, path, title=f"Card {name}", **kw)

    ids = {
        # A: Triage d0 09 -> Investigating d0 12 -> Resolved d1 00. Cycle 12 h (2 AA days),
        # lead 15 h; Triage 3 h, Investigating 12 h.
        "A": await make("A", [(tri, at(0, 9)), (inv, at(0, 12)), (res, at(1))]),
        # B: Triage d0 10 -> Inv d1 00 -> Fixing d2 00 -> Resolved d3 06. Cycle 54 h (3 days),
        # lead 68 h; Triage 14 h, Inv 24 h, Fixing 30 h. Blocked 2 h (finished spells).
        "B": await make(
            "B", [(tri, at(0, 10)), (inv, at(1)), (fix, at(2)), (res, at(3, 6))], blocked_hours=2
        ),
        # C skipped the active columns: Triage d1 08 -> Resolved d2 08. It starts when it
        # finishes: cycle 0 h (1 day), lead 24 h; Triage 24 h.
        "C": await make("C", [(tri, at(1, 8)), (res, at(2, 8))]),
        # D, reopened: Inv d0 06 -> Resolved d1 00 -> Fixing d2 06 -> Resolved d4 18. Cycle
        # from the first start to the final finish, 108 h (5 days); lead 108 h; Inv 18 h,
        # Fixing 60 h. Counted once, on day 4.
        "D": await make("D", [(inv, at(0, 6)), (res, at(1)), (fix, at(2, 6)), (res, at(4, 18))]),
        # E, open: Triage d2 00 -> Inv d3 00 -> Fixing d5 12. Started d3 00: aged 168 h
        # (8 days) now. Blocked 5 h.
        "E": await make("E", [(tri, at(2)), (inv, at(3)), (fix, at(5, 12))], blocked_hours=5),
        # F, not started: Triage from d5 00.
        "F": await make("F", [(tri, at(5))]),
        # G finished before the range (Resolved since d-3), blocked 7 h: outside blocked.
        "G": await make("G", [(tri, at(-5)), (inv, at(-4)), (res, at(-3))], blocked_hours=7),
        # H finishes after the range: Inv d5 00 -> Resolved d8 00.
        "H": await make("H", [(inv, at(5)), (res, at(8))]),
        # I, open: Inv from d9 12 (aged 12 h, 2 days), blocked 1 h + since d9 18 (6 h).
        "I": await make("I", [(inv, at(9, 12))], blocked_hours=1, blocked_since=at(9, 18)),
    }
    return bid, cols, ids


async def report(app: Any, client: Any, bid: int, first: int, last: int, **kw: Any) -> Any:
    """What GET .../metrics/flow computes (history read, then summarised), at a fixed now."""
    actor = await admin(client)
    limit = kw.pop("limit", flow.DEFAULT_LIMIT)
    loaded = await app.state.db.read(
        history.load,
        actor=actor,
        board_id=bid,
        scope=scope(day(first), day(last), **kw),
        now=ts(NOW),
    )
    return flow.summarise(loaded, limit=limit)


async def test_throughput_counts_final_finishes_once_per_day_and_week(app, client):
    bid, _, _ = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    # A d1, C d2, B d3, D d4 (D's first finish on d1 is not counted; H is after d6).
    assert r["throughput"]["total"] == 4
    assert [d["count"] for d in r["throughput"]["per_day"]] == [0, 1, 1, 1, 1, 0, 0]
    assert r["throughput"]["per_week"] == [{"week_start": day(0), "count": 4}]
    # Wednesday d2 to Tuesday d8: C, B, D in the week of Monday d0, H on d8 in the next.
    r = await report(app, client, bid, 2, 8)
    assert r["throughput"]["per_week"] == [
        {"week_start": day(0), "count": 3},
        {"week_start": day(7), "count": 1},
    ]


async def test_cycle_and_lead_time_percentiles_are_nearest_rank(app, client):
    bid, _, ids = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    ct = r["cycle_time"]
    # Hours sorted 0 (C), 12 (A), 54 (B), 108 (D): p50 is rank ceil(2) = 2, p85 rank
    # ceil(3.4) = 4, p95 rank ceil(3.8) = 4.
    assert (ct["count"], ct["p50"], ct["p85"], ct["p95"]) == (4, 12.0, 108.0, 108.0)
    # AA days 1, 2, 3, 5.
    assert ct["days"] == {"p50": 2, "p85": 5, "p95": 5}
    assert [(i["card_id"], i["hours"], i["days"]) for i in ct["items"]] == [
        (ids["A"], 12.0, 2),
        (ids["C"], 0.0, 1),
        (ids["B"], 54.0, 3),
        (ids["D"], 108.0, 5),
    ]
    d = ct["items"][3]
    assert (d["start"], d["finish"]) == (at(0, 6), at(4, 18))
    # Lead 15 (A), 24 (C), 68 (B), 108 (D).
    assert r["lead_time"] == {"count": 4, "p50": 24.0, "p85": 108.0, "p95": 108.0}


async def test_time_in_column_sums_visits_of_finished_cards(app, client):
    bid, cols, _ = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    rows = {row["name"]: row for row in r["time_in_column"]}
    assert list(rows) == ["Triage", "Investigating", "Fixing"]  # done columns left out
    # Triage: A 3, B 14, C 24 -> median rank 2 = 14, p85 rank ceil(2.55) = 3 = 24.
    assert rows["Triage"] == {
        "column_id": cols[0],
        "name": "Triage",
        "stage": "backlog",
        "cards": 3,
        "median_hours": 14.0,
        "p85_hours": 24.0,
    }
    # Investigating: A 12, D 18, B 24; Fixing: B 30, D 60 (its one visit after the reopen).
    assert (rows["Investigating"]["cards"], rows["Investigating"]["median_hours"]) == (3, 18.0)
    assert rows["Investigating"]["p85_hours"] == 24.0
    assert [rows["Fixing"][k] for k in ("cards", "median_hours", "p85_hours")] == [2, 30.0, 60.0]


async def test_cfd_and_wip_at_the_end_of_each_day(app, client):
    bid, cols, _ = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    tri, inv, fix, res = (str(c) for c in cols)
    assert [c["name"] for c in r["cfd"]["columns"]] == [
        "Triage",
        "Investigating",
        "Fixing",
        "Resolved",
    ]
    got = [[d["counts"][c] for c in (tri, inv, fix, res)] for d in r["cfd"]["days"]]
    assert got == [
        # d0: B in Triage; A and D in Inv (A left at d1 00:00, the next day); G done.
        [1, 2, 0, 1],
        # d1: C Triage; B Inv; A, D (first finish) and G done.
        [1, 1, 0, 3],
        # d2: E Triage (left d3 00:00); B and D (reopened) Fixing; A, C, G done.
        [1, 0, 2, 3],
        # d3: E Inv; D Fixing; A, B, C, G done.
        [0, 1, 1, 4],
        # d4: E Inv; D done again; F and H arrive at d5 00:00, the next day.
        [0, 1, 0, 5],
        # d5 and d6: F Triage, H Inv, E Fixing.
        [1, 1, 1, 5],
        [1, 1, 1, 5],
    ]
    assert [d["date"] for d in r["cfd"]["days"]] == [day(i) for i in range(7)]
    # WIP: Investigating + Fixing at the end of each day; now: E (Fixing) and I (Inv).
    assert [d["wip"] for d in r["wip"]["per_day"]] == [2, 1, 2, 2, 1, 2, 2]
    assert r["wip"]["now"] == 2


async def test_aging_of_open_cards_against_the_ranges_cycle_times(app, client):
    bid, cols, ids = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    aging = r["aging"]
    # Bands are the range's cycle-time percentiles.
    assert aging["bands"] == {"p50": 12.0, "p85": 108.0, "p95": 108.0}
    # Oldest first. E started d3 00: 168 h, days 10 - 3 + 1 = 8, above all 4 cycle times.
    # I started d9 12: 12 h, 2 days; 0 and 12 are at or below it: 2 of 4 = 50%.
    # F never started and is not in an active column: not aging.
    assert aging["count"] == 2
    assert [
        (i["card_id"], i["column_id"], i["age_hours"], i["age_days"], i["percentile"])
        for i in aging["items"]
    ] == [(ids["E"], cols[2], 168.0, 8, 100.0), (ids["I"], cols[1], 12.0, 2, 50.0)]
    assert aging["items"][0]["start"] == at(3)


async def test_blocked_time_counts_the_current_spell(app, client):
    bid, _, ids = await week(app, client)
    r = await report(app, client, bid, 0, 6)
    # I: 1 h + (d10 00 - d9 18) 6 h = 7; E 5 (open); B 2 (finished in range). G's 7 h are
    # outside: it finished before the range. Total 14 h on 3 cards.
    assert r["blocked"]["total_hours"] == 14.0
    assert r["blocked"]["cards"] == 3
    assert [(i["card_id"], i["hours"]) for i in r["blocked"]["items"]] == [
        (ids["I"], 7.0),
        (ids["E"], 5.0),
        (ids["B"], 2.0),
    ]


async def test_limit_caps_items_but_not_totals(app, client):
    bid, _, ids = await week(app, client)
    r = await report(app, client, bid, 0, 6, limit=1)
    # The latest finish (D), the oldest open card (E), the most blocked (I).
    assert [i["card_id"] for i in r["cycle_time"]["items"]] == [ids["D"]]
    assert r["cycle_time"]["truncated"] and r["cycle_time"]["count"] == 4
    assert [i["card_id"] for i in r["aging"]["items"]] == [ids["E"]]
    assert r["aging"]["count"] == 2 and r["aging"]["truncated"]
    assert [i["card_id"] for i in r["blocked"]["items"]] == [ids["I"]]
    assert (r["blocked"]["cards"], r["blocked"]["total_hours"]) == (3, 14.0)
    assert r["throughput"]["total"] == 4


async def test_a_single_card_on_a_single_day(app, client):
    bid, (tri, inv, fix, res), _ = await flow_board(client)
    # Triage d0 08 -> Inv d0 09 -> Resolved d0 17: 8 h, 1 AA day, lead 9 h.
    await card_with_history(app, client, bid, [(tri, at(0, 8)), (inv, at(0, 9)), (res, at(0, 17))])
    r = await report(app, client, bid, 0, 0)
    assert r["throughput"]["per_day"] == [{"date": day(0), "count": 1}]
    assert (r["cycle_time"]["p50"], r["cycle_time"]["p95"]) == (8.0, 8.0)
    assert r["cycle_time"]["days"] == {"p50": 1, "p85": 1, "p95": 1}
    assert r["lead_time"]["p85"] == 9.0
    assert r["cfd"]["days"][0]["counts"] == {str(tri): 0, str(inv): 0, str(fix): 0, str(res): 1}
    assert r["wip"]["per_day"] == [{"date": day(0), "wip": 0}]


async def test_empty_board_and_empty_range_give_zeros_and_nulls(app, client):
    bid, _, _ = await flow_board(client)
    r = await report(app, client, bid, 0, 6)
    assert r["throughput"]["total"] == 0
    assert [d["count"] for d in r["throughput"]["per_day"]] == [0] * 7
    assert r["cycle_time"]["p50"] is None and r["cycle_time"]["days"]["p85"] is None
    assert r["lead_time"] == {"count": 0, "p50": None, "p85": None, "p95": None}
    assert all(row["cards"] == 0 and row["median_hours"] is None for row in r["time_in_column"])
    assert r["aging"]["bands"]["p50"] is None and r["aging"]["items"] == []
    assert r["blocked"] == {"total_hours": 0.0, "cards": 0, "items": [], "truncated": False}
    assert all(set(d["counts"].values()) == {0} for d in r["cfd"]["days"])
    # A range that has not begun yet (now is d10): no days to show, still no error.
    r = await report(app, client, bid, 20, 26)
    assert r["cfd"]["days"] == [] and r["throughput"]["per_day"] == []
    assert r["wip"]["per_day"] == [] and r["throughput"]["per_week"] == []


async def test_filters_pick_lane_channel_product_and_priority(app, client):
    bid, (tri, inv, _, res), board = await flow_board(
        client, lanes=[{"name": "Expedite"}, {"name": "Standard"}]
    )
    fast, std = (lane["id"] for lane in board["lanes"])
    done_path = [(tri, at(0)), (inv, at(1)), (res, at(2))]
    await card_with_history(
        app, client, bid, done_path, lane_id=fast, channel="chat", product="App", priority="high"
    )
    await card_with_history(
        app, client, bid, done_path, lane_id=std, channel="email", product="Web", priority="low"
    )
    await card_with_history(
        app, client, bid, [(tri, at(0)), (inv, at(3))], lane_id=std, channel="chat", product="App"
    )
    # Unfiltered: 2 finished, 1 in Investigating at the end of d6.
    r = await report(app, client, bid, 0, 6)
    assert (r["throughput"]["total"], r["wip"]["per_day"][-1]["wip"]) == (2, 1)
    for filters, finished, wip in (
        ({"lane_id": fast}, 1, 0),
        ({"lane_id": std}, 1, 1),
        ({"channel": "chat"}, 1, 1),
        ({"product": "Web"}, 1, 0),
        ({"priority": "low"}, 1, 0),
        ({"priority": "urgent"}, 0, 0),
    ):
        r = await report(app, client, bid, 0, 6, **filters)
        assert r["throughput"]["total"] == finished, filters
        assert r["wip"]["per_day"][-1]["wip"] == wip, filters
        assert sum(r["cfd"]["days"][-1]["counts"].values()) == finished + wip, filters


# -- the endpoint --------------------------------------------------------------------


async def test_endpoint_serves_the_report_to_a_viewer_and_hides_the_board(app, client, as_user):
    bid, _, _ = await week(app, client)
    viewer, viewer_token = await factories.create_user(client, role="agent")
    await factories.add_member(client, bid, viewer["id"], "viewer")
    params = {"from": str(day(0)), "to": str(day(6))}
    r = await as_user(viewer_token).get(f"/api/boards/{bid}/metrics/flow", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["board_id"], body["from"], body["to"]) == (bid, "2025-03-03", "2025-03-09")
    assert body["throughput"]["total"] == 4
    assert body["cycle_time"]["items"][0]["start"].startswith("2025-03-03T12:00:00")
    assert body["cfd"]["days"][0]["date"] == "2025-03-03"
    # Someone who is not a member learns nothing, not even that the board exists.
    _, outsider = await factories.create_user(client, role="agent")
    r = await as_user(outsider).get(f"/api/boards/{bid}/metrics/flow", params=params)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-03-09", "to": "2025-03-03"},
        {"from": "2020-01-01", "to": "2025-01-01"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"limit": "20001"},
        {"lane": "0"},
        {"channel": "fax"},
    ],
)
async def test_bad_ranges_and_parameters_are_422(client, params):
    bid, _, _ = await flow_board(client)
    r = await client.get(f"/api/boards/{bid}/metrics/flow", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
