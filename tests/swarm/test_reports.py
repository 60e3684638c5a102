"""Knowledge base, "swarms needing help", teams a fix needs and contribution credit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests import factories
from tests.swarm.helpers import ask, person


async def _resolved(
    client: Any,
    as_user: Any,
    token: str,
    board_id: int,
    *,
    skills: list[str],
    question: str,
    outcome: str,
    knowledge: str,
) -> dict[str, Any]:
    card = await factories.create_card(client, board_id)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], skills, question=question)).json()
        r = await me.post(
            f"/api/swarms/{swarm['id']}/resolve", json={"outcome": outcome, "knowledge": knowledge}
        )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_knowledge_search_matches_question_outcome_and_note(client, as_user):
    bid = (await factories.create_board(client))["id"]
    _, token = await person(client, bid)
    vpn = await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["network"],
        question="VPN drops every hour",
        outcome="MTU too large",
        knowledge="Set MTU to 1400 on the client profile",
    )
    await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["billing"],
        question="Invoice shows 100% discount",
        outcome="Coupon stacked twice",
        knowledge="Disable coupon stacking",
    )
    async with as_user(token) as me:
        by_question = (await me.get("/api/knowledge", params={"q": "vpn"})).json()
        by_note = (await me.get("/api/knowledge", params={"q": "mtu profile"})).json()
        both_words = (await me.get("/api/knowledge", params={"q": "mtu coupon"})).json()
        percent = (await me.get("/api/knowledge", params={"q": "100%"})).json()
        literal = (await me.get("/api/knowledge", params={"q": "%"})).json()
        everything = (await me.get("/api/knowledge", params={"board_id": bid, "limit": 1})).json()
    assert [i["swarm_id"] for i in by_question["items"]] == [vpn["id"]]
    assert by_note["items"][0]["knowledge"] == "Set MTU to 1400 on the client profile"
    assert both_words["total"] == 0  # every word must match
    assert percent["total"] == 1
    assert literal["total"] == 1  # % is a character here, not a wildcard
    assert everything["total"] == 2 and len(everything["items"]) == 1


async def test_knowledge_never_shows_another_boards_notes(client, as_user):
    mine = (await factories.create_board(client))["id"]
    theirs = (await factories.create_board(client))["id"]
    _, my_token = await person(client, mine)
    _, their_token = await person(client, theirs)
    await _resolved(
        client,
        as_user,
        their_token,
        theirs,
        skills=["sql"],
        question="Secret customer escalation",
        outcome="o",
        knowledge="k",
    )
    async with as_user(my_token) as me:
        found = (await me.get("/api/knowledge", params={"q": "secret"})).json()
        filtered = await me.get("/api/knowledge", params={"board_id": theirs})
        card = await factories.create_card(client, mine)
        swarm = (await ask(me, card["id"], ["sql"], question="Secret customer escalation")).json()
    assert found["total"] == 0
    assert filtered.status_code == 404
    assert swarm["suggested_knowledge"] == []


async def test_a_new_request_suggests_up_to_three_earlier_notes_best_first(client, as_user):
    bid = (await factories.create_board(client))["id"]
    _, token = await person(client, bid)
    best = await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["postgres", "replication"],
        question="Replica lag grows",
        outcome="o",
        knowledge="k",
    )
    words = await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["billing"],
        question="Replica lag after invoice run",
        outcome="o",
        knowledge="k",
    )
    skill = await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["postgres"],
        question="Slow query",
        outcome="o",
        knowledge="k",
    )
    await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["postgres"],
        question="Disk full",
        outcome="o",
        knowledge="k",
    )
    await _resolved(
        client,
        as_user,
        token,
        bid,
        skills=["printing"],
        question="Printer jams",
        outcome="o",
        knowledge="k",
    )
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (
            await ask(
                me,
                card["id"],
                ["postgres", "replication"],
                question="Replica lag on the reporting node",
            )
        ).json()
    suggested = [k["swarm_id"] for k in swarm["suggested_knowledge"]]
    assert len(suggested) == 3
    assert suggested[0] == best["id"]
    assert words["id"] in suggested or skill["id"] in suggested
    assert all(k["knowledge"] for k in swarm["suggested_knowledge"])


async def test_swarms_needing_help_are_those_missing_one_of_my_skills(client, as_user):
    bid = (await factories.create_board(client))["id"]
    _, token = await person(client, bid)
    me_user, me_token = await person(client, bid, skills={"kernel": 3, "sql": 1})
    await person(client, bid, skills={"sql": 3})
    cards = [await factories.create_card(client, bid) for _ in range(3)]
    async with as_user(token) as asker:
        # kernel: I was invited; dns: nobody has it; sql alone: the sql expert is invited.
        mine = (await ask(asker, cards[0]["id"], ["kernel"])).json()
        unrelated = (await ask(asker, cards[1]["id"], ["dns"])).json()
        covered = (await ask(asker, cards[2]["id"], ["sql"])).json()
    assert [i["user_id"] for i in mine["invitations"]] == [me_user["id"]]
    async with as_user(me_token) as me:
        listed = (await me.get("/api/swarms/needing-help", params={"board_id": bid})).json()
        invites = (await me.get("/api/users/me/invitations")).json()
        await me.post(f"/api/swarms/{mine['id']}/join")
        after = (await me.get("/api/swarms/needing-help")).json()
    assert [s["id"] for s in listed["swarms"]] == [mine["id"]]
    assert unrelated["id"] not in [s["id"] for s in listed["swarms"]]
    assert covered["id"] not in [s["id"] for s in listed["swarms"]]
    assert [(i["swarm_id"], i["card_id"]) for i in invites] == [(mine["id"], cards[0]["id"])]
    assert after["total"] == 0


async def test_teams_a_fix_needs_counts_distinct_teams_per_card(client, as_user):
    bid = (await factories.create_board(client))["id"]
    _, token = await person(client, bid)
    helpers = [
        await person(client, bid, team=team)
        for team in ("Payments", "Payments", "Infra", "Data", "Infra")
    ]

    async def swarm_with(indices: list[int]) -> None:
        card = await factories.create_card(client, bid)
        async with as_user(token) as asker:
            swarm = (await ask(asker, card["id"], ["x"])).json()
        for i in indices:
            async with as_user(helpers[i][1]) as them:
                assert (await them.post(f"/api/swarms/{swarm['id']}/join")).status_code == 200

    await swarm_with([0, 1])  # one team twice
    await swarm_with([0, 2])  # two teams
    await swarm_with([0, 2, 3])  # three teams
    await swarm_with([1, 2, 3, 4])  # three teams, Infra twice
    report = (await client.get(f"/api/boards/{bid}/swarms/teams")).json()
    assert report["cards_swarmed"] == 4
    assert report["distribution"] == {"1": 1, "2": 1, "3+": 2}
    assert report["cards"][0]["teams"] == ["Data", "Infra", "Payments"]


async def test_contributions_credit_the_helpers_not_the_closer(client, as_user):
    bid = (await factories.create_board(client))["id"]
    closer, closer_token = await person(client, bid)
    alice, alice_token = await person(client, bid, skills={"sql": 2}, team="Data")
    bob, bob_token = await person(client, bid, skills={"network": 2}, team="Infra")
    for skills, helpers in (
        (["sql"], [alice_token]),
        (["sql", "network"], [alice_token, bob_token]),
    ):
        card = await factories.create_card(client, bid)
        async with as_user(closer_token) as me:
            swarm = (await ask(me, card["id"], skills)).json()
        for t in helpers:
            async with as_user(t) as them:
                await them.post(f"/api/swarms/{swarm['id']}/join")
        async with as_user(alice_token) as them:
            await them.post(
                f"/api/swarms/{swarm['id']}/resolve", json={"outcome": "fixed", "knowledge": "how"}
            )
    card = await factories.create_card(client, bid)
    async with as_user(closer_token) as me:
        open_one = (await ask(me, card["id"], ["network"])).json()
    async with as_user(bob_token) as them:
        await them.post(f"/api/swarms/{open_one['id']}/join")

    report = (await client.get(f"/api/boards/{bid}/contributions")).json()
    people = {p["user_id"]: p for p in report["people"]}
    assert (report["swarms_requested"], report["swarms_resolved"]) == (3, 2)
    assert report["people_helping"] == 2
    assert closer["id"] not in people  # asked and closed nothing: no credit
    assert (
        people[alice["id"]]["swarms_joined"],
        people[alice["id"]]["swarms_resolved"],
        people[alice["id"]]["knowledge_notes"],
    ) == (2, 2, 2)
    assert (
        people[bob["id"]]["swarms_joined"],
        people[bob["id"]]["swarms_resolved"],
        people[bob["id"]]["knowledge_notes"],
    ) == (2, 1, 0)
    assert people[bob["id"]]["median_seconds_to_join"] >= 0
    assert [p["name"] for p in report["people"]] == sorted(
        (p["name"] for p in report["people"]), key=str.casefold
    )

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    empty = (await client.get(f"/api/boards/{bid}/contributions", params={"from": future})).json()
    assert empty["people"] == [] and empty["swarms_requested"] == 0
    backwards = await client.get(
        f"/api/boards/{bid}/contributions", params={"from": future, "to": "2020-01-01"}
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"] == "application/problem+json"
    bad = await client.get(f"/api/boards/{bid}/contributions", params={"from": "yesterday"})
    assert bad.status_code == 422
