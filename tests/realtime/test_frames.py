"""Live events written as one shared frame to caught-up sockets, and the queued path.

``swarmboard serve``'s websocket protocol takes each event's pre-encoded frame for every
caught-up socket; a socket whose client reads slowly falls back to its queue, and comes
back once it has caught up. Under uvicorn's own protocols (and with compression) every
event takes the ordinary path. Either way a client sees every event once, in order.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket

import httpx
import pytest

from tests.conftest import LiveServer
from tests.factories import create_board, create_card, events
from tests.realtime.helpers import (
    http_move,
    raw_ws_handshake,
    read_frame,
    receive,
    ws_connect,
)


def _sent(server: LiveServer) -> dict[str, float]:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    found = re.findall(r'^swarmboard_websocket_events_total\{path="(\w+)"\} (\S+)$', text, re.M)
    return {path: float(value) for path, value in found}


def _text_frames(sock: socket.socket, count: int) -> list[dict[str, object]]:
    """The next ``count`` text frames' messages (pings skipped), read off a raw socket."""
    out: list[dict[str, object]] = []
    while len(out) < count:
        opcode, payload = read_frame(sock)
        assert opcode in (0x1, 0x9), f"unexpected frame {opcode:#x}: {payload[:80]!r}"
        if opcode == 0x1:
            out.append(json.loads(payload))
    return out


async def _board(client):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    return board, [c["id"] for c in board["columns"]]


async def test_a_slow_reader_gets_every_event_in_order_then_follows_live_again(
    settings, app, client
):
    """Its events queue while its buffers are full; once read, live writes resume."""
    live = LiveServer(settings.database_url, SWARMBOARD_WS_QUEUE_SIZE="1000")
    try:
        board, cols = await _board(client)
        card = await create_card(client, board["id"])
        last = (await events(client, board["id"]))[-1]["seq"]
        slow = await asyncio.to_thread(raw_ws_handshake, live.port, board["id"], last)
        try:
            async with httpx.AsyncClient(headers=client.headers, timeout=30) as http:
                for i in range(300):  # ~5.7 MB: far past the socket buffers, not the queue
                    r = await http.patch(
                        f"{live.url}/api/cards/{card['id']}",
                        json={"description": f"{i} " + "x" * 19_000},
                    )
                    assert r.status_code == 200
            backlog = await asyncio.to_thread(_text_frames, slow, 300)
            assert [e["seq"] for e in backlog] == list(range(last + 1, last + 301))
            assert {e["type"] for e in backlog} == {"card.updated"}
            caught_up = _sent(live)
            assert caught_up["queued"] > 0  # it did fall behind: the queue carried the rest
            for column in (cols[1], cols[2]):
                assert (await http_move(live.url, card["id"], column)).status_code == 200
            moved = await asyncio.to_thread(_text_frames, slow, 2)
        finally:
            slow.close()
        assert [e["seq"] for e in moved] == [last + 301, last + 302]
        assert [e["type"] for e in moved] == ["card.moved", "card.moved"]
        after = _sent(live)
        assert after["direct"] >= caught_up["direct"] + 2  # written at once, caught up again
        assert after["queued"] == caught_up["queued"]
    finally:
        live.stop()


@pytest.mark.parametrize(
    ("ws", "deflate"),
    [("auto", "false"), ("app.realtime.wire:FrameProtocol", "true")],
    ids=["uvicorn-protocol", "compressed"],
)
async def test_without_shared_frames_events_take_the_queue_in_order(
    settings, app, client, ws, deflate
):
    """uvicorn's own protocol, or a compressed socket: the same stream, all queued."""
    live = LiveServer(settings.database_url, ws=ws, SWARMBOARD_WS_PER_MESSAGE_DEFLATE=deflate)
    try:
        board, cols = await _board(client)
        cards = [await create_card(client, board["id"]) for _ in range(3)]
        logged = await events(client, board["id"])
        compression = "deflate" if deflate == "true" else None
        async with ws_connect(live.ws_url, board["id"], compression=compression) as ws_:
            assert (ws_.response.headers.get("Sec-WebSocket-Extensions") is not None) == (
                deflate == "true"
            )
            assert await receive(ws_, len(logged)) == logged
            for card in cards:
                assert (await http_move(live.url, card["id"], cols[1])).status_code == 200
            moved = await receive(ws_, 3)
            assert [e["data"]["card_id"] for e in moved] == [c["id"] for c in cards]
            assert [e["seq"] for e in moved] == [logged[-1]["seq"] + i for i in (1, 2, 3)]
        sent = _sent(live)
        assert sent["direct"] == 0 and sent["queued"] >= 3
    finally:
        live.stop()
