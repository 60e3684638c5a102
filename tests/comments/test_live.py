"""A comment reaches the board's open websockets as it is committed (real uvicorn, real
websocket clients): the mentioned person's page gets what it needs for its toast."""

from __future__ import annotations

import pytest

from tests.comments.helpers import person
from tests.conftest import LiveServer
from tests.factories import add_member, create_board, create_card, events
from tests.realtime.helpers import api_call, receive, ws_connect


@pytest.fixture(scope="module")
def server(settings, app):
    live = LiveServer(settings.database_url, SWARMBOARD_WEBHOOK_RELAY="off")
    yield live
    live.stop()


async def test_a_mentioned_member_receives_the_comment_live(client, server):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    author, author_token = await person(client, "agent")
    mentioned, mentioned_token = await person(client, "viewer")
    for u, role in ((author, "agent"), (mentioned, "viewer")):
        await add_member(client, board["id"], u["id"], role)
    last = (await events(client, board["id"]))[-1]["seq"]
    handle = mentioned["email"].split("@")[0]

    async with ws_connect(server.ws_url, board["id"], since=last, token=mentioned_token) as ws:
        r = await api_call(
            server.url,
            "POST",
            f"/api/cards/{card['id']}/comments",
            token=author_token,
            json={"body": f"@{handle} the refund went through"},
        )
        assert r.status_code == 201, r.text
        (live,) = await receive(ws, 1)

    made = r.json()
    assert live["type"] == "card.commented" and live["seq"] == last + 1
    assert live["actor"] == {"id": author["id"], "kind": "user"}
    assert live["data"] == {
        "card_id": card["id"],
        "comment_id": made["id"],
        "body": f"@{handle} the refund went through",
        "mentions": [mentioned["id"]],
    }
    assert made["mentions"] == [mentioned["id"]]
    # What went out live is what the log keeps.
    assert [live] == await events(client, board["id"], since=last)


async def test_a_refused_comment_is_never_announced(client, server):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    viewer, viewer_token = await person(client, "viewer")
    await add_member(client, board["id"], viewer["id"], "viewer")
    last = (await events(client, board["id"]))[-1]["seq"]

    async with ws_connect(server.ws_url, board["id"], since=last) as ws:
        url = f"/api/cards/{card['id']}/comments"
        refused = await api_call(server.url, "POST", url, token=viewer_token, json={"body": "hi"})
        assert refused.status_code == 403, refused.text
        ok = await api_call(server.url, "POST", url, json={"body": "from the admin"})
        assert ok.status_code == 201, ok.text
        (first,) = await receive(ws, 1)
    # The first thing the socket hears is the admin's comment: the refused one left nothing.
    assert first["seq"] == last + 1 and first["data"]["comment_id"] == ok.json()["id"]
