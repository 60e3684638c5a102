"""The scheduled scan in a real server, on the real clock, seen through a real websocket;
the setting that turns it off; and a scheduler that never runs two scans at once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES

from app.alerts.scheduler import AlertScheduler
from tests.alerts.helpers import card, listed, make_board
from tests.conftest import LiveServer
from tests.realtime.helpers import ws_connect

TRIAGE = {"name": "Triage", "stage": "backlog"}
DONE = {"name": "Resolved", "stage": "done"}


def _stalling(seconds: int) -> dict[str, Any]:
    return {"name": "Investigating", "stage": "active", "stall_after_seconds": seconds}


async def _alerts_for(
    ws: Any, card_id: int, until: float, stop_at_first: bool
) -> list[dict[str, Any]]:
    """alert.raised events for the card that arrive before ``until`` (monotonic time)."""
    found: list[dict[str, Any]] = []
    while (left := until - time.monotonic()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        if message["type"] == "alert.raised" and message["data"]["card_id"] == card_id:
            found.append(message)
            if stop_at_first:
                break
    return found


@pytest.fixture
async def live(settings) -> AsyncIterator[Any]:
    """Start real uvicorn processes with extra environment; stopped at the end."""
    started: list[LiveServer] = []

    async def start(**env: str) -> LiveServer:
        server = await asyncio.to_thread(LiveServer, settings.database_url, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        await asyncio.to_thread(server.stop)


async def _board_and_since(client: Any, stall_seconds: int) -> tuple[int, int, int]:
    bid, (_, inv, _) = await make_board(client, [TRIAGE, _stalling(stall_seconds), DONE])
    since = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]
    return bid, inv, since


async def test_a_server_with_the_scheduler_on_pushes_one_stalled_alert_over_the_websocket(
    client, live
):
    server = await live(SWARMBOARD_SCHEDULER="on", SWARMBOARD_ALERT_SCAN_SECONDS="1")
    bid, inv, since = await _board_and_since(client, 2)

    async with ws_connect(server.ws_url, bid, since=since) as ws:
        cid = await card(client, bid, inv)
        created = time.monotonic()
        first = await _alerts_for(ws, cid, created + 8, stop_at_first=True)
        assert first, "no alert.raised within 8 s"
        arrived = time.monotonic() - created
        more = await _alerts_for(ws, cid, time.monotonic() + 3, stop_at_first=False)

    assert more == []  # three more scans, no second alert
    [event] = first
    assert event["data"]["kind"] == "stalled" and event["data"]["column_id"] == inv
    assert event["actor"] == {"id": None, "kind": "system"}
    assert arrived > 1.5  # not before the card sat in the column for 2 s (real clock)
    assert event["data"]["measured_seconds"] > 2
    [alert] = await listed(client, bid)
    assert (alert["id"], alert["card_id"], alert["state"]) == (
        event["data"]["alert_id"],
        cid,
        "open",
    )


async def test_the_in_process_test_app_runs_no_scheduler(app):
    assert app.state.settings.scheduler == "off"
    assert not app.state.alerts._scheduler.running
    assert app.state.alerts._scheduler.get_jobs() == []


async def test_a_tick_that_comes_while_the_scan_runs_starts_no_second_scan(app, monkeypatch):
    """A real scheduler with a short interval and a scan that waits to be let go: the ticks
    that come meanwhile start nothing, and the next scan starts once the first has ended."""
    scheduler = AlertScheduler(app.state.db, 0.02)
    starts = running = most = skipped = 0
    release_first = asyncio.Event()
    look = asyncio.Event()  # three ticks were skipped, or two scans overlapped
    second_started = asyncio.Event()

    async def scan(now: Any = None) -> None:
        nonlocal starts, running, most
        starts += 1
        running += 1
        most = max(most, running)
        if running > 1:
            look.set()
        try:
            if starts == 1:
                await release_first.wait()
            else:
                second_started.set()
        finally:
            running -= 1

    def tick_skipped(event: Any) -> None:
        nonlocal skipped
        skipped += 1
        if skipped == 3:
            look.set()

    monkeypatch.setattr(scheduler, "run_once", scan)
    scheduler._scheduler.add_listener(tick_skipped, EVENT_JOB_MAX_INSTANCES)
    scheduler.start()
    try:
        # The timeouts only bound a broken run; nothing below depends on how long it took.
        await asyncio.wait_for(look.wait(), 10)
        # Ticks came during the first scan, and none of them started a second one.
        assert (starts, running) == (1, 1) and skipped >= 3
        release_first.set()
        await asyncio.wait_for(second_started.wait(), 10)
    finally:
        release_first.set()
        scheduler.shutdown()
    assert starts >= 2 and most == 1  # never two scans at once
    await asyncio.sleep(0)  # APScheduler's asyncio shutdown runs on the next loop turn
    assert not scheduler._scheduler.running
