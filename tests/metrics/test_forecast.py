"""Monte Carlo forecasts: exact answers where the history leaves no doubt, the exact
distribution where it does (worked out by convolution here), seeds, and refusals."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.metrics import forecast
from app.metrics.forecast import Sample, forecast_how_many, forecast_when
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

PROBLEM = "application/problem+json"
TODAY = date(2025, 3, 13)  # day 10 of the fixtures
MIXED = [0, 1, 3, 0, 6]  # finished on each of five days: 10 in all, 2 a day on average


@pytest.fixture(autouse=True)
async def _forget(app: Any) -> AsyncIterator[None]:
    async for _ in forget_new_cards(app):
        yield


def sample(daily: list[int]) -> Sample:
    return Sample(start=day(0), end=day(len(daily) - 1), today=TODAY, daily=daily)


def step(dist: dict[int, float], daily: list[int]) -> dict[int, float]:
    """The distribution of a total one more day later (a uniform draw from ``daily``)."""
    nxt: dict[int, float] = {}
    for total, p in dist.items():
        for v in daily:
            nxt[total + v] = nxt.get(total + v, 0.0) + p / len(daily)
    return nxt


def sum_distribution(daily: list[int], days: int) -> dict[int, float]:
    """P(total = v) after ``days`` days."""
    dist = {0: 1.0}
    for _ in range(days):
        dist = step(dist, daily)
    return dist


def quantile(dist: dict[int, float], q: float) -> int:
    """The smallest value whose cumulative probability reaches ``q``."""
    acc = 0.0
    for value in sorted(dist):
        acc += dist[value]
        if acc >= q - 1e-12:
            return value
    raise AssertionError("unreachable")


# -- exact answers -------------------------------------------------------------------


def test_a_steady_history_gives_one_answer_at_every_level() -> None:
    steady = sample([2, 2, 2, 2, 2])
    # Two a day, from tomorrow (day 11) through day 13: 3 days x 2 = 6.
    r = forecast_how_many(steady, until=day(13), seed=1)
    assert (r["days"], r["p50"], r["p85"], r["p95"]) == (3, 6, 6, 6)
    # Seven items at two a day: 2, 4, 6, 8 -> done on the 4th day, day 14.
    r = forecast_when(steady, items=7, seed=1)
    assert r["p50"] == r["p85"] == r["p95"] == {"date": day(14), "days": 4}


def test_how_many_matches_the_exact_distribution() -> None:
    r = forecast_how_many(sample(MIXED), until=TODAY + timedelta(days=10), seed=2024)
    exact = sum_distribution(MIXED, 10)
    # p85 is reached in 85% of runs: the 15th percentile of outcomes; p95 the 5th.
    assert abs(r["p50"] - quantile(exact, 0.50)) <= 1
    assert abs(r["p85"] - quantile(exact, 0.15)) <= 1
    assert abs(r["p95"] - quantile(exact, 0.05)) <= 1
    assert r["p95"] <= r["p85"] <= r["p50"] <= 60
    assert r["history"] == {
        "from": day(0),
        "to": day(4),
        "days": 5,
        "finished": 10,
        "mean_per_day": 2.0,
    }


def test_when_matches_the_exact_distribution() -> None:
    items = 50
    r = forecast_when(sample(MIXED), items=items, seed=99)
    # P(done within d days) = P(total after d days >= 50).
    reached: dict[int, float] = {}
    dist = {0: 1.0}
    for d in range(1, 100):
        dist = step(dist, MIXED)
        reached[d] = sum(p for v, p in dist.items() if v >= items)
    levels = {}
    for level in (50, 85, 95):
        levels[level] = min(d for d, p in reached.items() if p >= level / 100 - 1e-12)
        got = r[f"p{level}"]
        assert abs(got["days"] - levels[level]) <= 1, (level, got, levels)
        assert got["date"] == TODAY + timedelta(days=got["days"])
    assert r["p50"]["days"] <= r["p85"]["days"] <= r["p95"]["days"]


def test_a_seed_repeats_the_answer_and_no_seed_draws_one() -> None:
    s = sample(MIXED)
    first = forecast_how_many(s, until=day(40), seed=5, runs=20_000)
    assert forecast_how_many(s, until=day(40), seed=5, runs=20_000) == first
    drawn = forecast_when(s, items=30)
    assert isinstance(drawn["seed"], int)
    assert forecast_when(s, items=30, seed=drawn["seed"]) == drawn


def test_beyond_the_ten_year_horizon_is_no_date() -> None:
    # Even six a day, every day for 3,653 days, is 21,918 < 30,000.
    r = forecast_when(sample(MIXED), items=30_000, seed=1)
    assert r["horizon_days"] == 3_653
    assert r["p50"] == {"date": None, "days": None}


def test_without_history_how_many_is_zero_and_when_is_refused() -> None:
    r = forecast_how_many(sample([0, 0, 0]), until=day(12), seed=1)
    assert (r["p50"], r["p85"], r["p95"]) == (0, 0, 0)
    assert r["history"]["mean_per_day"] == 0.0
    with pytest.raises(forecast.NoThroughputHistory):
        forecast_when(sample([0, 0, 0]), items=1, seed=1)


@pytest.mark.parametrize("until", [TODAY, TODAY - timedelta(days=3), TODAY + timedelta(1099)])
def test_until_must_be_after_today_and_within_three_years(until: date) -> None:
    with pytest.raises(forecast.ValidationFailed):
        forecast_how_many(sample(MIXED), until=until, seed=1)


# -- from the board ------------------------------------------------------------------


async def mixed_board(app: Any, client: Any) -> int:
    """A board whose cards finished 0, 1, 3, 0, 6 on days 0-4 (at 10:00, after an hour
    in Investigating), plus one still open that must not count."""
    bid, (tri, inv, _, res), _ = await flow_board(client)
    for d, n in enumerate(MIXED):
        for _ in range(n):
            await card_with_history(app, client, bid, [(inv, at(d, 9)), (res, at(d, 10))])
    await card_with_history(app, client, bid, [(tri, at(0)), (inv, at(2))])
    return bid


async def test_the_history_is_the_boards_daily_throughput(app, client):
    bid = await mixed_board(app, client)
    actor = await admin(client)
    s = await app.state.db.read(
        forecast.sample, actor=actor, board_id=bid, scope=scope(day(0), day(4)), now=ts(at(10))
    )
    assert s.daily == MIXED
    r = await app.state.db.read(
        forecast.how_many,
        actor=actor,
        board_id=bid,
        scope=scope(day(0), day(4)),
        until=day(20),
        seed=2024,
        now=ts(at(10)),
    )
    assert r == forecast_how_many(sample(MIXED), until=day(20), seed=2024)
    # A history window that runs past today only has the days up to today.
    s = await app.state.db.read(
        forecast.sample, actor=actor, board_id=bid, scope=scope(day(2), day(8)), now=ts(at(4))
    )
    assert (s.daily, s.end) == ([3, 0, 6], day(4))


async def test_endpoints_answer_a_viewer_and_repeat_with_the_seed(app, client, as_user):
    bid = await mixed_board(app, client)
    viewer, token = await factories.create_user(client, role="agent")
    await factories.add_member(client, bid, viewer["id"], "viewer")
    reader = as_user(token)
    today = datetime.now(UTC).date()
    window = {"from": str(day(0)), "to": str(day(4))}
    url = f"/api/boards/{bid}/metrics/forecast"
    r = await reader.get(f"{url}/how-many", params={**window, "until": str(today + timedelta(30))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["runs"], body["days"] >= 29) == (10_000, True)
    assert body["history"] == {
        "from": "2025-03-03",
        "to": "2025-03-07",
        "days": 5,
        "finished": 10,
        "mean_per_day": 2.0,
    }
    assert body["p95"] <= body["p85"] <= body["p50"] <= 6 * body["days"]
    again = await reader.get(
        f"{url}/how-many",
        params={**window, "until": body["until"], "seed": body["seed"]},
    )
    assert again.json() == body
    r = await reader.get(f"{url}/when", params={**window, "items": 25, "seed": 3, "runs": 20000})
    assert r.status_code == 200, r.text
    when = r.json()
    assert when["runs"] == 20_000 and when["seed"] == 3
    days = [when[p]["days"] for p in ("p50", "p85", "p95")]
    assert days == sorted(days) and days[0] >= math.ceil(25 / 6)
    _, outsider = await factories.create_user(client, role="agent")
    r = await as_user(outsider).get(f"{url}/when", params={**window, "items": 5})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


async def test_when_without_throughput_is_a_422_that_says_why(client):
    bid, _, _ = await flow_board(client)
    r = await client.get(
        f"/api/boards/{bid}/metrics/forecast/when",
        params={"from": str(day(0)), "to": str(day(4)), "items": 5},
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("/no-throughput-history")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("how-many", {"until": "TODAY"}),
        ("how-many", {"until": "TODAY+1200"}),
        ("how-many", {}),
        ("how-many", {"until": "TODAY+5", "runs": 9_999}),
        ("how-many", {"until": "TODAY+5", "runs": 100_001}),
        ("how-many", {"until": "TODAY+5", "seed": -1}),
        ("when", {"items": 0}),
        ("when", {"items": 5, "from": "2025-03-09", "to": "2025-03-01"}),
    ],
)
async def test_bad_forecast_parameters_are_422(client, path, params):
    bid, _, _ = await flow_board(client)
    today = datetime.now(UTC).date()
    if "until" in params:
        extra = params["until"].removeprefix("TODAY").removeprefix("+") or "0"
        params = {**params, "until": str(today + timedelta(days=int(extra)))}
    r = await client.get(f"/api/boards/{bid}/metrics/forecast/{path}", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
