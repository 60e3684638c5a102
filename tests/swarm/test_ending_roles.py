"""Ending (cancel, resolve) or reopening a swarm needs a role that may work cards: a
viewer or facilitator who owns the card, or a requester who is now only a viewer, is
refused with 403 problem+json and nothing changes. An agent who owns the card may."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.swarm.helpers import ask, person

PROBLEM = "application/problem+json"
END = {
    "cancel": {"reason": "The customer went away"},
    "resolve": {"outcome": "Fixed the refund", "knowledge": "Clear the gateway cache"},
}


async def _swarm_on_owned_card(client: Any, as_user: Any, owner_role: str) -> dict[str, Any]:
    """A board where someone with board role ``owner_role`` owns a card an agent swarms on."""
    bid = int((await factories.create_board(client))["id"])
    owner, owner_token = await person(client, bid, role=owner_role, board_role=owner_role)
    _, asker_token = await person(client, bid)
    card = await factories.create_card(client, bid, owner_id=owner["id"])
    assert card["owner_id"] == owner["id"]
    async with as_user(asker_token) as asker:
        r = await ask(asker, card["id"], ["billing"])
    assert r.status_code == 201, r.text
    return {
        "board_id": bid,
        "swarm": r.json(),
        "owner_token": owner_token,
        "asker_token": asker_token,
    }


async def _state(client: Any, swarm_id: int) -> str:
    r = await client.get(f"/api/swarms/{swarm_id}")
    assert r.status_code == 200, r.text
    return str(r.json()["state"])


def _refused(r: Any) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["type"].endswith("/role-forbidden") and "swarm" in body["detail"]


@pytest.mark.parametrize("owner_role", ["viewer", "facilitator"])
async def test_a_read_only_owner_cannot_end_or_reopen_the_swarm(client, as_user, owner_role):
    w = await _swarm_on_owned_card(client, as_user, owner_role)
    swarm_id = w["swarm"]["id"]
    url = f"/api/swarms/{swarm_id}"
    before = await factories.events(client, w["board_id"])

    async with as_user(w["owner_token"]) as owner:
        for action, body in END.items():
            _refused(await owner.post(f"{url}/{action}", json=body))
    assert await _state(client, swarm_id) == "open"
    assert await factories.events(client, w["board_id"]) == before

    # Ended by the agent who asked, it cannot be reopened by the read-only owner either.
    async with as_user(w["asker_token"]) as asker:
        r = await asker.post(f"{url}/resolve", json=END["resolve"])
    assert r.status_code == 200, r.text
    ended = await factories.events(client, w["board_id"])
    async with as_user(w["owner_token"]) as owner:
        _refused(await owner.post(f"{url}/reopen"))
    assert await _state(client, swarm_id) == "resolved"
    assert await factories.events(client, w["board_id"]) == ended


@pytest.mark.parametrize("action", ["cancel", "resolve"])
async def test_an_agent_who_owns_the_card_may_end_and_reopen_the_swarm(client, as_user, action):
    w = await _swarm_on_owned_card(client, as_user, "agent")
    url = f"/api/swarms/{w['swarm']['id']}"

    async with as_user(w["owner_token"]) as owner:
        r = await owner.post(f"{url}/{action}", json=END[action])
        assert r.status_code == 200, r.text
        assert r.json()["state"] == {"cancel": "cancelled", "resolve": "resolved"}[action]
        r = await owner.post(f"{url}/reopen")
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "open"


async def test_a_requester_now_only_a_viewer_cannot_end_the_swarm(client, as_user):
    w = await _swarm_on_owned_card(client, as_user, "agent")
    asker_id = w["swarm"]["requested_by"]
    r = await client.delete(f"/api/boards/{w['board_id']}/members/{asker_id}")
    assert r.status_code == 204, r.text
    await factories.add_member(client, w["board_id"], asker_id, "viewer")
    before = await factories.events(client, w["board_id"])

    async with as_user(w["asker_token"]) as asker:
        _refused(await asker.post(f"/api/swarms/{w['swarm']['id']}/cancel", json=END["cancel"]))

    assert await _state(client, w["swarm"]["id"]) == "open"
    assert await factories.events(client, w["board_id"]) == before
