"""An endpoint works only while its owner may manage it now (app/webhooks/rights.py).

The owner, a lead of the board, is made a viewer of it (removed and added back with the
viewer role). From then on they can neither read, change, ping nor redeliver the
endpoint, nor see it listed or on the page; new events produce no delivery and the
receiver gets nothing; a delivery queued before is never sent. Made a lead again, the
endpoint is theirs again and new events are delivered again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.webhooks.relay import Relay
from app.webhooks.rights import NOT_SENT
from tests import factories
from tests.webhooks.helpers import PROBLEM, Quiet, deliveries, eventually, settled
from tests.webhooks.receiver import Receiver


async def _set_role(admin: httpx.AsyncClient, board_id: int, user_id: int, role: str) -> None:
    """Change a member's board role the way an admin does: remove, add back."""
    r = await admin.delete(f"/api/boards/{board_id}/members/{user_id}")
    assert r.status_code == 204, r.text
    await factories.add_member(admin, board_id, user_id, role=role)


async def _lead_with_endpoint(
    admin: httpx.AsyncClient, as_user: Callable[[str], httpx.AsyncClient], url: str
) -> tuple[dict[str, Any], httpx.AsyncClient, dict[str, Any], dict[str, Any]]:
    board = await factories.create_board(admin)
    owner, token = await factories.create_user(admin, role="agent")
    await factories.add_member(admin, board["id"], owner["id"], role="lead")
    me = as_user(token)
    r = await me.post(
        "/api/webhooks", json={"url": url, "event_types": ["card.*"], "board_id": board["id"]}
    )
    assert r.status_code == 201, r.text
    return board, me, owner, dict(r.json())


def _card_ids(receiver: Receiver) -> list[int]:
    return [
        r.json["data"]["card_id"] for r in receiver.requests if r.json["type"] == "card.created"
    ]


async def test_an_owner_made_a_viewer_can_no_longer_manage_or_receive(
    client: httpx.AsyncClient, as_user: Callable[[str], httpx.AsyncClient], receiver: Receiver
):
    board, me, owner, hook = await _lead_with_endpoint(client, as_user, receiver.url)
    path = f"/api/webhooks/{hook['id']}"
    first = await factories.create_card(client, board["id"])
    await receiver.wait_for(1)
    [sent] = await settled(client, hook["id"], 1)

    await _set_role(client, board["id"], owner["id"], "viewer")

    listed = await me.get("/api/webhooks")
    assert listed.status_code == 200 and listed.json()["endpoints"] == []
    attempts = {
        "read": await me.get(path),
        "log": await me.get(f"{path}/deliveries"),
        "payload": await me.get(f"{path}/deliveries/{sent['id']}"),
        "redeliver": await me.post(f"{path}/deliveries/{sent['id']}/redeliver"),
        "patch": await me.patch(path, json={"url": "http://127.0.0.1:9/stolen"}),
        "ping": await me.post(f"{path}/ping"),
        "rotate": await me.post(f"{path}/rotate-secret"),
        "delete": await me.delete(path),
    }
    for what, r in attempts.items():
        assert r.status_code == 403, (what, r.text)
        assert r.headers["content-type"] == PROBLEM, what
        assert "no longer" in r.json()["detail"], what
    after = (await client.get(path)).json()  # the admin still sees it, unchanged
    assert after["url"] == hook["url"] and after["deliveries"] == {"succeeded": 1}

    # A new event while they are a viewer: no delivery is written, nothing arrives.
    await factories.create_card(client, board["id"])
    assert len(await deliveries(client, hook["id"])) == 1

    await _set_role(client, board["id"], owner["id"], "lead")
    assert (await me.get(path)).status_code == 200
    third = await factories.create_card(client, board["id"])
    await settled(client, hook["id"], 2)
    assert _card_ids(receiver) == [first["id"], third["id"]]  # never the viewer-time card


async def test_a_delivery_queued_before_the_demotion_is_never_sent(
    quiet: Quiet, receivers: Callable[..., Awaitable[Receiver]]
):
    receiver = await receivers()
    admin = quiet.client
    board = await factories.create_board(admin)
    owner, token = await factories.create_user(admin, role="agent")
    await factories.add_member(admin, board["id"], owner["id"], role="lead")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=quiet.app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as me:
        r = await me.post(
            "/api/webhooks",
            json={"url": receiver.url, "event_types": ["card.*"], "board_id": board["id"]},
        )
    assert r.status_code == 201, r.text
    hook = r.json()
    await factories.create_card(admin, board["id"])  # queued; no relay runs here yet
    [queued] = await deliveries(admin, hook["id"])
    assert queued["state"] == "pending"

    await _set_role(admin, board["id"], owner["id"], "viewer")
    relay = Relay(quiet.app.state.db, quiet.settings)
    await relay.start()
    try:
        relay.wake()
        [dead] = await eventually(
            lambda: deliveries(admin, hook["id"]),
            lambda ds: ds[0]["state"] == "dead",
            what="the queued delivery given up",
        )
        assert dead["attempts"] == 0 and dead["last_error"] == NOT_SENT
        assert receiver.requests == []

        await _set_role(admin, board["id"], owner["id"], "lead")
        card = await factories.create_card(admin, board["id"])
        await receiver.wait_for(1)
        assert receiver.requests[0].json["data"]["card_id"] == card["id"]
    finally:
        await relay.stop()


async def test_a_deactivated_owners_endpoint_receives_nothing_until_reactivated(
    client: httpx.AsyncClient, as_user: Callable[[str], httpx.AsyncClient], receiver: Receiver
):
    board, _me, owner, hook = await _lead_with_endpoint(client, as_user, receiver.url)
    first = await factories.create_card(client, board["id"])
    await receiver.wait_for(1)
    await settled(client, hook["id"], 1)

    r = await client.post(f"/api/users/{owner['id']}/deactivate")
    assert r.status_code == 200, r.text
    await factories.create_card(client, board["id"])  # no delivery while deactivated
    assert len(await deliveries(client, hook["id"])) == 1

    r = await client.post(f"/api/users/{owner['id']}/reactivate")
    assert r.status_code == 200, r.text
    third = await factories.create_card(client, board["id"])
    await settled(client, hook["id"], 2)
    assert _card_ids(receiver) == [first["id"], third["id"]]
