"""Deactivation on real uvicorn replicas: it applies at once on every replica, and the
person's open socket hears ``access.changed`` and cannot come back."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import ADMIN_TOKEN
from tests.factories import add_member, create_board, create_user, events
from tests.realtime.helpers import receive, ws_connect


async def _get_me(base_url: str, token: str) -> int:
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        return (await http.get(f"{base_url}/api/users/me", timeout=10)).status_code


async def test_deactivation_stops_a_token_on_another_replica_and_tells_the_open_socket(
    client, live_servers
):
    a, b = live_servers
    user, token = await create_user(client, role="agent")
    board = await create_board(client)
    await add_member(client, board["id"], user["id"])
    since = (await events(client, board["id"]))[-1]["seq"]
    # Both replicas have just accepted the token (an in-process cache would now hold it).
    assert await _get_me(a.url, token) == 200
    assert await _get_me(b.url, token) == 200

    async with (
        ws_connect(a.ws_url, board["id"], since=since, token=token) as own,
        ws_connect(a.ws_url, board["id"], since=since) as watcher,
    ):
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
            r = await admin.post(f"{a.url}/api/users/{user['id']}/deactivate", timeout=10)
        assert r.status_code == 200, r.text

        # At once, on the other replica too: no cache keeps the token alive.
        assert await _get_me(b.url, token) == 401
        assert await _get_me(a.url, token) == 401

        (seen,) = await receive(watcher, 1)
        assert seen["type"] == "access.changed"
        assert seen["data"] == {"user_id": user["id"], "reason": "deactivated"}
        # The person's own socket is told too (and then closed), never left streaming.
        try:
            (told,) = await receive(own, 1)
            assert told["type"] == "access.changed"
        except ConnectionClosed:
            pass

    # Reconnecting with the token is refused on either replica.
    for server in (a, b):
        with pytest.raises((InvalidStatus, ConnectionClosed)):
            async with ws_connect(server.ws_url, board["id"], token=token) as again:
                await asyncio.wait_for(again.recv(), 10)


async def test_a_revoked_token_stops_at_once_on_the_replica_that_did_not_revoke_it(
    client, live_servers
):
    a, b = live_servers
    user, _ = await create_user(client, role="agent")
    issued = await client.post(f"/api/users/{user['id']}/tokens", json={"name": "laptop"})
    token, token_id = issued.json()["token"], issued.json()["id"]
    assert await _get_me(b.url, token) == 200  # B has accepted (and once cached) it

    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as own:
        r = await own.delete(f"{a.url}/api/users/{user['id']}/tokens/{token_id}", timeout=10)
    assert r.status_code == 204, r.text
    assert await _get_me(b.url, token) == 401
