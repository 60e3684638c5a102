"""Two uvicorn replicas on one database: moves made through B reach a client on A.

Runs with Redis pub/sub on either database, and with PostgreSQL LISTEN/NOTIFY on
PostgreSQL (see ``broker_kind`` in conftest.py).
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from tests.conftest import LiveServer
from tests.factories import add_member, create_board, create_card, create_user, events
from tests.realtime.helpers import api_call, http_move, receive, until_closed, ws_connect

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def replicas(settings, app, broker_kind):
    extra: dict[str, str] = {}
    if broker_kind == "redis":
        extra = {
            "SWARMBOARD_REDIS_URL": REDIS_URL,
            "SWARMBOARD_REDIS_CHANNEL": f"swarmboard:test:{uuid.uuid4().hex}",
        }
    a = LiveServer(settings.database_url, **extra)
    b = LiveServer(settings.database_url, **extra)
    yield a, b
    a.stop()
    b.stop()


async def _board_with_cards(client, n):
    board = await create_board(
        client,
        columns=[
            {"name": "A", "stage": "active"},
            {"name": "B", "stage": "active"},
        ],
    )
    cols = [c["id"] for c in board["columns"]]
    cards = [await create_card(client, board["id"]) for _ in range(n)]
    return board, cols, cards


async def _kill_broker_connections(broker_kind, database_url):
    """Cut every listener connection at the server side, as a network drop would."""
    if broker_kind == "postgres":
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
        conn = await asyncpg.connect(dsn)
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'swarmboard-listener' AND datname = current_database()"
            )
        finally:
            await conn.close()
    else:
        r = aioredis.Redis.from_url(REDIS_URL)
        try:
            clients = await r.client_list()
            killed = 0
            for c in clients:
                if c.get("name") == "swarmboard-listener":
                    await r.client_kill_filter(_id=c["id"])
                    killed += 1
        finally:
            await r.aclose()
    assert killed >= 2  # both replicas' listeners were connected and are now cut


async def test_moves_through_b_reach_a_client_on_a_in_order_exactly_once(client, replicas):
    a, b = replicas
    board, cols, cards = await _board_with_cards(client, 10)
    start = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(a.ws_url, board["id"], since=start) as ws:
        for card in cards[:5]:  # one by one...
            assert (await http_move(b.url, card["id"], cols[1])).status_code == 200
        results = await asyncio.gather(  # ...and concurrently
            *(http_move(b.url, card["id"], cols[1]) for card in cards[5:])
        )
        assert all(r.status_code == 200 for r in results)
        got = await receive(ws, 10)
        # A sentinel: if anything had been delivered twice, it would come before this.
        assert (await http_move(b.url, cards[0]["id"], cols[0])).status_code == 200
        (sentinel,) = await receive(ws, 1)

    logged = await events(client, board["id"], since=start)
    assert got == logged[:10]
    assert [e["seq"] for e in got] == list(range(start + 1, start + 11))
    assert sorted(e["data"]["card_id"] for e in got) == sorted(c["id"] for c in cards)
    assert sentinel == logged[10]


async def test_a_dropped_broker_connection_loses_nothing(client, replicas, broker_kind, settings):
    a, b = replicas
    board, cols, cards = await _board_with_cards(client, 6)
    start = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(a.ws_url, board["id"], since=start) as ws:
        assert (await http_move(b.url, cards[0]["id"], cols[1])).status_code == 200
        (first,) = await receive(ws, 1)
        await _kill_broker_connections(broker_kind, settings.database_url)
        # Moves committed while the listeners are down or reconnecting.
        for card in cards[1:]:
            assert (await http_move(b.url, card["id"], cols[1])).status_code == 200
        rest = await receive(ws, 5, within=20)
        assert (await http_move(b.url, cards[0]["id"], cols[0])).status_code == 200
        (sentinel,) = await receive(ws, 1, within=20)

    logged = await events(client, board["id"], since=start)
    assert [first, *rest, sentinel] == logged


async def test_removing_a_member_through_b_closes_their_socket_on_a(client, replicas):
    """An access change made on one replica reaches the person's socket on the other: it
    gets the removal, then close code 4408, and nothing after; reconnecting is refused."""
    a, b = replicas
    board, cols, cards = await _board_with_cards(client, 1)
    member, token = await create_user(client, role="agent")
    await add_member(client, board["id"], member["id"])
    start = (await events(client, board["id"]))[-1]["seq"]
    async with ws_connect(a.ws_url, board["id"], since=start - 1, token=token) as ws:
        await receive(ws, 1)  # streaming before the removal
        r = await api_call(b.url, "DELETE", f"/api/boards/{board['id']}/members/{member['id']}")
        assert r.status_code == 204, r.text
        assert (await http_move(b.url, cards[0]["id"], cols[1])).status_code == 200
        seen, code = await until_closed(ws, within=20)
    assert code == 4408
    assert [(e["type"], e["data"]["user_id"]) for e in seen] == [("member.removed", member["id"])]
    async with ws_connect(a.ws_url, board["id"], token=token) as ws:
        assert await until_closed(ws) == ([], 4404)
