"""A backlog of cards standing in SLA breach: later scans leave the standing alerts
alone and change exactly the ones whose condition changed, whether the scan applies the
changes subject by subject or, past its list bound, set-based over every card."""

from __future__ import annotations

from collections import Counter

import pytest

from app.alerts import scan as alert_scan
from tests.alerts.helpers import (
    add_policy,
    alert_events,
    card,
    later,
    listed,
    make_board,
    move,
    of,
    scan,
)

TRIAGE = {"name": "Triage", "stage": "backlog"}
ACTIVE = {"name": "Investigating", "stage": "active"}
DONE = {"name": "Resolved", "stage": "done"}


async def changed(client, board_id: int, seen: int) -> tuple[dict[str, int], dict[str, int]]:
    """(raised, resolved) alert kinds on this board after its first ``seen`` alert events.

    Read from the board's own event log: a scan covers every board of the database,
    and other tests' boards share it.
    """
    new = (await alert_events(client, board_id))[seen:]
    raised = Counter(e["data"]["kind"] for e in new if e["type"] == "alert.raised")
    resolved = Counter(e["data"]["kind"] for e in new if e["type"] == "alert.resolved")
    return dict(raised), dict(resolved)


@pytest.mark.parametrize("list_bound", [alert_scan.BY_LIST_MAX, 0], ids=["by-list", "set-based"])
async def test_standing_breaches_stay_quiet_and_only_changed_cards_clear(
    client, app, monkeypatch, list_bound
):
    monkeypatch.setattr(alert_scan, "BY_LIST_MAX", list_bound)
    bid, (triage, active, done) = await make_board(client, [TRIAGE, ACTIVE, DONE])
    await add_policy(client, bid, frt_seconds=1000, ttr_seconds=5000)
    answered, finished, *standing = [await card(client, bid, triage) for _ in range(4)]

    await scan(app, later(1100))
    assert await changed(client, bid, 0) == ({"sla_breach": 4}, {})
    events_before = await alert_events(client, bid)

    # Nothing changed but the clock: nothing is raised or resolved, no event is appended.
    await scan(app, later(1200))
    assert await alert_events(client, bid) == events_before

    await move(client, answered, active)  # the first response stops the FRT clock
    await move(client, finished, done)
    await scan(app, later(1300))
    assert await changed(client, bid, len(events_before)) == ({}, {"sla_breach": 2})
    still = of(await listed(client, bid), "sla_breach")
    assert sorted(a["card_id"] for a in still) == sorted(standing)
    resolved = [e["data"] for e in await alert_events(client, bid)][len(events_before) :]
    assert sorted((e["card_id"], e["reason"]) for e in resolved) == sorted(
        [(answered, "cleared"), (finished, "cleared")]
    )

    # Past 80% of TTR: the answered card warns; the standing ones are past warning.
    seen = len(await alert_events(client, bid))
    await scan(app, later(4100))
    assert await changed(client, bid, seen) == ({"sla_warning": 1}, {})
    assert [a["card_id"] for a in of(await listed(client, bid), "sla_warning")] == [answered]
