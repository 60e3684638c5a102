"""A board role changed in place (PATCH) closes the member's open socket like a removal:
the reconnect is checked afresh and gets the new role's view (real uvicorn)."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer
from tests.factories import add_member, create_board, create_card, create_user, events
from tests.realtime.helpers import api_call, http_move, receive, until_closed, ws_connect


@pytest.fixture(scope="module")
def server(settings, app):
    live = LiveServer(settings.database_url)
    yield live
    live.stop()


async def test_a_new_board_role_closes_the_socket_and_the_reconnect_sees_the_new_view(
    client, server
):
    board = await create_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    cols = [c["id"] for c in board["columns"]]
    member, token = await create_user(client, role="agent")
    await add_member(client, board["id"], member["id"])
    last = (await events(client, board["id"]))[-1]["seq"]
    card = await create_card(client, board["id"], column_id=cols[0])
    url = f"/api/boards/{board['id']}/members/{member['id']}"

    async with ws_connect(server.ws_url, board["id"], since=last, token=token) as ws:
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        before = await receive(ws, 3)  # card.created, card.moved, confirmation.requested
        r = await api_call(server.url, "PATCH", url, json={"role": "viewer"})
        assert r.status_code == 200, r.text
        seen, code = await until_closed(ws)
    (asked,) = [e for e in before if e["type"] == "confirmation.requested"]
    assert asked["data"]["url"].startswith("http")  # an agent contacts the customer
    assert code == 4408
    assert [(e["type"], e["data"]["role"]) for e in seen] == [("member.updated", "viewer")]

    async with ws_connect(server.ws_url, board["id"], since=last, token=token) as ws:
        again = await receive(ws, 4)  # ... and member.updated
    (redacted,) = [e for e in again if e["type"] == "confirmation.requested"]
    assert redacted["data"]["url"] is None
    assert asked["data"]["url"] not in str(again)
