"""Card-move throughput and latency of the real app, against a floor on the same machine.

What is measured: authenticated ``POST /api/cards/{id}/move`` requests served by a real
``uvicorn`` process (uvloop + httptools) on a freshly migrated database (a SQLite file,
and/or a fresh PostgreSQL database that is dropped afterwards). Every request is a real
move: each client owns its own cards and flips them between two active columns without
WIP limits, so each request locks, counts the column, updates the card, bumps the
board's event sequence and inserts an event. Concurrency is 1, 8 and 16 clients by
default, each level run for a fixed time after a warm-up; every non-200 is a failure.

Why a floor: throughput alone says little on a shared machine. The floor
(``bench/floor_app.py``) is a bare ASGI function served by uvicorn the same way and
running the same SQL through the raw driver, so "ours / floor" is the share of the
achievable rate that the framework, ORM, validation and service code leave us.

The load comes from ``bench/httpclient.py``, a hand-written keep-alive HTTP/1.1 client
(one connection per client) so that the load generator steals little CPU from the
server. Everything runs on 127.0.0.1; subprocesses are killed on exit or error.

    .venv/bin/python bench/moves.py [--db sqlite|postgres|both] [--seconds N] [--clients 1,8,16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402
from bench.httpclient import CLIENT_NAME, RawClient  # noqa: E402


@dataclass(slots=True)
class Result:
    db: str
    server: str  # "ours" or "floor"
    clients: int
    moves_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    failures: int
    server_cpu_us: float  # server process CPU per move in the measured window
    client_cpu_us: float  # this process's CPU per move (the load generator's cost)


# -- setup through the real API ---------------------------------------------------------
@dataclass(slots=True)
class Board:
    col_a: int
    col_b: int
    cards: list[int]


async def make_board(port: int, token: str, name: str, n_cards: int) -> Board:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        columns = [
            {"name": "Backlog", "stage": "backlog"},
            {"name": "A", "stage": "active"},
            {"name": "B", "stage": "active"},
        ]
        r = await http.post("/api/boards", json={"name": name, "columns": columns})
        r.raise_for_status()
        by_name = {c["name"]: c["id"] for c in r.json()["columns"]}
        board_id, col_a = r.json()["id"], by_name["A"]
        cards = []
        for i in range(n_cards):
            body = {"title": f"bench card {i}", "column_id": col_a}
            r = await http.post(f"/api/boards/{board_id}/cards", json=body)
            r.raise_for_status()
            cards.append(r.json()["id"])
    return Board(col_a=col_a, col_b=by_name["B"], cards=cards)


# -- the load -------------------------------------------------------------------------------
def _pct(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))] if sorted_ms else 0.0


async def run_level(
    server: Server,
    path: str,
    token: str,
    board: Board,
    where: dict[int, int],
    clients: int,
    warmup: float,
    seconds: float,
    errors: Counter[str],
) -> tuple[float, list[float], int, float, float]:
    """Drive ``clients`` connections; return (moves/s, latencies ms, failures, CPU/move)."""
    start = time.perf_counter()
    t_measure, t_end = start + warmup, start + warmup + seconds
    latencies: list[float] = []
    failures = 0
    cpu: dict[str, float] = {}

    async def sample_cpu() -> None:
        await asyncio.sleep(max(0.0, t_measure - time.perf_counter()))
        cpu["srv0"], cpu["cli0"] = server.cpu_seconds(), time.process_time()
        await asyncio.sleep(max(0.0, t_end - time.perf_counter()))
        cpu["srv1"], cpu["cli1"] = server.cpu_seconds(), time.process_time()

    async def client(my_cards: list[int]) -> None:
        nonlocal failures
        conn = RawClient(server.port, {"Authorization": f"Bearer {token}"})
        i = 0
        try:
            while time.perf_counter() < t_end:
                card = my_cards[i % len(my_cards)]
                i += 1
                target = board.col_b if where[card] == board.col_a else board.col_a
                body = json.dumps({"column_id": target}).encode()
                t0 = time.perf_counter()
                try:
                    status, payload = await conn.request("POST", path.format(card), body)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    status, payload = 0, repr(exc).encode()
                t1 = time.perf_counter()
                if status == 200:
                    where[card] = target
                else:
                    failures += 1
                    errors[f"{status} {payload[:300].decode(errors='replace')}"] += 1
                if t_measure <= t0 and t1 <= t_end:
                    latencies.append((t1 - t0) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(sample_cpu(), *(client(board.cards[k::clients]) for k in range(clients)))
    n = len(latencies)
    srv = (cpu["srv1"] - cpu["srv0"]) / n * 1e6 if n else 0.0
    cli = (cpu["cli1"] - cpu["cli0"]) / n * 1e6 if n else 0.0
    return n / seconds, latencies, failures, srv, cli


async def bench_server(
    db: str, kind: str, server: Server, path: str, token: str, board: Board, args: Any
) -> list[Result]:
    where = dict.fromkeys(board.cards, board.col_a)
    results = []
    for clients in args.clients:
        errors: Counter[str] = Counter()
        rate, lat, fails, srv_cpu, cli_cpu = await run_level(
            server, path, token, board, where, clients, args.warmup, args.seconds, errors
        )
        lat.sort()
        worst = lat[-1] if lat else 0.0
        p50, p99 = _pct(lat, 0.5), _pct(lat, 0.99)
        res = Result(db, kind, clients, rate, p50, p99, worst, fails, srv_cpu, cli_cpu)
        results.append(res)
        print(
            f"  {kind:5} c={clients:<3} {rate:8.0f} moves/s  p50 {res.p50_ms:6.2f} ms  "
            f"p99 {res.p99_ms:6.2f} ms  max {res.max_ms:7.2f} ms  failures {fails}  "
            f"server CPU {srv_cpu:5.0f} us/move  client CPU {cli_cpu:4.0f} us/move",
            flush=True,
        )
        for text, count in errors.most_common(5):
            print(f"    {count} x {text}")
    return results


# -- one database -------------------------------------------------------------------------
def bench_database(db: str, args: argparse.Namespace, runner: asyncio.Runner) -> list[Result]:
    token = "sb_bench_" + secrets.token_hex(16)
    pg_name = f"sb_bench_{secrets.token_hex(6)}"
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
        if db == "sqlite":
            db_file = Path(tmp) / "bench.db"
            url, floor_dsn = f"sqlite+aiosqlite:///{db_file}", str(db_file)
        else:
            runner.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
            url = f"postgresql+asyncpg://postgres@{PG_HOST}/{pg_name}"
            floor_dsn = f"postgresql://postgres@{PG_HOST}/{pg_name}"
        try:
            upgrade_to_head(url)
            env = {
                "SWARMBOARD_DATABASE_URL": url,
                "SWARMBOARD_ADMIN_TOKEN": token,
                "SWARMBOARD_ENVIRONMENT": "test",
                "SWARMBOARD_SECRET_KEY": "bench-secret-not-placeholder",
            }
            ours = Server(f"{db}-ours", "app.main:create_app", env, Path(tmp))
            servers.append(ours)
            ours.wait_ready()
            ours_board = runner.run(make_board(ours.port, token, "bench ours", args.cards))
            floor_board = runner.run(make_board(ours.port, token, "bench floor", args.cards))
            print(f"\n[{db}] ours: app.main:create_app on :{ours.port}", flush=True)
            results = runner.run(
                bench_server(db, "ours", ours, "/api/cards/{}/move", token, ours_board, args)
            )
            ours.stop()  # the floor runs alone, so the two never compete for CPU
            floor_env = {"BENCH_FLOOR_DB": floor_dsn, "BENCH_FLOOR_TOKEN": token}
            floor = Server(f"{db}-floor", "bench.floor_app:app", floor_env, Path(tmp))
            servers.append(floor)
            floor.wait_ready()
            print(f"[{db}] floor: bench.floor_app:app on :{floor.port}", flush=True)
            results += runner.run(
                bench_server(db, "floor", floor, "/move/{}", token, floor_board, args)
            )
            return results
        finally:
            for server in servers:
                server.stop()
                if tail := server.stderr_tail():
                    print(f"--- stderr of {server.name} (last lines) ---\n{tail}\n---")
            if db == "postgres":
                runner.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def print_table(results: list[Result]) -> None:
    floors = {(r.db, r.clients): r for r in results if r.server == "floor"}
    print("\nSummary (ours / floor = ratio of moves/s)")
    head = f"{'db':8} {'server':6} {'clients':>7} {'moves/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    head += f" {'max ms':>7} {'fail':>5} {'srv us/mv':>9} {'ours/floor':>10}"
    print(head)
    print("-" * len(head))
    for r in results:
        floor = floors.get((r.db, r.clients))
        ratio = f"{r.moves_per_s / floor.moves_per_s:10.2f}" if floor and r.server == "ours" else ""
        row = f"{r.db:8} {r.server:6} {r.clients:7d} {r.moves_per_s:8.0f} {r.p50_ms:7.2f} "
        row += f"{r.p99_ms:7.2f} {r.max_ms:7.2f} {r.failures:5d} {r.server_cpu_us:9.0f} {ratio}"
        print(row.rstrip())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per level")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time per level")
    parser.add_argument("--clients", default="1,8,16", help="comma-separated concurrency levels")
    parser.add_argument("--cards", type=int, default=200, help="cards per board")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    if not args.clients or min(args.clients) < 1 or max(args.clients) > args.cards:
        parser.error("--clients must be between 1 and --cards")
    return args


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    nproc = len(os.sched_getaffinity(0))
    print(f"machine: nproc={nproc} {platform.machine()} Python {platform.python_version()}")
    print(f"client: {CLIENT_NAME} (uvloop), same machine, one connection per client")
    print(f"levels: clients={args.clients}, {args.warmup:g} s warm-up + {args.seconds:g} s each")
    print(f"cards: {args.cards} per board, moved back and forth between two active columns")
    results: list[Result] = []
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        for db in dbs:
            results += bench_database(db, args, runner)
    print_table(results)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
