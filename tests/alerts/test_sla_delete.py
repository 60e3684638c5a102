"""Deleting an SLA policy: its cards are measured against the next best match."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.board.repository import cards
from tests import factories


async def _policy_of(app: Any, card_id: int) -> int | None:
    def read(session: Any) -> int | None:
        return session.execute(select(cards.c.sla_policy_id).where(cards.c.id == card_id)).scalar()

    found: int | None = await app.state.db.read(read)
    return found


async def test_a_deleted_policy_hands_its_cards_to_the_next_match(app, client, as_user):
    board = await factories.create_board(client)
    lead, token = await factories.create_user(client, role="lead")
    await factories.add_member(client, board["id"], lead["id"])
    me = as_user(token)
    url = f"/api/boards/{board['id']}/sla-policies"
    general = (await me.post(url, json={"name": "Standard", "frt_seconds": 3600})).json()
    urgent = (
        await me.post(url, json={"name": "Urgent", "priority": "urgent", "frt_seconds": 600})
    ).json()
    card = await factories.create_card(client, board["id"], priority="urgent")
    assert await _policy_of(app, card["id"]) == urgent["id"]
    seq = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]

    r = await me.delete(f"{url}/{urgent['id']}")
    assert r.status_code == 204, r.text
    assert [p["id"] for p in (await me.get(url)).json()] == [general["id"]]
    assert await _policy_of(app, card["id"]) == general["id"]
    (deleted,) = await factories.events(client, board["id"], seq)
    assert deleted["type"] == "sla_policy.deleted"
    assert deleted["data"] == {"policy_id": urgent["id"], "name": "Urgent"}
    r = await me.delete(f"{url}/{urgent['id']}")
    assert r.status_code == 404 and r.json()["type"].endswith("sla-policy-not-found")


async def test_only_the_boards_leads_delete_and_only_their_boards_policies(client, as_user):
    board = await factories.create_board(client)
    other = await factories.create_board(client)
    url = f"/api/boards/{board['id']}/sla-policies"
    policy = (await client.post(url, json={"name": "Standard", "frt_seconds": 3600})).json()
    agent, token = await factories.create_user(client, role="agent")
    await factories.add_member(client, board["id"], agent["id"])
    assert (await as_user(token).delete(f"{url}/{policy['id']}")).status_code == 403
    r = await client.delete(f"/api/boards/{other['id']}/sla-policies/{policy['id']}")
    assert r.status_code == 404
    assert len((await client.get(url)).json()) == 1
