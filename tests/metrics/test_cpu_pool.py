"""CPU-heavy work runs on a bounded pool of its own (app/core/cpu.py): with the pool
full of forecasts, board reads, moves, sign-in and pages still answer, and one more
forecast is refused with 429 and Retry-After. Forecasts that ask for too much
simulation are refused with 422 naming the parameters."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.core.cpu import CpuBusy, CpuPool
from app.main import create_app
from app.metrics import forecast
from tests import factories
from tests.conftest import ADMIN_TOKEN
from tests.web.helpers import PASSWORD, sign_in

PROBLEM = "application/problem+json"


@pytest.fixture
async def tiny(settings: Settings) -> AsyncIterator[Any]:
    """An app whose CPU pool has one thread, two jobs in all, one per person."""
    small = settings.model_copy(
        update={"cpu_workers": 1, "cpu_max_jobs": 2, "cpu_jobs_per_person": 1}
    )
    application = create_app(small)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def clients(tiny: Any) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def make(token: str | None = ADMIN_TOKEN) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=tiny), base_url="http://test", headers=headers
        )
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):  # up to 10 s
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_full_cpu_pool_holds_up_nothing_else(
    tiny: Any, clients: Callable[..., httpx.AsyncClient]
) -> None:
    admin = clients()
    board = await factories.create_board(admin)
    board_id = int(board["id"])
    cols = [int(c["id"]) for c in board["columns"]]
    card = await factories.create_card(admin, board_id, column_id=cols[0])
    analyst, analyst_token = await factories.create_user(admin, role="agent")
    other, other_token = await factories.create_user(admin, role="agent")
    agent, _ = await factories.create_user(admin, role="agent", password=PASSWORD)
    for person in (analyst, other, agent):
        await factories.add_member(admin, board_id, person["id"])
    pool: CpuPool = tiny.state.cpu

    # The only CPU thread is taken by a job this test holds; the analyst's forecast is
    # admitted behind it, so the process's two jobs are in flight.
    release = threading.Event()
    held = pool.submit("held by the test", release.wait, 60)
    today = datetime.now(UTC).date()
    url = f"/api/boards/{board_id}/metrics/forecast/how-many"
    params = {"until": str(today + timedelta(days=14))}
    analyst_client = clients(analyst_token)
    running = asyncio.create_task(analyst_client.get(url, params=params))
    await _until(lambda: pool.in_flight == 2)
    finished: list[str] = []
    running.add_done_callback(lambda _: finished.append("forecast"))

    # The same person's next forecast, and anyone's past the process bound: 429.
    for token in (analyst_token, other_token):
        r = await clients(token).get(url, params=params)
        assert r.status_code == 429, r.text
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"].endswith("/cpu-busy")
        assert int(r.headers["Retry-After"]) >= 1
    flow = await analyst_client.get(f"/api/boards/{board_id}/metrics/flow")
    assert flow.status_code == 429 and "Retry-After" in flow.headers

    # Meanwhile a board read, a move, a sign-in and the board page all complete.
    r = await admin.get(f"/api/boards/{board_id}")
    assert r.status_code == 200, r.text
    finished.append("board read")
    r = await admin.post(f"/api/cards/{card['id']}/move", json={"column_id": cols[1]})
    assert r.status_code == 200, r.text
    finished.append("move")
    browser = clients(None)
    signed = await sign_in(browser, agent["email"])
    assert signed.status_code == 303, signed.text
    finished.append("sign-in")
    page = await browser.get(f"/boards/{board_id}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    finished.append("board page")
    retro = await browser.get(f"/boards/{board_id}/retro")
    assert retro.status_code == 429 and "Retry-After" in retro.headers
    assert "busy" in retro.text
    finished.append("retro refused")
    assert not running.done()

    # Let the held job go: the forecast that waited behind it answers.
    release.set()
    r = await running
    assert r.status_code == 200, r.text
    assert r.json()["p50"] == 0
    assert held.result() is True
    assert finished == ["board read", "move", "sign-in", "board page", "retro refused", "forecast"]
    await _until(lambda: pool.in_flight == 0)
    again = await clients(other_token).get(url, params=params)
    assert again.status_code == 200, again.text


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("when", {"items": 1000, "runs": 100_000}, ["items", "runs"]),
        ("when", {"items": 1001}, ["items", "runs"]),
        ("how-many", {"until": "TODAY+500", "runs": 100_000}, ["until", "runs"]),
    ],
)
async def test_too_much_simulation_is_a_422_naming_the_parameters(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], fields: list[str]
) -> None:
    board = await factories.create_board(client)
    today = datetime.now(UTC).date()
    if "until" in params:
        params = {**params, "until": str(today + timedelta(days=500))}
    r = await client.get(f"/api/boards/{board['id']}/metrics/forecast/{path}", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"].endswith("/validation-error")
    assert [e["field"] for e in body["errors"]] == fields
    assert f"{forecast.MAX_ITEM_RUNS:,}" in body["detail"] or "x 'runs'" in body["detail"]


async def test_at_the_bound_a_forecast_is_not_refused_for_its_size(
    client: httpx.AsyncClient,
) -> None:
    board = await factories.create_board(client)
    today = datetime.now(UTC).date()
    base = f"/api/boards/{board['id']}/metrics/forecast"
    r = await client.get(f"{base}/when", params={"items": 1000, "runs": 10_000})
    # An empty board has no throughput to resample: refused for that, not for its size.
    assert r.status_code == 422 and r.json()["type"].endswith("/no-throughput-history")
    until = today + timedelta(days=forecast.MAX_UNTIL_DAYS)
    r = await client.get(f"{base}/how-many", params={"until": str(until), "runs": 10_000})
    assert r.status_code == 200, r.text


async def test_a_job_keeps_its_place_until_its_thread_is_done_with_it() -> None:
    """A client that goes away does not free the slot of work still computing, so the
    bounds count real work (a thread cannot be stopped)."""
    pool = CpuPool(workers=1, max_jobs=1, per_person=1, retry_after=3)
    pool.start()
    try:
        release = threading.Event()
        abandoned = asyncio.create_task(pool.run("a", release.wait, 60))
        await _until(lambda: pool.in_flight == 1)
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        assert pool.in_flight == 1
        with pytest.raises(CpuBusy) as refused:
            await pool.run("b", sum, [1, 2])
        assert refused.value.status == 429
        assert refused.value.extra["headers"] == {"Retry-After": "3"}
        release.set()
        await _until(lambda: pool.in_flight == 0)
        assert await pool.run("b", sum, [1, 2]) == 3
    finally:
        pool.shutdown()
