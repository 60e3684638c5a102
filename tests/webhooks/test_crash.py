"""Real server processes: a relay SIGKILLed mid-delivery loses nothing, and relays in two
replicas never send the same delivery twice.

They run on the quiet test database, where the only relays are the live servers'."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, LiveServer
from tests.factories import create_board, create_card
from tests.webhooks.helpers import (
    Quiet,
    board_events,
    deliveries,
    event_ids,
    settled,
    subscribe,
    verify,
)
from tests.webhooks.receiver import Receiver

Start = Callable[..., Awaitable[LiveServer]]


def _api(server: LiveServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    )


async def test_a_relay_killed_mid_delivery_loses_nothing(
    quiet: Quiet, live: Start, receiver: Receiver
):
    client = quiet.client
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    receiver.hold()  # every request stays open, unanswered
    for _ in range(4):  # queued before the server starts: claimed together as it does
        await create_card(client, board["id"])

    first = await live()
    async with _api(first) as api:
        for _ in range(2):  # and created through it while its workers are busy
            r = await api.post(f"/api/boards/{board['id']}/cards", json={"title": "Later"})
            assert r.status_code == 201, r.text
    created = await event_ids(client, board["id"], "card.created")
    assert len(created) == 6
    # The server's workers are now waiting on answers: at least the four deliveries that
    # were due when it started are in flight (the two created through it may be too).
    await receiver.wait_until(lambda reqs: len({r.webhook_id for r in reqs}) >= 4)

    first.proc.kill()  # SIGKILL: no shutdown, no grace, requests still open
    await asyncio.to_thread(first.proc.wait)
    arrived_before = len(receiver.requests)
    unfinished = await deliveries(client, hook["id"])
    assert len(unfinished) == 6
    # None got an answer (an attempt that ran into the timeout is "failed", retried).
    assert {d["state"] for d in unfinished} <= {"pending", "failed"}

    await live()
    receiver.release()  # from now on every request is answered 200 at once
    done = await settled(client, hook["id"], 6, within=30)

    assert [d["event_id"] for d in done] == created
    after = receiver.requests[arrived_before:]
    assert {r.webhook_id for r in after} == set(created)  # every event, after the crash
    for request in after:
        verify(hook["secret"], request)
    # At least once: deduplicated by webhook-id, the consumer saw each event once.
    assert set(receiver.ids) == set(created)


async def test_two_replicas_claim_each_delivery_once(
    quiet: Quiet, live: Start, receiver: Receiver, is_postgres: bool
):
    if not is_postgres:
        pytest.skip(
            "replica relays share the work through FOR UPDATE SKIP LOCKED, a PostgreSQL "
            "feature; SQLite deployments run a single replica"
        )
    client = quiet.client
    # A lease far longer than any attempt here: a second send could only come from two
    # relays claiming the same delivery, not from a lease running out on a slow machine.
    one, two = await asyncio.gather(
        *(live(SWARMBOARD_WEBHOOK_LEASE_SECONDS="60") for _ in range(2))
    )
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])

    async def burst(server: LiveServer, n: int) -> None:
        async with _api(server) as api:
            for i in range(n):
                r = await api.post(f"/api/boards/{board['id']}/cards", json={"title": f"T{i}"})
                assert r.status_code == 201, r.text

    await asyncio.gather(*(burst(s, 30) for s in (one, two, one, two)))
    events = await board_events(client, board["id"])
    created = [e["id"] for e in events if e["type"] == "card.created"]
    assert len(created) == 120

    done = await settled(client, hook["id"], 120, within=30)

    assert sorted(d["event_id"] for d in done) == sorted(created)
    assert {d["attempts"] for d in done} == {1}
    counts = receiver.counts()
    assert set(counts) == set(created)
    assert [i for i, n in counts.items() if n > 1] == []
