"""Swarm metrics: how often, how big, how fast, how many teams, and cycle time with and
without a swarm, on the fixed calendar of ``support_helpers`` (hours after 3 March 2025;
the range is hours 0 to 336)."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.metrics.support_helpers import make_board, pin, pin_swarm, swarms
from tests.swarm.helpers import ask, person

PROBLEM = "application/problem+json"


async def _swarm(
    client: httpx.AsyncClient, app: Any, card_id: int, hour: float, helpers: list[Any]
) -> int:
    """A swarm on the card requested at ``hour``, joined by each helper (a client)."""
    r = await ask(client, card_id, ["refunds"])
    assert r.status_code == 201, r.text
    swarm_id = int(r.json()["id"])
    for helper in helpers:
        joined = await helper.post(f"/api/swarms/{swarm_id}/join")
        assert joined.status_code == 200, joined.text
    await pin_swarm(app, swarm_id, hour)
    return swarm_id


async def _card(client: httpx.AsyncClient, board_id: int, channel: str = "email") -> int:
    return int((await factories.create_card(client, board_id, channel=channel))["id"])


async def test_swarm_size_time_to_swarm_teams_and_cycle_time(client, app, as_user):
    b, col = await make_board(client)
    t, w, r = col["Triage"], col["Working"], col["Resolved"]
    people = {}
    for name, team in (("u1", "Payments"), ("u2", "Payments"), ("u3", "Platform")):
        _, token = await person(client, b, team=team)
        people[name] = as_user(token)
    for name in ("u4", "u5"):  # u4 has no team (a team of one); u5 is in Mobile
        _, token = await person(client, b, team="Mobile" if name == "u5" else None)
        people[name] = as_user(token)
    u1, u2, u3, u4, u5 = (people[n] for n in ("u1", "u2", "u3", "u4", "u5"))

    # S1: started at 2, swarmed at 4 by two people of one team; finished at 12 (10h).
    s1 = await _card(client, b, channel="chat")
    await _swarm(client, app, s1, 4, [u1, u2])
    await pin(app, s1, created=0, path=[(t, 0), (w, 2), (r, 12)])
    # S2: swarmed at 2 before it started (at 5): timed from creation (1); a second swarm
    # at 8. Teams: Payments, Platform, u4 alone, Mobile. Finished at 25 (20h).
    s2 = await _card(client, b)
    first = await _swarm(client, app, s2, 2, [u1, u3, u4])
    cancelled = await client.post(f"/api/swarms/{first}/cancel", json={"reason": "split"})
    assert cancelled.status_code == 200, cancelled.text
    await _swarm(client, app, s2, 8, [u5])
    await pin(app, s2, created=1, path=[(t, 1), (w, 5), (r, 25)])
    # S3: swarmed at 6, 3h after it started; nobody joined; still open.
    s3 = await _card(client, b)
    await _swarm(client, app, s3, 6, [])
    await pin(app, s3, created=2, path=[(t, 2), (w, 3)])
    # S6: swarmed at 5, an hour after it started, by Payments and Platform; open.
    s6 = await _card(client, b)
    await _swarm(client, app, s6, 5, [u1, u3])
    await pin(app, s6, created=3, path=[(t, 3), (w, 4)])
    # S4: swarmed before the range, finished in it after 45h: a swarmed cycle time.
    s4 = await _card(client, b)
    await _swarm(client, app, s4, -10, [u2])
    await pin(app, s4, created=-20, path=[(t, -20), (w, -15), (r, 30)])
    # S5: finished at 20 (9h) and swarmed only after the range: not swarmed then.
    s5 = await _card(client, b)
    await _swarm(client, app, s5, 400, [])
    await pin(app, s5, created=10, path=[(t, 10), (w, 11), (r, 20)])
    # Never swarmed: 4h, 6h and 12h.
    for start, finish in ((1, 5), (2, 8), (1, 13)):
        card = await _card(client, b)
        await pin(app, card, created=0, path=[(t, 0), (w, start), (r, finish)])

    report = await swarms(client, b)
    assert (report["from"], report["to"]) == ("2025-03-03", "2025-03-16")
    # In range: S1, S2 (twice), S3, S6.
    assert (report["cards_swarmed"], report["swarms"]) == (4, 5)
    # Sizes 2, 3, 1, 0, 2 -> sorted 0 1 2 2 3: the median is the 3rd.
    assert report["median_swarm_size"] == 2.0
    # First swarm per card: S1 2h, S2 1h, S3 3h, S6 1h -> sorted 1h 1h 2h 3h: the 2nd.
    assert report["median_time_to_swarm_seconds"] == 3600.0
    # Swarmed 10h, 20h, 45h; not swarmed 4h, 6h, 9h, 12h (nearest rank).
    assert report["cycle_time"] == {
        "swarmed": {"count": 3, "p50": 20.0, "p85": 45.0},
        "not_swarmed": {"count": 4, "p50": 6.0, "p85": 12.0},
    }
    # S1 one team, S6 two, S2 four; S3 had nobody.
    assert report["teams_needed"] == {"1": 1, "2": 1, "3+": 1}

    chat = await swarms(client, b, channel="chat")
    assert (chat["cards_swarmed"], chat["swarms"], chat["median_swarm_size"]) == (1, 1, 2.0)
    assert chat["median_time_to_swarm_seconds"] == 7200.0
    assert chat["cycle_time"] == {
        "swarmed": {"count": 1, "p50": 10.0, "p85": 10.0},
        "not_swarmed": {"count": 0, "p50": None, "p85": None},
    }
    assert chat["teams_needed"] == {"1": 1, "2": 0, "3+": 0}


async def test_no_swarms_in_the_range_gives_zeros_and_nulls(client, app):
    b, col = await make_board(client)
    card = await _card(client, b)
    await pin(app, card, created=0, path=[(col["Triage"], 0), (col["Working"], 1)])
    await _swarm(client, app, card, 2, [])

    report = await swarms(client, b, **{"from": "2024-06-01", "to": "2024-06-30"})
    assert report == {
        "board_id": b,
        "from": "2024-06-01",
        "to": "2024-06-30",
        "cards_swarmed": 0,
        "swarms": 0,
        "median_swarm_size": None,
        "median_time_to_swarm_seconds": None,
        "cycle_time": {
            "swarmed": {"count": 0, "p50": None, "p85": None},
            "not_swarmed": {"count": 0, "p50": None, "p85": None},
        },
        "teams_needed": {"1": 0, "2": 0, "3+": 0},
    }


async def test_viewers_read_swarm_metrics_and_outsiders_get_404(client, as_user):
    b, _ = await make_board(client)
    viewer, viewer_token = await factories.create_user(client, role="viewer")
    await factories.add_member(client, b, viewer["id"], "viewer")
    _, outsider_token = await factories.create_user(client)

    seen = await as_user(viewer_token).get(f"/api/boards/{b}/metrics/swarms")
    assert seen.status_code == 200 and seen.json()["cards_swarmed"] == 0
    hidden = await as_user(outsider_token).get(f"/api/boards/{b}/metrics/swarms")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM
    bad = await client.get(f"/api/boards/{b}/metrics/swarms", params={"segment": "vip"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
