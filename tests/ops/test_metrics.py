"""``GET /metrics``: request latency by route template, sockets, scans, deliveries."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from tests import factories
from tests.conftest import ADMIN_TOKEN, LiveServer
from tests.realtime.helpers import ws_connect


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def _scrape(
    client: httpx.AsyncClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return _samples(r.text)


async def test_request_latency_is_labelled_by_route_template_and_status_class(client):
    board = await factories.create_board(client)
    for _ in range(2):
        assert (await client.get(f"/api/boards/{board['id']}")).status_code == 200
    await client.get("/api/boards/999999999")

    text = (await client.get("/metrics")).text
    samples = _samples(text)

    route = (("method", "GET"), ("route", "/api/boards/{board_id}"))
    ok = samples[("swarmboard_http_request_duration_seconds_count", (*route, ("status", "2xx")))]
    missing = samples[
        ("swarmboard_http_request_duration_seconds_count", (*route, ("status", "4xx")))
    ]
    assert ok >= 2 and missing >= 1
    assert f"/api/boards/{board['id']}" not in text  # never a raw path
    assert 'le="0.1"' in text  # a histogram, with buckets


async def test_metrics_are_not_in_the_openapi_schema(client):
    schema = (await client.get("/openapi.json")).json()
    assert "/metrics" not in schema["paths"]


async def test_an_alert_scan_is_counted_with_its_duration(app, client):
    before = await _scrape(client)
    await app.state.alerts.run_once()
    after = await _scrape(client)

    count = ("swarmboard_alert_scan_duration_seconds_count", ())
    total = ("swarmboard_alert_scan_duration_seconds_sum", ())
    assert after[count] == before.get(count, 0) + 1
    assert after[total] > before.get(total, 0)
    last = after[("swarmboard_alert_scan_last_duration_seconds", ())]
    assert last == pytest.approx(app.state.alerts.last.seconds)


@pytest.fixture
async def unreachable_hook(client: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """A board whose card events go to an endpoint where nothing listens (127.0.0.1:9).

    Deleted at the end (and its deliveries with it), so the session's relay does not keep
    retrying them through the tests that follow."""
    board = await factories.create_board(client)
    r = await client.post(
        "/api/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["card.*"], "board_id": board["id"]},
    )
    assert r.status_code == 201, r.text
    yield board
    gone = await client.delete(f"/api/webhooks/{r.json()['id']}")
    assert gone.status_code == 204, gone.text


async def test_webhook_deliveries_are_reported_by_state(client, unreachable_hook):
    board = unreachable_hook
    states = ("pending", "succeeded", "failed", "dead")

    def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
        return sum(samples[("swarmboard_webhook_deliveries", (("state", s),))] for s in states)

    before = await _scrape(client)
    for _ in range(3):
        await factories.create_card(client, board["id"])
    after = await _scrape(client)

    # Three new deliveries, in whatever state the relay has got them to by now.
    assert total(after) == total(before) + 3


async def test_metrics_answer_loopback_but_not_a_public_or_proxied_caller(app, client):
    assert (await client.get("/metrics")).status_code == 200
    proxied = await client.get("/metrics", headers={"X-Forwarded-For": "93.184.215.14"})
    assert proxied.status_code == 403
    public = httpx.ASGITransport(app=app, client=("93.184.215.14", 40000))
    async with httpx.AsyncClient(transport=public, base_url="http://test") as outsider:
        assert (await outsider.get("/metrics")).status_code == 403
        assert (await outsider.get("/healthz")).status_code == 200


async def test_with_a_metrics_token_only_the_bearer_of_it_may_scrape(settings):
    app = create_app(settings.model_copy(update={"metrics_token": "metrics-token-0123456789"}))
    public = httpx.ASGITransport(app=app, client=("93.184.215.14", 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=public, base_url="http://test") as outsider,
    ):
        assert (await outsider.get("/metrics")).status_code == 401
        wrong = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert (await outsider.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer metrics-token-0123456789"}
        r = await outsider.get("/metrics", headers=right)
        assert r.status_code == 200 and "swarmboard_websocket_connections" in r.text


def _socket_count(server: LiveServer) -> float:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    found = re.search(r"^swarmboard_websocket_connections (\S+)$", text, re.M)
    assert found, text
    return float(found.group(1))


async def _until(server: LiveServer, value: float, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while await asyncio.to_thread(_socket_count, server) != value:
        assert time.monotonic() < deadline, f"the socket gauge never reached {value}"
        await asyncio.sleep(0.05)


async def test_the_websocket_gauge_follows_a_real_connection(settings, client):
    board = await factories.create_board(client)
    server = LiveServer(settings.database_url, SWARMBOARD_WEBHOOK_RELAY="off")
    try:
        assert await asyncio.to_thread(_socket_count, server) == 0
        async with ws_connect(server.ws_url, board["id"]):
            await _until(server, 1)
        await _until(server, 0)
    finally:
        server.stop()
