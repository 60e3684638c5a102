"""Swarm membership and the personal WIP limit, against the real API and database.

Helping on a swarm takes one of the person's WIP slots, like an active card does:
joining at the limit is refused (409 ``person-wip-limit-exceeded``) and leaves no
trace; a swarm slot blocks card work too until the person leaves or the swarm ends; and
when several requests race for someone's last slot, exactly one gets it, in one process
or across two server processes on the same database (SQLite or PostgreSQL, following
``SWARMBOARD_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.core.errors import PROBLEM_BASE
from tests import factories
from tests.swarm.helpers import ask, invitation_for, person, swarm_types

PROBLEM = "application/problem+json"
PERSON_LIMIT = PROBLEM_BASE + "person-wip-limit-exceeded"
ALREADY_OPEN = PROBLEM_BASE + "swarm-already-open"

Send = Callable[[int, str, str, str, dict[str, Any] | None], Awaitable[httpx.Response]]


async def _board(client: httpx.AsyncClient) -> tuple[dict[str, Any], int, int]:
    """A board whose active column has no limit of its own: only personal limits apply."""
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return board, board["columns"][0]["id"], board["columns"][1]["id"]


async def _last_seq(client: httpx.AsyncClient, board_id: int) -> int:
    return int((await client.get(f"/api/boards/{board_id}")).json()["last_seq"])


def _assert_person_limit(r: httpx.Response, *, user_id: int, limit: int) -> None:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == PERSON_LIMIT, body
    assert body["status"] == 409
    assert (body["user_id"], body["limit"], body["count"]) == (user_id, limit, limit), body


async def _swarm(client: httpx.AsyncClient, swarm_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/swarms/{swarm_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _member_ids(swarm: dict[str, Any]) -> list[int]:
    return [m["user_id"] for m in swarm["members"]]


# -- refused at the limit, and nothing written ------------------------------------------


async def test_accepting_or_joining_at_the_limit_is_refused_and_changes_nothing(client, as_user):
    board, triage, inv = await _board(client)
    _, req_token = await person(client, board["id"])
    helper, token = await person(client, board["id"], skills={"Billing": 3}, wip_limit=1)
    requester, me = as_user(req_token), as_user(token)
    card = await factories.create_card(client, board["id"], column_id=triage)
    other = await factories.create_card(client, board["id"], column_id=triage)

    r = await ask(requester, card["id"], ["billing"])
    assert r.status_code == 201, r.text
    swarm = r.json()
    invitation = invitation_for(swarm, helper["id"])  # free when asked
    r = await ask(requester, other["id"], ["SSO"])
    assert r.status_code == 201, r.text
    uninvited = r.json()
    assert uninvited["invitations"] == [] and uninvited["unmatched_skills"] == ["SSO"]
    # Then they are given an active card: their one slot is taken.
    await factories.create_card(client, board["id"], column_id=inv, assignee_ids=[helper["id"]])
    seq = await _last_seq(client, board["id"])
    log_before = await factories.events(client, board["id"])

    for path, body in [
        (f"/api/swarms/{swarm['id']}/invitations/{invitation['id']}/accept", None),
        (f"/api/swarms/{swarm['id']}/join", {"role": "lead"}),  # would answer it too
        (f"/api/swarms/{uninvited['id']}/join", None),
    ]:
        r = await me.post(path, json=body)
        _assert_person_limit(r, user_id=helper["id"], limit=1)

    after = await _swarm(client, swarm["id"])
    assert after["members"] == []
    assert invitation_for(after, helper["id"])["state"] == "pending"
    assert invitation_for(after, helper["id"])["answered_at"] is None
    assert (await _swarm(client, uninvited["id"]))["members"] == []
    assert await _last_seq(client, board["id"]) == seq
    assert await factories.events(client, board["id"]) == log_before
    mine = await me.get("/api/users/me/invitations")
    assert [i["invitation_id"] for i in mine.json()] == [invitation["id"]]


async def test_a_person_with_a_free_slot_may_join_and_then_is_full(client, as_user):
    board, triage, _ = await _board(client)
    _, req_token = await person(client, board["id"])
    helper, token = await person(client, board["id"], skills={"billing": 2}, wip_limit=2)
    requester, me = as_user(req_token), as_user(token)
    swarms = []
    for _ in range(3):
        card = await factories.create_card(client, board["id"], column_id=triage)
        r = await ask(requester, card["id"], ["billing"])
        assert r.status_code == 201, r.text
        swarms.append(r.json())

    first, second, third = swarms
    r = await me.post(
        f"/api/swarms/{first['id']}/invitations/{invitation_for(first, helper['id'])['id']}/accept"
    )
    assert r.status_code == 200, r.text
    assert _member_ids(r.json()) == [helper["id"]]
    r = await me.post(f"/api/swarms/{second['id']}/join")
    assert r.status_code == 200, r.text
    assert _member_ids(r.json()) == [helper["id"]]
    # Joining answered the invitation to the second swarm as well.
    assert invitation_for(r.json(), helper["id"])["state"] == "accepted"

    r = await me.post(f"/api/swarms/{third['id']}/join")
    _assert_person_limit(r, user_id=helper["id"], limit=2)


async def test_helping_on_your_own_active_card_takes_no_second_slot(client, as_user):
    board, triage, inv = await _board(client)
    _, req_token = await person(client, board["id"])
    helper, token = await person(client, board["id"], skills={"billing": 2}, wip_limit=1)
    requester, me = as_user(req_token), as_user(token)
    own = await factories.create_card(
        client, board["id"], column_id=inv, assignee_ids=[helper["id"]]
    )
    elsewhere = await factories.create_card(client, board["id"], column_id=triage)
    r = await ask(requester, own["id"], ["billing"])
    assert r.status_code == 201, r.text
    on_own = r.json()
    # At their limit, so the matcher did not invite them...
    assert on_own["invitations"] == [] and on_own["unmatched_skills"] == ["billing"]

    # ...but swarming on the card they already carry costs nothing more.
    r = await me.post(f"/api/swarms/{on_own['id']}/join")
    assert r.status_code == 200, r.text
    assert _member_ids(r.json()) == [helper["id"]]
    assert r.json()["unmatched_skills"] == []

    r = await ask(requester, elsewhere["id"], ["sso"])
    assert r.status_code == 201, r.text
    r = await me.post(f"/api/swarms/{r.json()['id']}/join")
    _assert_person_limit(r, user_id=helper["id"], limit=1)


async def test_the_matcher_counts_swarm_slots_when_weighing_spare_capacity(client, as_user):
    """Two equal billing experts: the one whose swarms leave less room is passed over,
    though without those swarms they would have had the most room (and the lower id)."""
    board, triage, _ = await _board(client)
    _, req_token = await person(client, board["id"])
    busy, busy_token = await person(client, board["id"], skills={"billing": 2}, wip_limit=3)
    free, _ = await person(client, board["id"], skills={"billing": 2}, wip_limit=2)
    requester = as_user(req_token)
    for skills in (["sso"], ["gdpr"]):
        card = await factories.create_card(client, board["id"], column_id=triage)
        r = await ask(requester, card["id"], skills)
        assert r.status_code == 201, r.text
        r = await as_user(busy_token).post(f"/api/swarms/{r.json()['id']}/join")
        assert r.status_code == 200, r.text  # busy: 2 of 3, one to spare; free: 0 of 2

    card = await factories.create_card(client, board["id"], column_id=triage)
    r = await ask(requester, card["id"], ["Billing"])

    assert r.status_code == 201, r.text
    assert [(i["user_id"], i["skills"]) for i in r.json()["invitations"]] == [
        (free["id"], ["Billing"])
    ]
    assert busy["id"] < free["id"]


# -- a swarm slot blocks card work until it is given back -------------------------------


async def _helper_in_a_swarm(
    client: httpx.AsyncClient, as_user: Callable[[str | None], httpx.AsyncClient]
) -> tuple[dict[str, Any], int, int, dict[str, Any], httpx.AsyncClient, httpx.AsyncClient]:
    """(board, triage, active column, helper with WIP limit 1 in an open swarm, the
    helper's client, a lead's client)."""
    board, triage, inv = await _board(client)
    _, req_token = await person(client, board["id"])
    _, lead_token = await person(client, board["id"], role="lead")
    helper, token = await person(client, board["id"], skills={"billing": 3}, wip_limit=1)
    card = await factories.create_card(client, board["id"], column_id=triage)
    r = await ask(as_user(req_token), card["id"], ["billing"])
    assert r.status_code == 201, r.text
    me = as_user(token)
    r = await me.post(f"/api/swarms/{r.json()['id']}/join")
    assert r.status_code == 200, r.text
    helper["swarm"] = r.json()
    return board, triage, inv, helper, me, as_user(lead_token)


async def _card_work_is_refused(
    lead: httpx.AsyncClient, board_id: int, triage: int, inv: int, helper_id: int
) -> dict[str, Any]:
    """Every way of giving the helper an active card is refused; returns a backlog card
    assigned to them, ready to move."""
    r = await lead.post(
        f"/api/boards/{board_id}/cards",
        json={"title": "New outage", "column_id": inv, "assignee_ids": [helper_id]},
    )
    _assert_person_limit(r, user_id=helper_id, limit=1)

    waiting = await factories.create_card(
        lead, board_id, column_id=triage, assignee_ids=[helper_id]
    )  # the backlog does not count
    r = await lead.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})
    _assert_person_limit(r, user_id=helper_id, limit=1)

    active = await factories.create_card(lead, board_id, column_id=inv)
    r = await lead.patch(f"/api/cards/{active['id']}", json={"assignee_ids": [helper_id]})
    _assert_person_limit(r, user_id=helper_id, limit=1)

    for c in (waiting, active):
        unchanged = (await lead.get(f"/api/cards/{c['id']}")).json()
        assert unchanged["version"] == c["version"]
        assert unchanged["column_id"] == c["column_id"]
    assert (await lead.get(f"/api/cards/{active['id']}")).json()["assignee_ids"] == []
    return waiting


async def test_a_swarm_slot_blocks_card_work_until_the_person_leaves(client, as_user):
    board, triage, inv, helper, me, lead = await _helper_in_a_swarm(client, as_user)
    waiting = await _card_work_is_refused(lead, board["id"], triage, inv, helper["id"])

    r = await me.post(f"/api/swarms/{helper['swarm']['id']}/leave")
    assert r.status_code == 200, r.text
    assert r.json()["members"] == []

    r = await lead.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})
    assert r.status_code == 200, r.text
    assert r.json()["column_id"] == inv
    # Now the card holds the slot: re-joining the swarm is refused.
    r = await me.post(f"/api/swarms/{helper['swarm']['id']}/join")
    _assert_person_limit(r, user_id=helper["id"], limit=1)


async def test_a_resolved_swarm_no_longer_counts(client, as_user):
    board, triage, inv, helper, me, lead = await _helper_in_a_swarm(client, as_user)
    swarm_id = helper["swarm"]["id"]
    waiting = await _card_work_is_refused(lead, board["id"], triage, inv, helper["id"])

    r = await me.post(
        f"/api/swarms/{swarm_id}/resolve",
        json={"outcome": "Gateway retry fixed it", "knowledge": "Retry after 24 h."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "resolved"
    assert _member_ids(r.json()) == [helper["id"]]  # still credited, no longer counted

    r = await lead.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv})
    assert r.status_code == 200, r.text

    # Reopening while they carry that card lets them go rather than overshoot.
    seq = await _last_seq(client, board["id"])
    r = await lead.post(f"/api/swarms/{swarm_id}/reopen")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "open" and r.json()["members"] == []
    left = await factories.events(client, board["id"], since=seq)
    assert [(e["type"], e["data"].get("reason")) for e in left] == [
        ("swarm.reopened", None),
        ("swarm.left", "wip_limit"),
    ]
    assert left[1]["data"]["user_id"] == helper["id"]


async def test_a_cancelled_swarm_no_longer_counts(client, as_user):
    board, _triage, inv, helper, _, lead = await _helper_in_a_swarm(client, as_user)
    r = await lead.post(
        f"/api/boards/{board['id']}/cards",
        json={"title": "New outage", "column_id": inv, "assignee_ids": [helper["id"]]},
    )
    _assert_person_limit(r, user_id=helper["id"], limit=1)

    r = await lead.post(
        f"/api/swarms/{helper['swarm']['id']}/cancel", json={"reason": "Customer went away"}
    )
    assert r.status_code == 200, r.text

    r = await lead.post(
        f"/api/boards/{board['id']}/cards",
        json={"title": "New outage", "column_id": inv, "assignee_ids": [helper["id"]]},
    )
    assert r.status_code == 201, r.text
    assert r.json()["assignee_ids"] == [helper["id"]]


# -- the race for the last slot ---------------------------------------------------------


@dataclass
class LastSlot:
    """A helper with WIP limit 2 who carries one active card, and every way of taking
    their one free slot: accepting an invitation, joining a swarm (invited or not), a
    lead assigning them to an active card, moving their waiting card into an active
    column, or creating an active card for them."""

    board_id: int
    inv: int
    helper_id: int
    helper_token: str
    lead_token: str
    swarms: list[dict[str, Any]] = field(default_factory=list)
    unassigned_active: int = 0
    waiting: int = 0

    def attempts(self) -> list[tuple[str, str, str, dict[str, Any] | None]]:
        """(token, method, path, body) of every contender, swarms first."""
        out: list[tuple[str, str, str, dict[str, Any] | None]] = []
        for i, s in enumerate(self.swarms):
            invited = [x for x in s["invitations"] if x["user_id"] == self.helper_id]
            if invited and i % 2 == 0:
                path = f"/api/swarms/{s['id']}/invitations/{invited[0]['id']}/accept"
            else:
                path = f"/api/swarms/{s['id']}/join"
            out.append((self.helper_token, "POST", path, None))
        assign = {"assignee_ids": [self.helper_id]}
        create = {"title": "Raced", "column_id": self.inv, "assignee_ids": [self.helper_id]}
        out += [
            (self.lead_token, "PATCH", f"/api/cards/{self.unassigned_active}", assign),
            (self.lead_token, "POST", f"/api/cards/{self.waiting}/move", {"column_id": self.inv}),
            (self.lead_token, "POST", f"/api/boards/{self.board_id}/cards", create),
        ]
        return out


async def _last_slot(
    client: httpx.AsyncClient, as_user: Callable[[str | None], httpx.AsyncClient]
) -> LastSlot:
    board, triage, inv = await _board(client)
    _, req_token = await person(client, board["id"])
    _, lead_token = await person(client, board["id"], role="lead")
    helper, token = await person(client, board["id"], skills={"billing": 3}, wip_limit=2)
    await factories.create_card(client, board["id"], column_id=inv, assignee_ids=[helper["id"]])
    slot = LastSlot(board["id"], inv, helper["id"], token, lead_token)
    requester = as_user(req_token)
    # Four swarms that invited the helper (one free slot makes them eligible) and two
    # that need a skill nobody has, which they may still join on their own.
    for skills in (["billing"],) * 4 + (["cobol"],) * 2:
        card = await factories.create_card(client, board["id"], column_id=triage)
        r = await ask(requester, card["id"], skills)
        assert r.status_code == 201, r.text
        slot.swarms.append(r.json())
    assert [bool(s["invitations"]) for s in slot.swarms] == [True] * 4 + [False] * 2
    unassigned = await factories.create_card(client, board["id"], column_id=inv)
    waiting = await factories.create_card(  # in the backlog: not counted yet
        client, board["id"], column_id=triage, assignee_ids=[helper["id"]]
    )
    slot.unassigned_active, slot.waiting = unassigned["id"], waiting["id"]
    return slot


async def _race(client: httpx.AsyncClient, slot: LastSlot, send: Send) -> None:
    seq = await _last_seq(client, slot.board_id)
    attempts = slot.attempts()

    results = await asyncio.gather(*(send(i, *attempt) for i, attempt in enumerate(attempts)))

    won = [r.status_code in (200, 201) for r in results]
    assert won.count(True) == 1, [(r.status_code, r.text[:200]) for r in results]
    for r, w in zip(results, won, strict=True):
        if not w:
            _assert_person_limit(r, user_id=slot.helper_id, limit=2)

    # What the board shows afterwards: exactly the winner's change, nobody else's.
    took: list[bool] = []
    for s in slot.swarms:
        view = await _swarm(client, s["id"])
        took.append(slot.helper_id in _member_ids(view))
        if s["invitations"]:  # accepted by the winner, still open for the others
            state = invitation_for(view, slot.helper_id)["state"]
            assert state == ("accepted" if took[-1] else "pending")
    assigned = (await client.get(f"/api/cards/{slot.unassigned_active}")).json()
    took.append(slot.helper_id in assigned["assignee_ids"])
    moved = (await client.get(f"/api/cards/{slot.waiting}")).json()
    took.append(moved["column_id"] == slot.inv)
    log = await factories.events(client, slot.board_id, since=seq)
    took.append(any(e["type"] == "card.created" for e in log))
    assert took == won
    changes = ("swarm.joined", "card.created", "card.updated", "card.moved")
    assert len([e for e in log if e["type"] in changes]) == 1, [e["type"] for e in log]
    assert not [e for e in log if e["type"].startswith("wip.")]

    # The server counts them at their limit: the carried card plus the slot just taken.
    r = await client.post(
        f"/api/boards/{slot.board_id}/cards",
        json={"title": "One more", "column_id": slot.inv, "assignee_ids": [slot.helper_id]},
    )
    _assert_person_limit(r, user_id=slot.helper_id, limit=2)


async def test_racing_for_the_last_slot_in_one_process_admits_exactly_one(client, as_user):
    slot = await _last_slot(client, as_user)
    clients: dict[str, httpx.AsyncClient] = {
        t: as_user(t) for t in (slot.helper_token, slot.lead_token)
    }

    async def send(
        _i: int, token: str, method: str, path: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        return await clients[token].request(method, path, json=body)

    await _race(client, slot, send)


async def test_racing_for_the_last_slot_through_two_server_processes_admits_exactly_one(
    client, as_user, live_servers
):
    slot = await _last_slot(client, as_user)
    async with httpx.AsyncClient(timeout=30) as http:

        async def send(
            i: int, token: str, method: str, path: str, body: dict[str, Any] | None
        ) -> httpx.Response:
            return await http.request(
                method,
                live_servers[i % 2].url + path,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )

        await _race(client, slot, send)


async def test_a_reopen_and_a_join_racing_for_the_last_slot_get_only_one(client, as_user):
    """Reopening brings back a swarm's members, but only those with room: racing a join
    elsewhere, the helper ends up in exactly one of the two swarms, never both."""
    board, triage, inv = await _board(client)
    _, req_token = await person(client, board["id"])
    _, lead_token = await person(client, board["id"], role="lead")
    helper, token = await person(client, board["id"], skills={"billing": 3}, wip_limit=2)
    requester, me, lead = as_user(req_token), as_user(token), as_user(lead_token)
    await factories.create_card(client, board["id"], column_id=inv, assignee_ids=[helper["id"]])
    swarms = []
    for skills in (["billing"], ["sso"]):
        card = await factories.create_card(client, board["id"], column_id=triage)
        r = await ask(requester, card["id"], skills)
        assert r.status_code == 201, r.text
        swarms.append(r.json())
    ended, other = swarms
    r = await me.post(f"/api/swarms/{ended['id']}/join")
    assert r.status_code == 200, r.text
    r = await lead.post(f"/api/swarms/{ended['id']}/cancel", json={"reason": "Went quiet"})
    assert r.status_code == 200, r.text
    seq = await _last_seq(client, board["id"])

    reopened, joined = await asyncio.gather(
        lead.post(f"/api/swarms/{ended['id']}/reopen"),
        me.post(f"/api/swarms/{other['id']}/join"),
    )

    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["state"] == "open"
    kept = helper["id"] in _member_ids(await _swarm(client, ended["id"]))
    in_other = helper["id"] in _member_ids(await _swarm(client, other["id"]))
    assert kept != in_other, (kept, in_other)
    let_go = [
        e
        for e in await factories.events(client, board["id"], since=seq)
        if e["type"] == "swarm.left"
    ]
    if kept:
        _assert_person_limit(joined, user_id=helper["id"], limit=2)
        assert let_go == []
    else:
        assert joined.status_code == 200, joined.text
        assert [(e["data"]["user_id"], e["data"]["reason"]) for e in let_go] == [
            (helper["id"], "wip_limit")
        ]
    r = await lead.post(
        f"/api/boards/{board['id']}/cards",
        json={"title": "One more", "column_id": inv, "assignee_ids": [helper["id"]]},
    )
    _assert_person_limit(r, user_id=helper["id"], limit=2)


# -- one open swarm per card ----------------------------------------------------------


async def _two_requests_for_one_card(
    client: httpx.AsyncClient,
    post: Callable[[int, str, str, dict[str, Any]], Awaitable[httpx.Response]],
) -> None:
    board, triage, _ = await _board(client)
    first, first_token = await person(client, board["id"])
    second, second_token = await person(client, board["id"])
    card = await factories.create_card(client, board["id"], column_id=triage)
    seq = await _last_seq(client, board["id"])
    body = {"skills": ["billing"], "question": "Refund stuck", "tried": "Retried"}

    results = await asyncio.gather(
        post(0, first_token, f"/api/cards/{card['id']}/swarms", body),
        post(1, second_token, f"/api/cards/{card['id']}/swarms", body),
    )

    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.text for r in results]
    created = next(r for r in results if r.status_code == 201).json()
    refused = next(r for r in results if r.status_code == 409)
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"] == ALREADY_OPEN
    assert refused.json()["swarm_id"] == created["id"]
    log = await factories.events(client, board["id"], since=seq)
    assert swarm_types(log) == ["swarm.requested"]
    listed = (await client.get(f"/api/cards/{card['id']}/swarms")).json()
    assert [s["id"] for s in listed["swarms"]] == [created["id"]]
    assert created["requested_by"] in (first["id"], second["id"])


async def test_two_concurrent_swarm_requests_on_one_card_open_one_swarm(client, as_user):
    async def post(_i: int, token: str, path: str, body: dict[str, Any]) -> httpx.Response:
        user: httpx.AsyncClient = as_user(token)
        return await user.post(path, json=body)

    await _two_requests_for_one_card(client, post)


async def test_two_swarm_requests_on_one_card_through_two_processes_open_one_swarm(
    client, live_servers
):
    async with httpx.AsyncClient(timeout=30) as http:

        async def post(i: int, token: str, path: str, body: dict[str, Any]) -> httpx.Response:
            return await http.post(
                live_servers[i % 2].url + path,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )

        await _two_requests_for_one_card(client, post)
