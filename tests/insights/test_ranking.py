"""Ranking insights: impact x frequency / effort, with every component shown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import factories
from tests.insights.helpers import insight, make_insight, member, patch, png, upload
from tests.swarm.helpers import ask


async def _link(client: httpx.AsyncClient, newer: int, earlier: int) -> None:
    r = await client.post(f"/api/cards/{newer}/links", json={"card_id": earlier, "kind": "repeat"})
    assert r.status_code == 201, r.text


async def _swarm(
    client: httpx.AsyncClient, as_user: Any, card_id: int, tokens: list[str], *, end: bool = False
) -> None:
    swarm = (await ask(client, card_id, ["billing"])).json()
    for token in tokens:
        r = await as_user(token).post(f"/api/swarms/{swarm['id']}/join")
        assert r.status_code == 200, r.text
    if end:
        r = await client.post(f"/api/swarms/{swarm['id']}/cancel", json={"reason": "wrong team"})
        assert r.status_code == 200, r.text


async def _page(client: httpx.AsyncClient, board_id: int, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/insights", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
async def ranked(client, as_user) -> dict[str, Any]:
    """Seven cards, six of them insights, with hand-computed scores.

    =====  ======  ======  =========  ======  =====  ========
    card   impact  effort  frequency  score   teams  complete
    =====  ======  ======  =========  ======  =====  ========
    A      1000    10      3          300     2      yes
    B      500     2       1          250     0      no
    C      200     1       2          400     2      yes
    D      900     -       1          -       0      no
    E      -       -       1          -       0      no (evidence only)
    F      -       -       1          -       0      not an insight
    G      250     1       1          250     0      no
    =====  ======  ======  =========  ======  =====  ========
    """
    board = await factories.create_board(client)
    bid = board["id"]
    assert (await client.patch(f"/api/boards/{bid}", json={"currency": "EUR"})).status_code == 200
    a, b, c, d, e, f, g = [(await factories.create_card(client, bid))["id"] for _ in range(7)]
    await make_insight(client, a, impact_per_month=1000, effort_hours=10, owner_team="Payments")
    await patch(client, b, impact_per_month=500, effort_hours=2, problem_statement="Slow refunds")
    await make_insight(client, c, impact_per_month=200, effort_hours=1, owner_team="Data")
    await patch(client, d, impact_per_month=900, owner_team="Infra")
    assert (await upload(client, e, png())).status_code == 201
    await patch(client, g, impact_per_month=250, effort_hours=1)
    # Later tickets repeating earlier ones: A came back twice, C once.
    repeats = [(await factories.create_card(client, bid))["id"] for _ in range(3)]
    await _link(client, repeats[0], a)
    await _link(client, repeats[1], a)
    await _link(client, repeats[2], c)
    # A's swarm: Payments twice, Infra, and someone without a team -> two teams.
    # C's swarms: Data in a cancelled one, then Data and Infra -> two teams.
    teams = ("Payments", "Payments", "Infra", None, "Data")
    people = [(await member(client, bid, team=team))[1] for team in teams]
    await _swarm(client, as_user, a, people[:4])
    await _swarm(client, as_user, c, people[4:], end=True)
    await _swarm(client, as_user, c, [people[4], people[2]])
    return {"board_id": bid, **dict(zip("abcdefg", (a, b, c, d, e, f, g), strict=True))}


async def test_the_ranking_is_impact_times_frequency_over_effort(client, ranked):
    page = await _page(client, ranked["board_id"])

    assert (page["total"], page["limit"], page["offset"]) == (6, 50, 0)
    assert page["currency"] == "EUR"
    by_card = {item["card_id"]: item for item in page["items"]}
    assert [item["card_id"] for item in page["items"]] == [ranked[k] for k in "cabgde"]
    expected = {
        # card: (impact, frequency, effort, score, teams, evidence, complete)
        "a": (1000, 3, 10, 300, 2, 1, True),
        "b": (500, 1, 2, 250, 0, 0, False),
        "c": (200, 2, 1, 400, 2, 1, True),
        "d": (900, 1, None, None, 0, 0, False),
        "e": (None, 1, None, None, 0, 1, False),
        "g": (250, 1, 1, 250, 0, 0, False),
    }
    for key, (impact, freq, effort, score, teams, evidence, complete) in expected.items():
        item = by_card[ranked[key]]
        assert (
            item["impact_per_month"],
            item["frequency"],
            item["effort_hours"],
            item["teams_needed"],
            item["evidence_count"],
            item["complete"],
        ) == (impact, freq, effort, teams, evidence, complete), key
        assert item["score"] == (None if score is None else pytest.approx(score)), key
    assert by_card[ranked["b"]]["missing"] == [
        "evidence",
        "suggested_fix",
        "owner_team",
    ]
    assert by_card[ranked["d"]]["owner_team"] == "Infra"
    assert by_card[ranked["a"]]["column_name"] == "Triage"
    assert ranked["f"] not in by_card


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("score", "cabgde"),
        ("impact", "adbgce"),
        ("frequency", "acbdeg"),
        ("effort", "cgbade"),
        ("recent", "gedcba"),
    ],
)
async def test_every_sort_order(client, ranked, sort, order):
    page = await _page(client, ranked["board_id"], sort=sort)

    assert [item["card_id"] for item in page["items"]] == [ranked[k] for k in order]
    assert page["sort"] == sort


async def test_complete_and_incomplete_insights_and_pages(client, ranked):
    bid = ranked["board_id"]

    done = await _page(client, bid, complete="true")
    todo = await _page(client, bid, complete="false")
    pages = [await _page(client, bid, limit=2, offset=offset) for offset in (0, 2, 4, 6)]

    assert [i["card_id"] for i in done["items"]] == [ranked["c"], ranked["a"]]
    assert done["total"] == 2 and all(i["missing"] == [] for i in done["items"])
    assert [i["card_id"] for i in todo["items"]] == [ranked[k] for k in "bgde"]
    assert todo["total"] == 4 and all(i["missing"] for i in todo["items"])
    assert [[i["card_id"] for i in p["items"]] for p in pages] == [
        [ranked["c"], ranked["a"]],
        [ranked["b"], ranked["g"]],
        [ranked["d"], ranked["e"]],
        [],
    ]
    assert [p["total"] for p in pages] == [6, 6, 6, 6]


async def test_one_cards_insight_shows_its_parts(client, ranked):
    shown = await insight(client, ranked["a"])

    assert shown["card_id"] == ranked["a"] and shown["currency"] == "EUR"
    assert (shown["frequency"], shown["teams_needed"], shown["complete"]) == (3, 2, True)
    assert shown["score"] == pytest.approx(300)
    assert shown["suggested_fix"] == "Fall back to store credit and tell the customer"
    assert [e["content_type"] for e in shown["evidence"]] == ["image/png"]
    assert shown["evidence"][0]["url"] == f"/api/evidence/{shown['evidence'][0]['id']}/content"
    plain = await insight(client, ranked["f"])
    assert (plain["frequency"], plain["score"], plain["teams_needed"]) == (1, None, 0)
    assert (plain["evidence"], plain["complete"]) == ([], False)
    assert plain["missing"][0] == "evidence" and len(plain["missing"]) == 6


async def test_an_empty_board_has_no_insights(client):
    board = await factories.create_board(client)
    await factories.create_card(client, board["id"])  # a card, but not an insight

    page = await _page(client, board["id"])

    assert page["items"] == [] and page["total"] == 0
    assert (page["currency"], page["sort"], page["offset"]) == ("USD", "score", 0)


async def test_members_read_insights_and_outsiders_get_404(client, as_user, ranked):
    _, viewer_token = await member(client, ranked["board_id"], "viewer")
    _, outsider_token = await factories.create_user(client)
    viewer, outsider = as_user(viewer_token), as_user(outsider_token)

    assert (await _page(viewer, ranked["board_id"]))["total"] == 6
    assert (await insight(viewer, ranked["a"]))["score"] == pytest.approx(300)
    for url in (f"/api/boards/{ranked['board_id']}/insights", f"/api/cards/{ranked['a']}/insight"):
        r = await outsider.get(url)
        assert r.status_code == 404, r.text
    bad = await client.get(f"/api/boards/{ranked['board_id']}/insights", params={"sort": "luck"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["sort"]
