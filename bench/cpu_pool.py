"""Pages, moves and sign-in while heavy forecasts run: latency with and without them.

What is measured, against a real ``uvicorn`` on a fresh SQLite file:

* one board; 40 cards finished today (so the last 30 days' history is sparse and every
  "when" run walks towards the 10-year horizon: the costliest forecast the API allows,
  ``items=1000&runs=10000``, takes seconds of CPU);
* (a) idle: ``GET /api/boards/{id}``, the board page ``GET /boards/{id}`` (signed in
  with a cookie), a move, and a sign-in (``POST /login``, argon2) in turn, ``--runs``
  times each;
* (b) the same while ``--hogs`` people each keep asking for that forecast in a loop
  (a 429 ``cpu-busy`` is counted and retried after a short pause, as a client that
  honours ``Retry-After`` would, but sooner).

Figures are printed, never asserted (other work on this 2-core machine skews them).

    .venv/bin/python bench/cpu_pool.py [--runs 20] [--hogs 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import Server  # noqa: E402

TOKEN = "bench-admin-token-cpu-pool"
PASSWORD = "correct-horse-battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


async def _setup(url: str) -> tuple[int, list[int], int, list[str], str]:
    """The board, its column ids, a card to move, the forecasting people's tokens, an email."""
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as c:
        r = await c.post(
            "/api/boards",
            json={
                "name": "Bench",
                "columns": [
                    {"name": "Triage", "stage": "backlog"},
                    {"name": "Doing", "stage": "active"},
                    {"name": "Done", "stage": "done"},
                ],
            },
        )
        r.raise_for_status()
        board = r.json()
        bid, cols = int(board["id"]), [int(col["id"]) for col in board["columns"]]
        for i in range(40):
            card = (await c.post(f"/api/boards/{bid}/cards", json={"title": f"c{i}"})).json()
            for col in cols[1:]:
                m = await c.post(f"/api/cards/{card['id']}/move", json={"column_id": col})
                m.raise_for_status()
        mover = (await c.post(f"/api/boards/{bid}/cards", json={"title": "mover"})).json()
        tokens = []
        for i in range(8):
            body = {"name": f"Hog {i}", "email": f"hog{i}@example.com", "role": "agent"}
            user = (await c.post("/api/users", json=body)).json()
            await c.post(f"/api/boards/{bid}/members", json={"user_id": user["id"]})
            tokens.append(user["token"])
        email = "agent@example.com"
        body = {"name": "Agent", "email": email, "role": "agent", "password": PASSWORD}
        agent = (await c.post("/api/users", json=body)).json()
        await c.post(f"/api/boards/{bid}/members", json={"user_id": agent["id"]})
    return bid, cols, int(mover["id"]), tokens, email


async def _sign_in(c: httpx.AsyncClient, email: str) -> None:
    form = await c.get("/login")
    found = CSRF.search(form.text)
    assert found
    r = await c.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": found.group(1)}
    )
    assert r.status_code == 303, r.status_code


async def _timed(fn: Callable[[], Awaitable[None]]) -> float:
    t = time.perf_counter()
    await fn()
    return (time.perf_counter() - t) * 1000


async def _measure(
    url: str, bid: int, cols: list[int], mover: int, email: str, runs: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"board read": [], "board page": [], "move": [], "sign-in": []}
    api = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
    web = httpx.AsyncClient(base_url=url, timeout=120)
    await _sign_in(web, email)
    column = 0

    async def read() -> None:
        (await api.get(f"/api/boards/{bid}")).raise_for_status()

    async def page() -> None:
        (await web.get(f"/boards/{bid}")).raise_for_status()

    async def move() -> None:
        nonlocal column
        column = 1 - column
        r = await api.post(f"/api/cards/{mover}/move", json={"column_id": cols[column]})
        r.raise_for_status()

    async def sign_in() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as fresh:
            await _sign_in(fresh, email)

    try:
        for _ in range(runs):
            out["board read"].append(await _timed(read))
            out["board page"].append(await _timed(page))
            out["move"].append(await _timed(move))
            out["sign-in"].append(await _timed(sign_in))
    finally:
        await api.aclose()
        await web.aclose()
    return out


async def _hog(url: str, bid: int, token: str, stop: asyncio.Event, seen: Counter[int]) -> None:
    params = {"items": 1000, "runs": 10_000}
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as c:
        while not stop.is_set():
            r = await c.get(f"/api/boards/{bid}/metrics/forecast/when", params=params)
            seen[r.status_code] += 1
            if r.status_code == 429:
                await asyncio.sleep(0.2)


def _report(label: str, figures: dict[str, list[float]]) -> None:
    for name, values in figures.items():
        print(
            f"  {label:<14} {name:<11} p50 {statistics.median(values):7.1f} ms"
            f"   max {max(values):7.1f} ms",
            flush=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-bench-cpu-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade_to_head, url)
        env = {
            "SWARMBOARD_DATABASE_URL": url,
            "SWARMBOARD_ADMIN_TOKEN": TOKEN,
            "SWARMBOARD_ENVIRONMENT": "test",
            "SWARMBOARD_SECRET_KEY": "bench-secret-not-a-placeholder",
            "SWARMBOARD_SCHEDULER": "off",
            "SWARMBOARD_WEBHOOK_RELAY": "off",
            "SWARMBOARD_DATA_DIR": f"{tmp}/data",
            # Sign-in is what is measured: do not let the throttle get in the way.
            "SWARMBOARD_LOGIN_MAX_FAILURES_PER_IP": "100000",
        }
        server = Server("cpu-pool", "app.main:create_app", env, Path(tmp))
        try:
            server.wait_ready(60)
            bid, cols, mover, tokens, email = await _setup(server.url)
            async with httpx.AsyncClient(
                base_url=server.url, headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=300
            ) as c:
                t = time.perf_counter()
                r = await c.get(
                    f"/api/boards/{bid}/metrics/forecast/when",
                    params={"items": 1000, "runs": 10_000},
                )
                one = time.perf_counter() - t
            print(
                f"one forecast (items=1000, runs=10000, sparse history): {one:.2f} s, "
                f"HTTP {r.status_code}; load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            idle = await _measure(server.url, bid, cols, mover, email, args.runs)
            stop, seen = asyncio.Event(), Counter[int]()
            hogs = [
                asyncio.create_task(_hog(server.url, bid, tokens[i % len(tokens)], stop, seen))
                for i in range(args.hogs)
            ]
            await asyncio.sleep(1.0)  # let the pool fill
            busy = await _measure(server.url, bid, cols, mover, email, args.runs)
            stop.set()
            await asyncio.gather(*hogs)
            print(f"page latency, {args.runs} runs each:", flush=True)
            _report("idle", idle)
            _report(f"{args.hogs} forecasting", busy)
            print(f"  forecasts answered meanwhile: {dict(sorted(seen.items()))}", flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
