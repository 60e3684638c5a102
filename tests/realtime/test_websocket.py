"""The live board websocket against a real uvicorn, with real websocket clients."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.core.db import sync_url
from tests.conftest import LiveServer
from tests.factories import add_member, create_board, create_card, create_user, events
from tests.realtime.helpers import (
    http_move,
    raw_ws_handshake,
    read_frames_until_close,
    receive,
    until_closed,
    ws_connect,
)


@pytest.fixture(scope="module")
def server(settings, app):
    live = LiveServer(settings.database_url)
    yield live
    live.stop()


async def _board(client, limit=None):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": limit},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return board, [c["id"] for c in board["columns"]]


async def test_replays_the_log_then_streams_live_moves_in_order(client, server):
    board, cols = await _board(client)
    cards = [await create_card(client, board["id"]) for _ in range(3)]
    logged = await events(client, board["id"])

    async with ws_connect(server.ws_url, board["id"]) as ws:
        replay = await receive(ws, len(logged))
        assert replay == logged  # same envelopes, same order, starting at seq 1
        for card in cards:
            r = await http_move(server.url, card["id"], cols[1])
            assert r.status_code == 200
        live = await receive(ws, 3)

    assert [e["type"] for e in live] == ["card.moved"] * 3
    assert [e["data"]["card_id"] for e in live] == [c["id"] for c in cards]
    assert [e["seq"] for e in live] == list(range(len(logged) + 1, len(logged) + 4))
    assert set(live[0]) == {"id", "seq", "board_id", "type", "at", "actor", "data"}
    # What went out live is what the log keeps (the same id, time and data), so a client
    # that later resyncs from the log recognises the events it already has.
    assert live == await events(client, board["id"], since=len(logged))


async def test_since_skips_what_the_client_already_has(client, server):
    board, _ = await _board(client)
    await create_card(client, board["id"])
    logged = await events(client, board["id"])
    since = logged[-2]["seq"]
    async with ws_connect(server.ws_url, board["id"], since=since) as ws:
        (first,) = await receive(ws, 1)
    assert first == logged[-1]


async def test_a_refused_move_is_never_announced(client, server):
    board, cols = await _board(client, limit=1)
    first, second, third = [await create_card(client, board["id"]) for _ in range(3)]
    last = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(server.ws_url, board["id"], since=last) as ws:
        assert (await http_move(server.url, first["id"], cols[1])).status_code == 200
        assert (await http_move(server.url, second["id"], cols[1])).status_code == 409
        assert (await http_move(server.url, third["id"], cols[2])).status_code == 200
        got = await receive(ws, 2)
    assert [(e["type"], e["data"]["card_id"]) for e in got] == [
        ("card.moved", first["id"]),
        ("card.moved", third["id"]),
    ]
    assert [e["seq"] for e in got] == [last + 1, last + 2]


async def test_bad_token_and_non_member_get_no_data(client, server):
    board, _ = await _board(client)
    outsider, outsider_token = await create_user(client, role="agent")
    for token, code in (("sb_not_a_real_token", 4401), (outsider_token, 4404)):
        async with ws_connect(server.ws_url, board["id"], token=token) as ws:
            assert await until_closed(ws) == ([], code)
    # The same person, once a member, is let in and receives the log.
    await add_member(client, board["id"], outsider["id"])
    async with ws_connect(server.ws_url, board["id"], token=outsider_token) as ws:
        (first,) = await receive(ws, 1)
    assert first["seq"] == 1 and first["type"] == "board.created"


async def test_client_ahead_of_the_log_is_told_to_resync(client, server):
    board, _ = await _board(client)
    last = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(server.ws_url, board["id"], since=last + 50) as ws:
        (message,) = await receive(ws, 1)
    assert message == {"type": "resync", "last_seq": last}


async def test_position_older_than_the_retained_log_gets_resync_then_live(client, server, settings):
    board, cols = await _board(client)
    card = await create_card(client, board["id"])
    logged = await events(client, board["id"])
    # Simulate retention: the oldest events have been pruned from the log.
    engine = create_engine(sync_url(settings.database_url).replace("+asyncpg", "+asyncpg"))
    if not settings.database_url.startswith("sqlite"):
        engine.dispose()
        import asyncpg
        from sqlalchemy.engine import make_url

        conn = await asyncpg.connect(
            make_url(settings.database_url).set(drivername="postgresql").render_as_string(False)
        )
        await conn.execute("DELETE FROM board_events WHERE board_id = $1 AND seq <= 2", board["id"])
        await conn.close()
    else:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM board_events WHERE board_id = :b AND seq <= 2"),
                {"b": board["id"]},
            )
        engine.dispose()

    async with ws_connect(server.ws_url, board["id"], since=0) as ws:
        (message,) = await receive(ws, 1)
        assert message == {"type": "resync", "last_seq": logged[-1]["seq"]}
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        (live,) = await receive(ws, 1)
    assert live["seq"] == logged[-1]["seq"] + 1


async def test_a_client_that_stops_reading_is_cut_off_with_resync(settings, app, client):
    """A bounded queue: the server closes a stalled client instead of buffering."""
    live = LiveServer(settings.database_url, SWARMBOARD_WS_QUEUE_SIZE="4")
    try:
        board, _ = await _board(client)
        card = await create_card(client, board["id"])
        last = (await events(client, board["id"]))[-1]["seq"]
        # A raw socket with a small receive window that reads nothing after the handshake
        # (client libraries keep reading into their own memory).
        stalled = await asyncio.to_thread(raw_ws_handshake, live.port, board["id"], last)
        try:
            async with httpx.AsyncClient(headers=client.headers, timeout=30) as http:
                for i in range(400):  # ~7.6 MB of events, far beyond the socket buffers
                    r = await http.patch(
                        f"{live.url}/api/cards/{card['id']}",
                        json={"description": f"{i} " + "x" * 19_000},
                    )
                    assert r.status_code == 200
            frames = await asyncio.to_thread(read_frames_until_close, stalled)
        finally:
            stalled.close()
        opcode, payload = frames[-1]
        assert opcode == 0x8 and int.from_bytes(payload[:2], "big") == 4000
        delivered = [f for f in frames if f[0] == 0x1]
        assert len(delivered) < 400  # it was cut off, not sent everything
    finally:
        live.stop()


async def test_client_messages_are_ignored_and_the_stream_continues(client, server):
    board, cols = await _board(client)
    card = await create_card(client, board["id"])
    last = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(server.ws_url, board["id"], since=last) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        await ws.send("not json")
        assert (await http_move(server.url, card["id"], cols[1])).status_code == 200
        (moved,) = await receive(ws, 1)
    assert moved["seq"] == last + 1
