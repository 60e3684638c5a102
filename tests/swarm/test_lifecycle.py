"""The swarm lifecycle through the API, as the agent asking and the experts helping see it."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.swarm.helpers import ask, invitation_for, person, swarm_types

PROBLEM = "application/problem+json"


async def _board(client: Any) -> int:
    board = await factories.create_board(client)
    return int(board["id"])


async def test_a_request_invites_the_smallest_covering_set_and_reports_unmatched_skills(
    client, as_user
):
    bid = await _board(client)
    asker, asker_token = await person(client, bid, skills={"billing": 3, "sql": 3})
    both, _ = await person(client, bid, skills={"billing": 2, "sql": 2}, team="Payments")
    await person(client, bid, skills={"billing": 3}, team="Billing")  # covers less
    net, _ = await person(client, bid, skills={"Network": 1}, team="Infra")
    card = await factories.create_card(client, bid, owner_id=asker["id"])

    async with as_user(asker_token) as me:
        r = await ask(me, card["id"], ["Billing", "SQL", "network", "Kernel debugging"])

    assert r.status_code == 201, r.text
    swarm = r.json()
    assert swarm["state"] == "open" and swarm["card_id"] == card["id"]
    invited = {i["user_id"]: i for i in swarm["invitations"]}
    # Two people cover three skills; the asker is never invited although they qualify.
    assert set(invited) == {both["id"], net["id"]}
    assert invited[both["id"]]["skills"] == ["Billing", "SQL"]
    assert all(i["state"] == "pending" for i in swarm["invitations"])
    assert swarm["members"] == []
    assert swarm["unmatched_skills"] == ["Kernel debugging"]
    assert swarm["tried"] == "Retried the refund; checked the gateway log"
    # No escalation: the card keeps its owner and has no tier.
    after = (await client.get(f"/api/cards/{card['id']}")).json()
    assert after["owner_id"] == asker["id"] and "tier" not in after
    types = swarm_types(await factories.events(client, bid))
    assert types == ["swarm.requested", "swarm.invited", "swarm.invited"]


async def test_away_people_viewers_and_people_at_their_limit_are_not_invited(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    await person(client, bid, skills={"sql": 3}, availability="away")
    await person(client, bid, skills={"sql": 3}, role="viewer")
    await person(client, bid, skills={"sql": 3}, board_role="facilitator")
    full, _ = await person(client, bid, skills={"sql": 3}, wip_limit=1)
    active = (await client.get(f"/api/boards/{bid}")).json()["columns"][1]
    await factories.create_card(client, bid, column_id=active["id"], assignee_ids=[full["id"]])
    spare, _ = await person(client, bid, skills={"sql": 1}, wip_limit=1)
    card = await factories.create_card(client, bid)

    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql"])).json()

    assert [i["user_id"] for i in swarm["invitations"]] == [spare["id"]]


async def test_a_card_has_at_most_one_open_swarm(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        first = await ask(me, card["id"], ["sql"])
        second = await ask(me, card["id"], ["billing"])
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.headers["content-type"] == PROBLEM
    assert second.json()["type"].endswith("/swarm-already-open")
    assert second.json()["swarm_id"] == first.json()["id"]
    listing = (await client.get(f"/api/cards/{card['id']}/swarms")).json()
    assert listing["total"] == 1


async def test_accepting_joins_with_a_role_and_declining_invites_the_next_best(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    expert, expert_token = await person(client, bid, skills={"sql": 3, "billing": 1})
    second, second_token = await person(client, bid, skills={"billing": 3}, wip_limit=5)
    third, _ = await person(client, bid, skills={"billing": 2}, wip_limit=2)
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql", "billing"])).json()
    assert [i["user_id"] for i in swarm["invitations"]] == [expert["id"]]
    sid = swarm["id"]

    async with as_user(expert_token) as them:
        inv = invitation_for(swarm, expert["id"])
        r = await them.post(f"/api/swarms/{sid}/invitations/{inv['id']}/decline")
    assert r.status_code == 200, r.text
    after = r.json()
    assert invitation_for(after, expert["id"])["state"] == "declined"
    # sql is now uncovered (nobody else has it); billing goes to the best remaining person.
    assert invitation_for(after, second["id"])["skills"] == ["billing"]
    assert all(i["user_id"] != third["id"] for i in after["invitations"])
    assert after["unmatched_skills"] == ["sql"]

    async with as_user(second_token) as them:
        inv = invitation_for(after, second["id"])
        r = await them.post(
            f"/api/swarms/{sid}/invitations/{inv['id']}/accept", json={"role": "lead"}
        )
    assert r.status_code == 200, r.text
    joined = r.json()
    assert [(m["user_id"], m["role"]) for m in joined["members"]] == [(second["id"], "lead")]
    assert invitation_for(joined, second["id"])["state"] == "accepted"
    assert swarm_types(await factories.events(client, bid)) == [
        "swarm.requested",
        "swarm.invited",
        "swarm.declined",
        "swarm.invited",
        "swarm.accepted",
        "swarm.joined",
    ]


async def test_answering_someone_elses_or_an_answered_invitation_is_refused(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    expert, expert_token = await person(client, bid, skills={"sql": 3})
    _, other_token = await person(client, bid)
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql"])).json()
    inv = invitation_for(swarm, expert["id"])
    url = f"/api/swarms/{swarm['id']}/invitations/{inv['id']}"

    async with as_user(other_token) as them:
        r = await them.post(f"{url}/accept")
    assert r.status_code == 403 and r.json()["type"].endswith("/swarm-forbidden")
    async with as_user(expert_token) as them:
        assert (await them.post(f"{url}/accept")).status_code == 200
        again = await them.post(f"{url}/decline")
        missing = await them.post(f"/api/swarms/{swarm['id']}/invitations/999999/accept")
    assert again.status_code == 409
    assert again.json()["type"].endswith("/invitation-already-answered")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/invitation-not-found")


async def test_anyone_on_the_board_may_offer_help_and_leave_again(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    helper, helper_token = await person(client, bid, skills={"network": 2}, team="Infra")
    _, viewer_token = await person(client, bid, role="viewer")
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["network", "dns"])).json()
    sid = swarm["id"]
    assert swarm["unmatched_skills"] == ["dns"]

    async with as_user(helper_token) as them:
        first = await them.post(f"/api/swarms/{sid}/join", json={"role": "knowledge"})
        twice = await them.post(f"/api/swarms/{sid}/join")
    assert first.status_code == 200, first.text
    assert first.json()["members"][0]["role"] == "knowledge"
    assert first.json()["members"][0]["team"] == "Infra"
    # The helper was invited for network; joining answers that invitation.
    assert invitation_for(first.json(), helper["id"])["state"] == "accepted"
    assert twice.status_code == 409 and twice.json()["type"].endswith("/already-in-swarm")

    async with as_user(viewer_token) as viewer:
        r = await viewer.post(f"/api/swarms/{sid}/join")
    assert r.status_code == 403

    async with as_user(helper_token) as them:
        left = await them.post(f"/api/swarms/{sid}/leave")
        again = await them.post(f"/api/swarms/{sid}/leave")
    assert left.status_code == 200 and left.json()["members"] == []
    assert sorted(left.json()["unmatched_skills"]) == ["dns", "network"]
    assert again.status_code == 409 and again.json()["type"].endswith("/not-in-swarm")
    bad_role = await client.post(f"/api/swarms/{sid}/join", json={"role": "boss"})
    assert bad_role.status_code == 422


async def test_resolve_needs_an_outcome_and_a_knowledge_note(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql"])).json()
        before = await factories.events(client, bid)
        for body in (
            {"outcome": "fixed"},
            {"knowledge": "note"},
            {"outcome": " ", "knowledge": "x"},
        ):
            r = await me.post(f"/api/swarms/{swarm['id']}/resolve", json=body)
            assert r.status_code == 422, body
            assert r.headers["content-type"] == PROBLEM
        no_reason = await me.post(f"/api/swarms/{swarm['id']}/cancel", json={})
    assert no_reason.status_code == 422
    assert await factories.events(client, bid) == before
    assert (await client.get(f"/api/swarms/{swarm['id']}")).json()["state"] == "open"


async def test_only_people_involved_or_a_lead_may_end_a_swarm(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    _, bystander_token = await person(client, bid)
    _, lead_token = await person(client, bid, role="lead")
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql"])).json()
    url = f"/api/swarms/{swarm['id']}"
    async with as_user(bystander_token) as them:
        r = await them.post(f"{url}/cancel", json={"reason": "not mine"})
    assert r.status_code == 403 and r.json()["type"].endswith("/swarm-forbidden")
    async with as_user(lead_token) as lead:
        r = await lead.post(f"{url}/cancel", json={"reason": "Customer withdrew the ticket"})
    assert r.status_code == 200
    assert r.json()["state"] == "cancelled"
    assert r.json()["cancel_reason"] == "Customer withdrew the ticket"


async def test_reopen_brings_a_swarm_back_unless_the_card_has_another_open_one(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    helper, helper_token = await person(client, bid, skills={"sql": 2})
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        first = (await ask(me, card["id"], ["sql"])).json()
    async with as_user(helper_token) as them:
        await them.post(f"/api/swarms/{first['id']}/join")
    async with as_user(token) as me:
        done = await me.post(
            f"/api/swarms/{first['id']}/resolve",
            json={"outcome": "Restarted the sync", "knowledge": "Sync stalls after failover"},
        )
        assert done.status_code == 200 and done.json()["ended_at"] is not None
        again = await me.post(
            f"/api/swarms/{first['id']}/resolve", json={"outcome": "x", "knowledge": "y"}
        )
        assert again.status_code == 409 and again.json()["type"].endswith("/swarm-not-open")

        reopened = await me.post(f"/api/swarms/{first['id']}/reopen")
        assert reopened.status_code == 200, reopened.text
        body = reopened.json()
        assert body["state"] == "open" and body["outcome"] is None and body["ended_at"] is None
        assert [m["user_id"] for m in body["members"]] == [helper["id"]]
        still_open = await me.post(f"/api/swarms/{first['id']}/reopen")
        assert still_open.status_code == 409

        await me.post(f"/api/swarms/{first['id']}/cancel", json={"reason": "duplicate"})
        second = await ask(me, card["id"], ["sql"])
        assert second.status_code == 201
        blocked = await me.post(f"/api/swarms/{first['id']}/reopen")
    assert blocked.status_code == 409
    assert blocked.json()["type"].endswith("/swarm-already-open")
    assert blocked.json()["swarm_id"] == second.json()["id"]


async def test_reopening_lets_go_of_members_who_have_since_reached_their_limit(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    helper, helper_token = await person(client, bid, skills={"sql": 2}, wip_limit=1)
    card = await factories.create_card(client, bid)
    other = await factories.create_card(client, bid)
    async with as_user(token) as me:
        first = (await ask(me, card["id"], ["sql"])).json()
    async with as_user(helper_token) as them:
        assert (await them.post(f"/api/swarms/{first['id']}/join")).status_code == 200
    async with as_user(token) as me:
        await me.post(f"/api/swarms/{first['id']}/cancel", json={"reason": "paused"})
        second = (await ask(me, other["id"], ["sql"])).json()
    async with as_user(helper_token) as them:
        assert (await them.post(f"/api/swarms/{second['id']}/join")).status_code == 200
    async with as_user(token) as me:
        reopened = (await me.post(f"/api/swarms/{first['id']}/reopen")).json()
    assert reopened["members"] == []
    left = [e for e in await factories.events(client, bid) if e["type"] == "swarm.left"]
    assert left[-1]["data"] == {
        "swarm_id": first["id"],
        "card_id": card["id"],
        "user_id": helper["id"],
        "reason": "wip_limit",
    }


async def test_non_members_see_no_swarm_and_bad_ids_are_clear_errors(client, as_user):
    bid = await _board(client)
    _, token = await person(client, bid)
    card = await factories.create_card(client, bid)
    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["sql"])).json()
    _, outsider_token = await factories.create_user(client)
    async with as_user(outsider_token) as outsider:
        seen = await outsider.get(f"/api/swarms/{swarm['id']}")
        asked = await ask(outsider, card["id"], ["sql"])
        joined = await outsider.post(f"/api/swarms/{swarm['id']}/join")
    assert seen.status_code == 404 and seen.json()["type"].endswith("/swarm-not-found")
    assert asked.status_code == 404 and joined.status_code == 404
    assert (await client.get("/api/swarms/0")).status_code == 422
    assert (await client.get("/api/swarms/99999999999")).status_code == 422
    for body in (
        {"skills": [], "question": "q", "tried": "t"},
        {"skills": ["sql"], "question": "", "tried": "t"},
        {"skills": ["sql"], "question": "q"},
        {"skills": ["x" * 61], "question": "q", "tried": "t"},
        {"skills": ["sql"], "question": "q", "tried": "t", "tier": "L2"},
    ):
        r = await client.post(f"/api/cards/{card['id']}/swarms", json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == PROBLEM


async def test_the_whole_lifecycle_produces_this_event_sequence(client, as_user):
    bid = await _board(client)
    asker, token = await person(client, bid, skills={"billing": 1})
    db_expert, db_token = await person(client, bid, skills={"postgres": 3}, team="Data")
    net_expert, net_token = await person(client, bid, skills={"network": 3}, team="Infra")
    backup, backup_token = await person(client, bid, skills={"network": 2}, team="Infra")
    writer, writer_token = await person(client, bid, skills={"docs": 1}, team="Knowledge")
    card = await factories.create_card(client, bid, owner_id=asker["id"])
    start = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]

    async with as_user(token) as me:
        swarm = (await ask(me, card["id"], ["postgres", "network"])).json()
    sid = swarm["id"]
    async with as_user(db_token) as c:
        inv = invitation_for(swarm, db_expert["id"])
        await c.post(f"/api/swarms/{sid}/invitations/{inv['id']}/accept", json={"role": "lead"})
    async with as_user(net_token) as c:
        inv = invitation_for(swarm, net_expert["id"])
        declined = (await c.post(f"/api/swarms/{sid}/invitations/{inv['id']}/decline")).json()
    async with as_user(backup_token) as c:
        inv = invitation_for(declined, backup["id"])
        await c.post(f"/api/swarms/{sid}/invitations/{inv['id']}/accept")
    async with as_user(writer_token) as c:
        await c.post(f"/api/swarms/{sid}/join", json={"role": "knowledge"})
        await c.post(f"/api/swarms/{sid}/leave")
    async with as_user(token) as me:
        r = await me.post(
            f"/api/swarms/{sid}/resolve",
            json={"outcome": "Failover left a stale DNS entry", "knowledge": "Flush DNS after"},
        )
    assert r.status_code == 200

    log = await factories.events(client, bid, since=start)
    assert [(e["type"], e["data"].get("user_id")) for e in log] == [
        ("swarm.requested", None),
        ("swarm.invited", db_expert["id"]),
        ("swarm.invited", net_expert["id"]),
        ("swarm.accepted", db_expert["id"]),
        ("swarm.joined", db_expert["id"]),
        ("swarm.declined", net_expert["id"]),
        ("swarm.invited", backup["id"]),
        ("swarm.accepted", backup["id"]),
        ("swarm.joined", backup["id"]),
        ("swarm.joined", writer["id"]),
        ("swarm.left", writer["id"]),
        ("swarm.resolved", None),
    ]
    assert [e["seq"] for e in log] == list(range(start + 1, start + 13))
    assert all(e["data"]["swarm_id"] == sid and e["data"]["card_id"] == card["id"] for e in log)
    final = r.json()
    assert {(m["user_id"], m["role"]) for m in final["members"]} == {
        (db_expert["id"], "lead"),
        (backup["id"], "helper"),
    }
    card_after = (await client.get(f"/api/cards/{card['id']}")).json()
    assert card_after["owner_id"] == asker["id"]
