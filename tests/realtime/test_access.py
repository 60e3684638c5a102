"""Who may keep a live board socket, and what they see on it (real uvicorn, real clients).

Refusals are close codes a client can read (not a bare HTTP 403); an access change
closes the person's sockets on that board with 4408 right after the event that changed
it, and the reconnect is checked afresh; a person has at most
``SWARMBOARD_WS_MAX_PER_PERSON`` sockets per process; read-only roles never receive the
customer's confirmation link.
"""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer
from tests.factories import add_member, create_board, create_card, create_user, events
from tests.realtime.helpers import (
    api_call,
    close_code_of,
    http_move,
    receive,
    until_closed,
    ws_connect,
)

SECRET = "sb_not_a_real_token"


@pytest.fixture(scope="module")
def server(settings, app):
    live = LiveServer(settings.database_url)
    yield live
    live.stop()


async def _board(client):
    board = await create_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return board, [c["id"] for c in board["columns"]]


async def _member(client, board_id, role="agent", board_role=None):
    user, token = await create_user(client, role=role)
    await add_member(client, board_id, user["id"], board_role)
    return user, token


async def test_each_refusal_is_a_close_code_the_client_can_read(client, server):
    board, _ = await _board(client)
    _, outsider = await create_user(client, role="agent")
    bearer = {"Authorization": "Bearer " + (await _member(client, board["id"]))[1]}
    b = board["id"]
    cases = [
        (f"/ws/boards/{b}?since=-1", bearer, 4400),
        (f"/ws/boards/{b}?since=abc", bearer, 4400),
        ("/ws/boards/not-a-board?since=0", bearer, 4400),
        (f"/ws/boards/{b}?since=99999999999", bearer, 4400),
        (f"/ws/boards/{b}?since=0", {}, 4401),
        (f"/ws/boards/{b}?since=0", {"Authorization": f"Bearer {SECRET}"}, 4401),
        (f"/ws/boards/{b}?since=0", {"Authorization": "Basic eDp5"}, 4401),
        # A browser on another site's page: refused before any cookie is looked at.
        (f"/ws/boards/{b}?since=0", {"Origin": "https://evil.example"}, 4403),
        ("/ws/boards/2147483647?since=0", bearer, 4404),
        (f"/ws/boards/{b}?since=0", {"Authorization": f"Bearer {outsider}"}, 4404),
    ]
    got = [
        (path, (await close_code_of(server.ws_url, path, **headers))[0])
        for path, headers, _ in cases
    ]
    assert got == [(path, code) for path, _, code in cases]
    # The reason names the refusal, for people reading a client's log.
    assert (await close_code_of(server.ws_url, f"/ws/boards/{b}?since=0"))[1] == (
        "authentication required"
    )


async def test_a_removed_member_is_cut_off_on_the_removal_and_refused_on_reconnect(client, server):
    board, cols = await _board(client)
    card = await create_card(client, board["id"], column_id=cols[0])
    member, token = await _member(client, board["id"])
    _, colleague = await _member(client, board["id"])
    last = (await events(client, board["id"]))[-1]["seq"]

    async with (
        ws_connect(server.ws_url, board["id"], since=last - 1, token=token) as ws,
        ws_connect(server.ws_url, board["id"], since=last - 1, token=colleague) as other,
    ):
        # The newest event arrives on both: each is streaming before the removal.
        await receive(ws, 1)
        await receive(other, 1)
        r = await api_call(
            server.url, "DELETE", f"/api/boards/{board['id']}/members/{member['id']}"
        )
        assert r.status_code == 204, r.text
        # A later change on the board must not reach the removed member.
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        seen, code = await until_closed(ws)
        (removed, moved) = await receive(other, 2)

    assert code == 4408
    assert [e["type"] for e in seen] == ["member.removed"]
    assert seen[0]["data"]["user_id"] == member["id"]
    # The colleague keeps the socket and sees the move.
    assert (removed["type"], moved["type"]) == ("member.removed", "card.moved")
    # Reconnecting is checked afresh: no longer a member.
    code, _ = await close_code_of(
        server.ws_url, f"/ws/boards/{board['id']}?since=0", Authorization=f"Bearer {token}"
    )
    assert code == 4404


async def test_a_revoked_token_closes_its_persons_sockets_and_cannot_reconnect(client, server):
    board, _ = await _board(client)
    member, first = await _member(client, board["id"])
    r = await api_call(
        server.url, "POST", f"/api/users/{member['id']}/tokens", json={"name": "cli"}
    )
    assert r.status_code == 201, r.text
    second, second_id = r.json()["token"], r.json()["id"]
    last = (await events(client, board["id"]))[-1]["seq"]

    async with ws_connect(server.ws_url, board["id"], since=last - 1, token=second) as ws:
        await receive(ws, 1)  # streaming before the revocation
        r = await api_call(
            server.url, "DELETE", f"/api/users/{member['id']}/tokens/{second_id}", token=first
        )
        assert r.status_code == 204, r.text
        seen, code = await until_closed(ws)
    assert code == 4408
    assert [(e["type"], e["data"]["user_id"]) for e in seen] == [("access.changed", member["id"])]
    code, _ = await close_code_of(
        server.ws_url, f"/ws/boards/{board['id']}?since=0", Authorization=f"Bearer {second}"
    )
    assert code == 4401
    # The person's other token still opens the board.
    async with ws_connect(server.ws_url, board["id"], since=last, token=first) as ws:
        (changed,) = await receive(ws, 1)
    assert changed["type"] == "access.changed"


async def test_a_changed_board_role_closes_the_socket_and_the_reconnect_gets_the_new_view(
    client, server
):
    """A board role changes by removing the person and adding them back with another
    role: the socket opened as agent (which saw the link) closes at the removal, and the
    one opened as viewer sees the link redacted."""
    board, cols = await _board(client)
    member, token = await _member(client, board["id"], "agent")
    last = (await events(client, board["id"]))[-1]["seq"]
    card = await create_card(client, board["id"], column_id=cols[0])
    members = f"/api/boards/{board['id']}/members"

    async with ws_connect(server.ws_url, board["id"], since=last, token=token) as ws:
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        before = await receive(ws, 3)  # card.created, card.moved, confirmation.requested
        r = await api_call(server.url, "DELETE", f"{members}/{member['id']}")
        assert r.status_code == 204, r.text
        r = await api_call(
            server.url, "POST", members, json={"user_id": member["id"], "role": "viewer"}
        )
        assert r.status_code == 201, r.text
        seen, code = await until_closed(ws)
    (asked,) = [e for e in before if e["type"] == "confirmation.requested"]
    assert asked["data"]["url"].startswith("http")
    assert code == 4408
    assert [e["type"] for e in seen] == ["member.removed"]

    async with ws_connect(server.ws_url, board["id"], since=last, token=token) as ws:
        again = await receive(ws, 5)  # ... and member.removed, member.added
    (redacted,) = [e for e in again if e["type"] == "confirmation.requested"]
    assert redacted["data"]["url"] is None and redacted["data"]["redacted"] == ["url"]
    assert asked["data"]["url"] not in str(again)


async def test_viewers_and_facilitators_never_receive_the_confirmation_link(client, server):
    board, cols = await _board(client)
    card = await create_card(client, board["id"], column_id=cols[0])
    _, agent = await _member(client, board["id"], "agent")
    _, viewer = await _member(client, board["id"], "agent", board_role="viewer")
    _, facilitator = await _member(client, board["id"], "facilitator")
    last = (await events(client, board["id"]))[-1]["seq"]

    async with (
        ws_connect(server.ws_url, board["id"], since=last, token=agent) as a,
        ws_connect(server.ws_url, board["id"], since=last, token=viewer) as v,
        ws_connect(server.ws_url, board["id"], since=last, token=facilitator) as f,
    ):
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        live = {name: await receive(ws, 2) for name, ws in (("a", a), ("v", v), ("f", f))}

    def asked(got):
        (event,) = [e for e in got if e["type"] == "confirmation.requested"]
        return event

    url = asked(live["a"])["data"]["url"]
    assert url.startswith("http") and "redacted" not in asked(live["a"])["data"]
    for name in ("v", "f"):
        data = asked(live[name])["data"]
        assert data["url"] is None and data["redacted"] == ["url"]
        assert data["card_id"] == card["id"]
        assert url not in str(live[name])
    # Replay from the log takes the same view.
    async with ws_connect(server.ws_url, board["id"], since=last, token=viewer) as v:
        replayed = await receive(v, 2)
    assert asked(replayed) == asked(live["v"])
    assert url not in str(replayed)


async def test_a_person_gets_at_most_the_configured_sockets_and_a_closed_one_frees_a_slot(
    settings, app, client
):
    live = LiveServer(settings.database_url, SWARMBOARD_WS_MAX_PER_PERSON="2")
    try:
        board, _ = await _board(client)
        _, token = await _member(client, board["id"])
        _, colleague = await _member(client, board["id"])
        last = (await events(client, board["id"]))[-1]["seq"]
        path = f"/ws/boards/{board['id']}?since={last}"
        bearer = f"Bearer {token}"
        # Each of the two receives the newest event: the server has counted it.
        async with ws_connect(live.ws_url, board["id"], since=last - 1, token=token) as one:
            await receive(one, 1)
            async with ws_connect(live.ws_url, board["id"], since=last - 1, token=token) as two:
                await receive(two, 1)
                code, reason = await close_code_of(live.ws_url, path, Authorization=bearer)
                assert (code, reason) == (4429, "too many open sockets")
                # Someone else is not affected by this person's sockets.
                async with ws_connect(live.ws_url, board["id"], since=last, token=colleague):
                    pass
            # One closed: once the server has noticed, a new one is let in and stays.
            created = await _open_when_a_slot_frees(live, board["id"], last, token)
        assert created["type"] == "card.created"
    finally:
        live.stop()


async def _open_when_a_slot_frees(live, board_id, since, token):
    """The first event on a socket of ``token``'s person, retrying while refused with
    4429 (the server frees a slot when it has seen the close, a moment after the client).
    """
    for _ in range(100):
        async with ws_connect(live.ws_url, board_id, since=since, token=token) as ws:
            r = await api_call(
                live.url, "POST", f"/api/boards/{board_id}/cards", json={"title": "Printer"}
            )
            assert r.status_code == 201, r.text
            try:
                (first,) = await receive(ws, 1)
                return first
            except ConnectionClosed:
                assert ws.close_code == 4429
        await asyncio.sleep(0.1)
    raise AssertionError("no slot was freed")
