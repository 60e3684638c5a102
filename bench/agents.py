"""Pulls per second by concurrent AI agents: over MCP against the same pulls over HTTP.

What is measured: one real ``uvicorn`` process serving the app (MCP mounted at /mcp, as
``swarmboard serve`` runs it) on a freshly migrated database (a SQLite file, or a fresh
PostgreSQL database dropped afterwards). N agents (8 by default), each a bot with its
own token and its own connection, pull cards as fast as they can:

- over HTTP: ``POST /api/boards/{id}/pull`` with httpx (one keep-alive client per agent);
- over MCP: the ``pull_next_card`` tool through the official MCP client (``ClientSession``
  over Streamable HTTP, one per agent; the server is stateless, one POST per call).

Each phase has a board of its own, with enough backlog cards that every pull takes one
(a pull is a real one: it locks, picks the best card, assigns it, moves it and appends
its events); no WIP limit binds. Each agent makes a few unmeasured warm-up pulls, then a
fixed number of measured ones. A pull that does not return a card is a failure. The
phases alternate over a few rounds and the median round of each is compared.

The MCP client costs more CPU per call than httpx does, and the load generator shares
the machine with the server, so the server's own CPU per pull is printed too: it is the
overhead the MCP layer adds where it counts.

    .venv/bin/python bench/agents.py [--db sqlite|postgres] [--agents 8] [--pulls 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcp import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402

WARMUP_PULLS = 3

Pull = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass(slots=True)
class Phase:
    transport: str
    pulls: int
    seconds: float
    failures: int
    server_cpu_us: float  # server CPU per pull in the measured window
    client_cpu_us: float  # this process's CPU per pull (the load generator)

    @property
    def rate(self) -> float:
        return self.pulls / self.seconds if self.seconds else 0.0


# -- setup through the real API ------------------------------------------------------------
async def make_board(http: httpx.AsyncClient, name: str, cards: int, bots: list[int]) -> int:
    columns = [
        {"name": "Backlog", "stage": "backlog"},
        {"name": "Working", "stage": "active"},
        {"name": "Done", "stage": "done"},
    ]
    r = await http.post("/api/boards", json={"name": name, "columns": columns})
    r.raise_for_status()
    board_id = int(r.json()["id"])
    for bot in bots:
        (
            await http.post(f"/api/boards/{board_id}/members", json={"user_id": bot})
        ).raise_for_status()

    async def create(i: int) -> None:
        body = {"title": f"bench ticket {i}", "priority": ("low", "normal", "high")[i % 3]}
        (await http.post(f"/api/boards/{board_id}/cards", json=body)).raise_for_status()

    for start in range(0, cards, 50):
        await asyncio.gather(*(create(i) for i in range(start, min(start + 50, cards))))
    return board_id


async def make_bots(http: httpx.AsyncClient, n: int) -> list[tuple[int, str]]:
    bots = []
    for i in range(n):
        r = await http.post("/api/users", json={"name": f"Bench bot {i}", "kind": "bot"})
        r.raise_for_status()
        bots.append((int(r.json()["id"]), str(r.json()["token"])))
    return bots


# -- the two transports --------------------------------------------------------------------
async def http_agent(url: str, token: str, board_id: int, run: Callable[[Pull], Awaitable[None]]):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:

        async def pull() -> tuple[bool, str]:
            r = await http.post(f"/api/boards/{board_id}/pull")
            ok = r.status_code == 200 and r.json()["card"] is not None
            return ok, "" if ok else f"{r.status_code} {r.text[:200]}"

        await run(pull)


async def mcp_agent(url: str, token: str, board_id: int, run: Callable[[Pull], Awaitable[None]]):
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http,
        streamable_http_client(url + "/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()

        async def pull() -> tuple[bool, str]:
            result = await session.call_tool("pull_next_card", {"board_id": board_id})
            card = (result.structured_content or {}).get("card")
            ok = not result.is_error and card is not None
            return ok, "" if ok else str(result.structured_content)[:200]

        await run(pull)


async def run_phase(
    transport: str, server: Server, bots: list[tuple[int, str]], board_id: int, pulls: int
) -> Phase:
    """Every agent connects and warms up; then all pull together, ``pulls`` each."""
    agent = http_agent if transport == "http" else mcp_agent
    warmed = [asyncio.Event() for _ in bots]
    go = asyncio.Event()
    errors: Counter[str] = Counter()
    done = [0]

    def runner(k: int) -> Callable[[Pull], Awaitable[None]]:
        async def run(pull: Pull) -> None:
            for _ in range(WARMUP_PULLS):
                ok, why = await pull()
                if not ok:
                    errors[why] += 1
            warmed[k].set()
            await go.wait()
            for _ in range(pulls):
                ok, why = await pull()
                if ok:
                    done[0] += 1
                else:
                    errors[why] += 1

        return run

    tasks = [
        asyncio.create_task(agent(server.url, token, board_id, runner(k)))
        for k, (_, token) in enumerate(bots)
    ]
    await asyncio.gather(*(w.wait() for w in warmed))
    srv0, cli0, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - t0
    srv1, cli1 = server.cpu_seconds(), time.process_time()
    n = max(done[0], 1)
    for text, count in errors.most_common(5):
        print(f"    {count} x {text}")
    return Phase(
        transport,
        done[0],
        seconds,
        sum(errors.values()),
        (srv1 - srv0) / n * 1e6,
        (cli1 - cli0) / n * 1e6,
    )


# -- one database ---------------------------------------------------------------------------
async def bench(server: Server, token: str, args: argparse.Namespace) -> list[Phase]:
    cards = args.agents * (args.pulls + WARMUP_PULLS) + 10
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as admin:
        bots = await make_bots(admin, args.agents)
        ids = [bot_id for bot_id, _ in bots]
        boards = {
            (r, t): await make_board(admin, f"bench {t} {r}", cards, ids)
            for r in range(args.rounds)
            for t in ("http", "mcp")
        }
    print(f"  {cards} backlog cards per board and round, {args.agents} bots", flush=True)
    phases = []
    for r in range(args.rounds):
        # Alternating order: a machine getting busier or quieter favours neither.
        for transport in ("http", "mcp") if r % 2 == 0 else ("mcp", "http"):
            phase = await run_phase(transport, server, bots, boards[(r, transport)], args.pulls)
            phases.append(phase)
            print(
                f"  round {r + 1} {transport:4} {phase.rate:7.1f} pulls/s  ({phase.pulls} pulls "
                f"in {phase.seconds:.2f} s, failures {phase.failures})  server CPU "
                f"{phase.server_cpu_us:6.0f} us/pull  client CPU "
                f"{phase.client_cpu_us:6.0f} us/pull",
                flush=True,
            )
    return phases


def bench_database(args: argparse.Namespace) -> list[Phase]:
    token = "sb_bench_" + secrets.token_hex(16)
    pg_name = f"sb_bench_{secrets.token_hex(6)}"
    with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
        if args.db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            asyncio.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
            url = f"postgresql+asyncpg://postgres@{PG_HOST}/{pg_name}"
        server: Server | None = None
        try:
            upgrade_to_head(url)
            env = {
                "SWARMBOARD_DATABASE_URL": url,
                "SWARMBOARD_ADMIN_TOKEN": token,
                "SWARMBOARD_ENVIRONMENT": "test",
                "SWARMBOARD_SECRET_KEY": "bench-secret-not-placeholder",
                "SWARMBOARD_DATA_DIR": str(Path(tmp) / "data"),
                "SWARMBOARD_SCHEDULER": "off",
                "SWARMBOARD_WEBHOOK_RELAY": "off",
            }
            server = Server(f"{args.db}-agents", "app.main:create_app", env, Path(tmp))
            server.wait_ready()
            print(f"\n[{args.db}] app.main:create_app on :{server.port}", flush=True)
            return asyncio.run(bench(server, token, args))
        finally:
            if server is not None:
                server.stop()
                if tail := server.stderr_tail():
                    print(f"--- stderr of {server.name} (last lines) ---\n{tail}\n---")
            if args.db == "postgres":
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--agents", type=int, default=8, help="concurrent agents (bots)")
    parser.add_argument("--pulls", type=int, default=40, help="measured pulls per agent")
    parser.add_argument("--rounds", type=int, default=3, help="HTTP and MCP phases, alternated")
    args = parser.parse_args()
    if not (1 <= args.agents <= 64 and 1 <= args.pulls <= 10_000 and 1 <= args.rounds <= 20):
        parser.error("--agents 1..64, --pulls 1..10000, --rounds 1..20")
    return args


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    nproc = len(os.sched_getaffinity(0))
    print(f"machine: nproc={nproc} {platform.machine()} Python {platform.python_version()}")
    print(f"agents: {args.agents} concurrent, {WARMUP_PULLS} warm-up + {args.pulls} pulls each")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    phases = bench_database(args)
    http = _median([p for p in phases if p.transport == "http"])
    mcp = _median([p for p in phases if p.transport == "mcp"])
    ratio = mcp.rate / http.rate if http.rate else 0.0
    print(f"\nSummary ({args.db}, {args.agents} agents, median of {args.rounds} rounds)")
    print(f"  HTTP  POST /api/boards/{{id}}/pull   {http.rate:7.1f} pulls/s")
    print(f"  MCP   tools/call pull_next_card      {mcp.rate:7.1f} pulls/s")
    print(f"  MCP / HTTP = {ratio:.2f}x (target >= 0.5x)")
    srv = mcp.server_cpu_us / http.server_cpu_us if http.server_cpu_us else 0.0
    print(f"  server CPU per pull: MCP / HTTP = {srv:.2f}x")
    return 1 if any(p.failures for p in phases) else 0


def _median(phases: list[Phase]) -> Phase:
    return sorted(phases, key=lambda p: p.rate)[len(phases) // 2]


if __name__ == "__main__":
    sys.exit(main())
