"""Graceful shutdown: on SIGTERM a real server closes its websockets with a reconnect code,
finishes the webhook attempt in flight, lets a running alert scan finish, and exits 0."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.alerts.scheduler import AlertScheduler
from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, empty_database
from tests.factories import create_board, create_card
from tests.ops.helpers import serve_process
from tests.realtime.helpers import receive, ws_connect
from tests.webhooks.helpers import deliveries, subscribe
from tests.webhooks.receiver import Receiver

# Close codes that tell a client "this server is going away: reconnect".
RECONNECT = {1001, 1012}


@pytest.fixture
def own_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (``serve`` migrates it), so no other relay
    running in the session can take its delivery."""
    with empty_database(database_url, tmp_path, "sb_shutdown") as url:
        yield url


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.stop()


async def _deliveries_after(settings: Settings, url: str, endpoint_id: int) -> list[dict[str, Any]]:
    """The endpoint's deliveries, through the API of an app (no relay) on that database."""
    app = create_app(settings.model_copy(update={"database_url": url, "webhook_relay": "off"}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as client,
    ):
        return await deliveries(client, endpoint_id)


async def test_sigterm_closes_websockets_finishes_the_webhook_attempt_and_exits_0(
    settings: Settings, own_url: str, receiver: Receiver, tmp_path: Path
):
    receiver.hold()  # the receiver answers only when the test says so: a slow endpoint
    with serve_process(
        own_url,
        tmp_path,
        SWARMBOARD_WEBHOOK_RELAY="on",
        SWARMBOARD_SCHEDULER="on",
        SWARMBOARD_ALERT_SCAN_SECONDS="0.5",
        SWARMBOARD_WEBHOOK_TIMEOUT_SECONDS="20",
        SWARMBOARD_WEBHOOK_LEASE_SECONDS="30",
        SWARMBOARD_SHUTDOWN_GRACE_SECONDS="10",
    ) as server:
        api = httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        )
        async with api, AsyncExitStack() as stack:
            board = await create_board(api)
            hook = await subscribe(api, receiver.url, ["card.created"], board["id"])
            since = (await api.get(f"/api/boards/{board['id']}")).json()["last_seq"]
            sockets = [
                await stack.enter_async_context(
                    ws_connect(server.url.replace("http://", "ws://"), board["id"], since)
                )
                for _ in range(2)
            ]
            await create_card(api, board["id"])
            for ws in sockets:  # both are live
                [event] = await receive(ws, 1)
                assert event["type"] == "card.created"
            await receiver.wait_for(1)  # the attempt is in flight, unanswered

            server.proc.send_signal(signal.SIGTERM)
            for ws in sockets:
                await asyncio.wait_for(ws.wait_closed(), 5)
            codes = [ws.close_code for ws in sockets]
            await asyncio.sleep(1)  # a slow endpoint: the server waits for its answer
            still_running = server.proc.poll() is None
            receiver.release()
            exit_code = await asyncio.to_thread(server.proc.wait, 15)
        log = [json.loads(x) for x in server.stderr().splitlines() if x.startswith("{")]

    assert all(code in RECONNECT for code in codes), codes
    assert still_running
    assert exit_code == 0
    [request] = receiver.requests  # one attempt, answered
    assert request.status == 200
    assert request.json["type"] == "card.created"
    [delivery] = await _deliveries_after(settings, own_url, hook["id"])
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
        "succeeded",
        1,
        200,
    )
    ours = [e["message"] for e in log if e["logger"] == "app.main"]
    assert any(m.startswith("shutdown started") for m in ours), ours
    assert ours[-1].startswith("shutdown complete"), ours
    assert not [e for e in log if e["level"] in ("error", "critical")]


async def test_a_running_scan_finishes_and_no_new_one_starts_once_stopping(app, monkeypatch):
    scheduler = AlertScheduler(app.state.db, 0.5)
    started = 0
    held = asyncio.Event()
    release = asyncio.Event()
    scan = scheduler.run_once

    async def slow_scan() -> Any:
        nonlocal started
        started += 1
        held.set()
        await release.wait()
        return await scan()

    monkeypatch.setattr(scheduler, "run_once", slow_scan)
    scheduler.start()
    try:
        await asyncio.wait_for(held.wait(), 5)
        stopping = asyncio.create_task(scheduler.stop(10))
        # Longer than the interval: a scheduler still running would start the next scan.
        await asyncio.sleep(1.2)
        release.set()
        await asyncio.wait_for(stopping, 10)
    finally:
        scheduler.shutdown()

    assert (started, scheduler.runs) == (1, 1)  # the running scan finished; none after
