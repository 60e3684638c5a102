"""Webhook relay throughput: deliveries per second to a fast local receiver.

What is measured: the relay (``app/webhooks/relay.py``) draining a full outbox, not the
API that fills it. Per database and relay worker count, on a freshly migrated database
(a SQLite file, or a fresh PostgreSQL database dropped afterwards):

1. Fill: a real ``uvicorn`` server with ``SWARMBOARD_WEBHOOK_RELAY=off``; through the
   API, a board, one endpoint subscribed to ``card.*`` and ``--events`` card events
   (half creations, half moves, from 16 concurrent connections). The outbox now holds
   one pending delivery per event; the server is stopped.
2. Drain: the server is started again on the same database with the relay on
   (``--workers``, 2 by default). Timed from the receiver's first request to the moment
   it has seen every expected ``webhook-id``: deliveries/s. Target: >= 200/s.
3. Live (optional, ``--live 0`` skips it): with the relay still on, ``--live`` card
   creations at a steady ``--live-rate``; the end-to-end latency is the time from
   sending the API request (and from its response) to the webhook's arrival.
4. Check: through the API, every delivery is ``succeeded``; the receiver reports how
   many webhook-ids it got more than once (it should be 0).

The receiver is a minimal asyncio HTTP/1.1 keep-alive server (uvloop) in its own
process, so it does not compete with the measuring loop for the GIL: it answers every
POST with 200 "ok", counts requests and distinct ``webhook-id`` headers, and serves its
counts as JSON on ``GET /stats``. Times are ``time.monotonic()`` (CLOCK_MONOTONIC,
shared by all processes on Linux). Everything runs on 127.0.0.1; subprocesses are
stopped on exit or error.

The wall-clock rate depends on what else the machine runs, so each run also prints the
load average and the server's CPU time per delivery while draining (and how busy that
kept it): the relay is CPU-bound, and CPU per delivery is the steadier figure.

    .venv/bin/python bench/webhooks.py [--db sqlite|postgres|both] [--events 3000]
                                       [--workers 2[,4]] [--live 500] [--live-rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import CLK_TCK, PG_HOST, Server, free_port, pg_admin  # noqa: E402
from bench.httpclient import RawClient  # noqa: E402

TARGET_PER_S = 200.0
FILL_CONNECTIONS = 16
LIVE_PREFIX = "live-"


# -- the receiver (runs in its own process: ``bench/webhooks.py --receiver PORT``) ------
@dataclass(slots=True)
class _Tally:
    requests: int = 0
    duplicates: int = 0
    connections: int = 0  # connections that sent a POST
    first_at: float | None = None  # first POST
    last_new_at: float | None = None  # the POST that brought the newest distinct id


def receiver_main(port: int) -> None:
    """Answer every POST with 200 "ok"; ``GET /stats`` returns the counts as JSON."""
    tally = _Tally()
    seen: set[str] = set()
    live: dict[str, float] = {}  # card title of a live-phase card.created -> arrival

    def stats() -> bytes:
        return json.dumps(
            {
                "requests": tally.requests,
                "distinct": len(seen),
                "duplicates": tally.duplicates,
                "connections": tally.connections,
                "first_at": tally.first_at,
                "last_new_at": tally.last_new_at,
                "live": live,
            }
        ).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        posted = False
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head[:-4].split(b"\r\n")
                method, path = lines[0].split(b" ", 2)[:2]
                length, webhook_id, close = 0, None, False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        webhook_id = value.strip().decode()
                    elif name == b"connection":
                        close = value.strip().lower() == b"close"
                body = await reader.readexactly(length) if length else b""
                now = time.monotonic()
                if method == b"POST":
                    tally.requests += 1
                    if not posted:  # count the relay's connections, not /stats polls
                        tally.connections, posted = tally.connections + 1, True
                    if tally.first_at is None:
                        tally.first_at = now
                    if webhook_id is None or webhook_id in seen:
                        tally.duplicates += 1
                    else:
                        seen.add(webhook_id)
                        tally.last_new_at = now
                    if LIVE_PREFIX.encode() in body:
                        title = json.loads(body).get("data", {}).get("title", "")
                        if title.startswith(LIVE_PREFIX):
                            live.setdefault(title, now)
                    out, kind = b"ok", b"text/plain"
                elif path == b"/stats":
                    out, kind = stats(), b"application/json"
                else:
                    out, kind = b"ok", b"text/plain"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                    % (kind, len(out), out)
                )
                if len(out) > 65536:
                    await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve())


class Receiver:
    """The receiver subprocess and a client for its counts."""

    def __init__(self, logdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (logdir / "receiver.stderr").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--receiver", str(self.port)],
            cwd=ROOT,
            stderr=self._log,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"receiver exited with {self.proc.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/stats", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"receiver not ready within {timeout} s")

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


async def _stats_once(receiver: Receiver) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as http:
        return await _stats(http, receiver)


async def _stats(http: httpx.AsyncClient, receiver: Receiver) -> dict[str, Any]:
    r = await http.get(receiver.url + "/stats")
    r.raise_for_status()
    out: dict[str, Any] = r.json()
    return out


# -- results --------------------------------------------------------------------------------
@dataclass(slots=True)
class Result:
    db: str
    workers: int
    deliveries: int
    drain_s: float  # first to last arrival
    from_spawn_s: float  # from starting the server process (includes its start-up)
    per_s: float
    server_cpu_us: float  # server CPU per delivery while draining
    server_busy: float  # server CPU seconds per second while draining (1.0 = one core)
    receiver_cpu_us: float
    connections: int  # receiver connections the relay opened while draining
    live_p50_ms: float | None
    live_p99_ms: float | None
    live_resp_p50_ms: float | None  # from the API response instead of the request
    live_api_p50_ms: float | None  # the API request itself
    live_missing: int
    duplicates: int
    states: dict[str, int]
    ok: bool


def _pct(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))] if sorted_ms else 0.0


# -- phase 1: fill the outbox through the API ----------------------------------------------
async def fill_outbox(port: int, token: str, receiver: Receiver, n_events: int) -> tuple[int, int]:
    """A board, a ``card.*`` endpoint and ``n_events`` card events; returns the board and
    endpoint ids."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        columns = [{"name": "A", "stage": "active"}, {"name": "B", "stage": "active"}]
        r = await http.post("/api/boards", json={"name": "webhook bench", "columns": columns})
        r.raise_for_status()
        board_id = r.json()["id"]
        col = {c["name"]: c["id"] for c in r.json()["columns"]}
        body = {"url": receiver.url + "/hook", "event_types": ["card.*"], "board_id": board_id}
        r = await http.post("/api/webhooks", json=body)
        r.raise_for_status()
        endpoint_id = r.json()["id"]

    n_moves = n_events // 2
    n_creates = n_events - n_moves
    errors: Counter[str] = Counter()

    async def run(jobs: Iterator[tuple[str, dict[str, Any], int]], out: list[int]) -> None:
        conn = RawClient(port, headers)
        try:
            for path, payload, expect in jobs:
                status, reply = await conn.request("POST", path, json.dumps(payload).encode())
                if status != expect:
                    errors[f"{status} {reply[:200].decode(errors='replace')}"] += 1
                elif expect == 201:
                    out.append(json.loads(reply)["id"])
        finally:
            await conn.close()

    created: list[int] = []
    creates = iter(
        (f"/api/boards/{board_id}/cards", {"title": f"card {i}", "column_id": col["A"]}, 201)
        for i in range(n_creates)
    )
    await asyncio.gather(*(run(creates, created) for _ in range(FILL_CONNECTIONS)))
    moves = iter(
        (f"/api/cards/{card}/move", {"column_id": col["B"]}, 200) for card in created[:n_moves]
    )
    await asyncio.gather(*(run(moves, []) for _ in range(FILL_CONNECTIONS)))
    if errors:
        for text, count in errors.most_common(5):
            print(f"    {count} x {text}")
        raise RuntimeError(f"{sum(errors.values())} API requests failed while filling")
    return board_id, endpoint_id


async def delivery_states(port: int, token: str, endpoint_id: int) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        r = await http.get(f"/api/webhooks/{endpoint_id}")
        r.raise_for_status()
        out: dict[str, int] = r.json()["deliveries"]
        return out


# -- phase 2: drain ---------------------------------------------------------------------------
async def drain(
    server: Server, receiver: Receiver, expected: int, spawned_at: float, limit_s: float
) -> tuple[float, float, float, float, int]:
    """Wait until the receiver has ``expected`` distinct ids; returns (first-to-last s,
    spawn-to-last s, server and receiver CPU s per delivery, receiver connections)."""
    base = (await _stats_once(receiver))["distinct"]
    cpu0: tuple[float, float, int] | None = None  # taken once deliveries flow (not start-up)
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            s = await _stats(http, receiver)
            if s["distinct"] >= expected:
                break
            if cpu0 is None and s["distinct"] > base:
                cpu0 = server.cpu_seconds(), receiver.cpu_seconds(), s["distinct"]
            server.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {s['distinct']} of {expected} webhook-ids arrived within {limit_s:g} s"
                )
            await asyncio.sleep(0.02)
    srv0, rcv0, done0 = cpu0 or (server.cpu_seconds(), receiver.cpu_seconds(), s["distinct"])
    n = max(1, s["distinct"] - done0)
    srv_cpu, rcv_cpu = (server.cpu_seconds() - srv0) / n, (receiver.cpu_seconds() - rcv0) / n
    first, last = s["first_at"], s["last_new_at"]
    return last - first, last - spawned_at, srv_cpu, rcv_cpu, s["connections"]


# -- phase 3: live latency --------------------------------------------------------------------
async def live_latency(
    port: int, token: str, board_id: int, receiver: Receiver, count: int, rate: float
) -> tuple[list[float], list[float], list[float], int]:
    """``count`` card creations at ``rate``/s; returns the sorted latencies (ms) from the
    request and from the response to the webhook's arrival, of the API requests, and
    how many webhooks never came."""
    conns = [RawClient(port, {"Authorization": f"Bearer {token}"}) for _ in range(8)]
    free: asyncio.Queue[RawClient] = asyncio.Queue()
    for c in conns:
        free.put_nowait(c)
    sent: dict[str, tuple[float, float]] = {}
    failures: Counter[str] = Counter()
    path = f"/api/boards/{board_id}/cards"

    async def one(i: int) -> None:
        title = f"{LIVE_PREFIX}{i}"
        conn = await free.get()
        try:
            t0 = time.monotonic()
            status, reply = await conn.request("POST", path, json.dumps({"title": title}).encode())
            t1 = time.monotonic()
        finally:
            free.put_nowait(conn)
        if status == 201:
            sent[title] = (t0, t1)
        else:
            failures[f"{status} {reply[:200].decode(errors='replace')}"] += 1

    start = time.monotonic()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for c in conns:
        await c.close()
    for text, n in failures.most_common(5):
        print(f"    live: {n} x {text}")
    arrived: dict[str, float] = {}
    deadline = time.monotonic() + 10
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            arrived = (await _stats(http, receiver))["live"]
            if all(t in arrived for t in sent):
                break
            await asyncio.sleep(0.05)
    from_req = sorted((arrived[t] - t0) * 1000 for t, (t0, _) in sent.items() if t in arrived)
    from_resp = sorted((arrived[t] - t1) * 1000 for t, (_, t1) in sent.items() if t in arrived)
    api = sorted((t1 - t0) * 1000 for t0, t1 in sent.values())
    missing = count - len(from_req)
    return from_req, from_resp, api, missing


# -- one database, one worker count ------------------------------------------------------
def bench_one(db: str, workers: int, args: argparse.Namespace, runner: asyncio.Runner) -> Result:
    token = "sb_bench_" + secrets.token_hex(16)
    pg_name = f"sb_bench_wh_{secrets.token_hex(6)}"
    servers: list[Server] = []
    receiver: Receiver | None = None
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    label = f"[{db} workers={workers}, load average {load}]"
    with tempfile.TemporaryDirectory(prefix="sb-bench-wh-") as tmp:
        if db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            runner.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
            url = f"postgresql+asyncpg://postgres@{PG_HOST}/{pg_name}"
        try:
            upgrade_to_head(url)
            receiver = Receiver(Path(tmp))
            receiver.wait_ready()
            env = {
                "SWARMBOARD_DATABASE_URL": url,
                "SWARMBOARD_ADMIN_TOKEN": token,
                "SWARMBOARD_ENVIRONMENT": "test",
                "SWARMBOARD_SECRET_KEY": "bench-secret-not-placeholder",
                "SWARMBOARD_SCHEDULER": "off",
                "SWARMBOARD_WEBHOOK_ALLOW_PRIVATE": "true",
                "SWARMBOARD_WEBHOOK_WORKERS": str(workers),
            }
            # 1. fill the outbox with the relay off
            fill = Server(
                f"{db}-fill",
                "app.main:create_app",
                {**env, "SWARMBOARD_WEBHOOK_RELAY": "off"},
                Path(tmp),
            )
            servers.append(fill)
            fill.wait_ready()
            t0 = time.monotonic()
            board_id, endpoint_id = runner.run(fill_outbox(fill.port, token, receiver, args.events))
            fill_s = time.monotonic() - t0
            states = runner.run(delivery_states(fill.port, token, endpoint_id))
            expected = states.get("pending", 0)
            print(
                f"{label} filled: {args.events:,} card events in {fill_s:.1f} s through the "
                f"API -> outbox {states}",
                flush=True,
            )
            if expected != args.events or len(states) != 1:
                raise RuntimeError(f"expected {args.events} pending deliveries, got {states}")
            fill.stop()

            # 2. drain it with the relay on
            spawned_at = time.monotonic()
            relay = Server(
                f"{db}-relay",
                "app.main:create_app",
                {**env, "SWARMBOARD_WEBHOOK_RELAY": "on"},
                Path(tmp),
            )
            servers.append(relay)
            timeout = max(60.0, expected / 20)
            drain_s, spawn_s, srv_cpu, rcv_cpu, conns = runner.run(
                drain(relay, receiver, expected, spawned_at, timeout)
            )
            relay.wait_ready()
            rate = expected / drain_s if drain_s > 0 else float("inf")

            # 3. live latency
            from_req: list[float] = []
            from_resp: list[float] = []
            api: list[float] = []
            missing = 0
            if args.live:
                from_req, from_resp, api, missing = runner.run(
                    live_latency(relay.port, token, board_id, receiver, args.live, args.live_rate)
                )

            # 4. check through the API: everything succeeded, nothing arrived twice
            total = expected + args.live
            deadline = time.monotonic() + 15
            while True:  # outcomes are recorded just after the batch's last response
                states = runner.run(delivery_states(relay.port, token, endpoint_id))
                if states.get("succeeded", 0) >= total or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            final = runner.run(_stats_once(receiver))
            ok = (
                states == {"succeeded": total}
                and final["duplicates"] == 0
                and final["requests"] == total
                and missing == 0
            )
            return Result(
                db=db,
                workers=workers,
                deliveries=expected,
                drain_s=drain_s,
                from_spawn_s=spawn_s,
                per_s=rate,
                server_cpu_us=srv_cpu * 1e6,
                server_busy=srv_cpu * rate,
                receiver_cpu_us=rcv_cpu * 1e6,
                connections=conns,
                live_p50_ms=_pct(from_req, 0.5) if from_req else None,
                live_p99_ms=_pct(from_req, 0.99) if from_req else None,
                live_resp_p50_ms=_pct(from_resp, 0.5) if from_resp else None,
                live_api_p50_ms=_pct(api, 0.5) if api else None,
                live_missing=missing,
                duplicates=final["duplicates"],
                states=states,
                ok=ok,
            )
        finally:
            for server in servers:
                server.stop()
                if tail := server.stderr_tail():
                    print(f"--- stderr of {server.name} (last lines) ---\n{tail}\n---")
            if receiver is not None:
                receiver.stop()
            if db == "postgres":
                runner.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def print_result(r: Result, args: argparse.Namespace) -> None:
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.db]
    verdict = "ok" if r.per_s >= TARGET_PER_S else "BELOW TARGET"
    print(
        f"{name} ({r.workers} workers): {r.deliveries:,} deliveries in {r.drain_s:.2f} s = "
        f"{r.per_s:,.0f}/s (target >= {TARGET_PER_S:.0f}/s: {verdict})"
    )
    print(
        f"  from server spawn (incl. start-up): {r.from_spawn_s:.2f} s; server CPU "
        f"{r.server_cpu_us:.0f} us/delivery (busy {r.server_busy:.0%} of a core; that is "
        f"{1e6 / max(r.server_cpu_us, 1.0):,.0f}/s per core), receiver CPU {r.receiver_cpu_us:.0f} "
        f"us/delivery; {r.connections} receiver connection(s)"
    )
    if r.live_p50_ms is not None:
        print(
            f"  live: {args.live} events at {args.live_rate:g}/s: request -> webhook p50 "
            f"{r.live_p50_ms:.1f} ms, p99 {r.live_p99_ms:.1f} ms; API response -> webhook p50 "
            f"{r.live_resp_p50_ms:.1f} ms (the API request itself: p50 "
            f"{r.live_api_p50_ms:.1f} ms); missing {r.live_missing}"
        )
    print(
        f"  check: deliveries by state {r.states}; webhook-ids received twice: "
        f"{r.duplicates} -> {'OK' if r.ok else 'FAILED'}",
        flush=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--events", type=int, default=3000, help="events in the outbox")
    parser.add_argument("--workers", default="2", help="comma-separated relay worker counts")
    parser.add_argument("--live", type=int, default=500, help="live-phase events (0: skip)")
    parser.add_argument("--live-rate", type=float, default=50.0, help="live events per s")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    if not args.workers or min(args.workers) < 1 or max(args.workers) > 64:
        parser.error("--workers must be between 1 and 64")
    if args.events < 2 or args.live < 0 or args.live_rate <= 0:
        parser.error("--events >= 2, --live >= 0 and --live-rate > 0")
    return args


def main() -> int:
    args = parse_args()
    if args.receiver:
        receiver_main(args.receiver)
        return 0
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the subprocesses.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    nproc = len(os.sched_getaffinity(0))
    print(f"machine: nproc={nproc} {platform.machine()} Python {platform.python_version()}")
    print(
        f"outbox: {args.events:,} card events (half created, half moved) per run; relay "
        f"workers {args.workers}; receiver: raw asyncio HTTP/1.1 keep-alive (uvloop), "
        "own process",
        flush=True,
    )
    results: list[Result] = []
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        for db in dbs:
            for workers in args.workers:
                result = bench_one(db, workers, args, runner)
                results.append(result)
                print_result(result, args)
    print("\nSummary")
    for r in results:
        name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.db]
        print(
            f"  {name:10} workers={r.workers}: {r.deliveries:,} deliveries in {r.drain_s:.2f} s "
            f"= {r.per_s:,.0f}/s (target >= {TARGET_PER_S:.0f}/s)"
            + (f", live p50 {r.live_p50_ms:.1f} ms" if r.live_p50_ms is not None else "")
            + f", duplicates {r.duplicates}, {'OK' if r.ok else 'FAILED'}"
        )
    return 0 if all(r.ok and r.per_s >= TARGET_PER_S for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
