"""Memory upkeep: a replica collects its garbage cycles on a timer and says so in /metrics."""

from __future__ import annotations

import asyncio
import time
import weakref

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import LiveServer


def _upkeep(server: LiveServer) -> dict[str, float]:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        if family.name.startswith("swarmboard_memory_upkeep")
        for s in family.samples
    }


class _Node:
    """A reference cycle: nothing but the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


async def test_an_upkeep_run_frees_a_reference_cycle_and_counts_its_pause(app, client):
    upkeep = app.state.memory
    node = _Node()
    gone = weakref.ref(node)
    del node
    assert gone() is not None  # only a collection frees it
    runs = upkeep.runs

    await upkeep.run_once()

    assert gone() is None
    assert upkeep.runs == runs + 1 and upkeep.collected >= 1
    text = (await client.get("/metrics")).text
    assert f"swarmboard_memory_upkeep_pause_seconds_count {float(runs + 1)}" in text


async def test_a_replica_runs_the_upkeep_on_its_own_timer(settings):
    server = LiveServer(
        settings.database_url,
        SWARMBOARD_WEBHOOK_RELAY="off",
        SWARMBOARD_MEMORY_UPKEEP_SECONDS="0.5",
    )
    try:
        deadline = time.monotonic() + 20
        while (figures := await asyncio.to_thread(_upkeep, server)).get(
            "swarmboard_memory_upkeep_pause_seconds_count", 0
        ) < 2:
            assert time.monotonic() < deadline, f"no upkeep runs on the timer: {figures}"
            await asyncio.sleep(0.2)
        assert figures["swarmboard_memory_upkeep_pause_seconds_sum"] > 0
        assert figures["swarmboard_memory_upkeep_last_pause_seconds"] > 0
    finally:
        server.stop()
