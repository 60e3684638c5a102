"""Live-board fan-out: commit-to-last-client latency and server memory per websocket.

What is measured, per permessage-deflate mode (off, then on):

* **Setup.** A freshly migrated database (a SQLite temp file, or a fresh PostgreSQL
  database ``sb_bench_<rand>`` that is dropped afterwards) and ONE real uvicorn process
  serving ``app.main:create_app --factory`` with ``--ws-per-message-deflate`` set to
  the mode. A board with two active columns and some cards is made through the API.
* **Clients.** N websocket clients (default 1,000) open
  ``/ws/boards/{id}?since=<last_seq>`` with ``Authorization: Bearer``. They run in a
  separate client process using the light raw client of ``bench/wsclient.py`` (or, with
  ``--client websockets``, the websockets library's asyncio client, for comparison).
  One raw-client process takes about a third of a core for 1,000 sockets at 20
  events/s, so it is not the bottleneck; a second one (``--client-procs 2``) would
  only compete with the server for the two cores. Deflate is offered by the clients
  only in the "on" mode, and the negotiated extension is checked on every connection.
* **Memory.** Server VmRSS (``/proc/<pid>/status``) is read after a few warm-up sockets
  have come and gone, and again once all N clients are connected and idle; the
  difference over N is the KB per connection. The same figure after the traffic
  (buffers, compression state touched by real messages) is reported alongside.
* **Load.** One light keep-alive HTTP client (``bench/httpclient.py``) moves cards
  between the two columns at a steady rate (default 20 moves/s), one request at a
  time, for a warm-up plus a fixed measured time. For each move it records the request
  start and the arrival of the HTTP 200 (the commit time as a caller sees it). Because
  moves are sequential, the k-th successful move carries seq ``since + k``; the
  ``card_id`` of the received event is checked against it.
* **Latency.** Every client stamps each message with ``time.monotonic()`` (one clock
  for all processes) when its bytes arrive. For each event seq the time the LAST of the
  N clients received it is compared with the move's response (and its request start);
  p50/p99 over the measured moves are reported, plus the p50 of the FIRST client.
* **Correctness.** Every client must receive every event exactly once and in seq order:
  missing, duplicate and out-of-order counts (and failed connects, unexpected closes or
  messages, failed moves) must all be 0.
* **CPU.** Server, client processes and mover CPU over the measured window, so that a
  saturated load generator is visible instead of being mistaken for a slow server; and
  the CPU that OTHER processes on the machine used meanwhile (``/proc/stat``), because on
  a shared two-core box a busy neighbour shows up directly in the p99. (With
  ``--db postgres`` the database server's own CPU counts among the others.)

Everything runs on 127.0.0.1; the run is bounded in time, and the server and client
processes are killed on exit or error.

    .venv/bin/python bench/fanout.py [--clients 1000] [--rate 20] [--seconds 10]
        [--deflate off|on|both] [--db sqlite|postgres] [--client raw|websockets]
        [--client-procs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import multiprocessing as mp
import os
import platform
import resource
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench import wsclient  # noqa: E402
from bench.common import CLK_TCK, PG_HOST, Server, pg_admin  # noqa: E402
from bench.httpclient import RawClient  # noqa: E402

TARGETS = {"p50_ms": 80.0, "p99_ms": 150.0, "kb_per_conn": 60.0}  # deflate off, 2 cores
CONNECT_CONCURRENCY = 64  # handshakes in flight per client process
CONNECT_TIMEOUT = 90.0  # for all N clients
DRAIN_TIMEOUT = 15.0  # after the last move, for every client to get the last event
WARMUP_SOCKETS = 5


# -- processes --------------------------------------------------------------------------
def raise_nofile(needed: int) -> None:
    """Raise this process's open-file limit to ``needed`` (or as far as allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- setup through the real API ---------------------------------------------------------
@dataclass(slots=True)
class Board:
    id: int
    col_a: int
    col_b: int
    cards: list[int]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_board(port: int, token: str, n_cards: int) -> Board:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=_auth(token), trust_env=False
    ) as http:
        columns = [
            {"name": "Backlog", "stage": "backlog"},
            {"name": "A", "stage": "active"},
            {"name": "B", "stage": "active"},
        ]
        r = await http.post("/api/boards", json={"name": "fan-out bench", "columns": columns})
        r.raise_for_status()
        by_name = {c["name"]: c["id"] for c in r.json()["columns"]}
        board_id = r.json()["id"]
        cards = []
        for i in range(n_cards):
            body = {"title": f"fan-out card {i}", "column_id": by_name["A"]}
            r = await http.post(f"/api/boards/{board_id}/cards", json=body)
            r.raise_for_status()
            cards.append(r.json()["id"])
    return Board(id=board_id, col_a=by_name["A"], col_b=by_name["B"], cards=cards)


async def board_last_seq(port: int, token: str, board_id: int) -> int:
    url = f"http://127.0.0.1:{port}/api/boards/{board_id}"
    async with httpx.AsyncClient(headers=_auth(token), trust_env=False) as http:
        r = await http.get(url)
        r.raise_for_status()
        return int(r.json()["last_seq"])


async def warm_up_sockets(port: int, path: str, token: str, deflate: bool) -> None:
    """Open and close a few sockets so lazily built code and caches exist before RSS."""
    clients = [
        await wsclient.connect(port, path, _auth(token), deflate=deflate, on_message=_ignore)
        for _ in range(WARMUP_SOCKETS)
    ]
    for client in clients:
        client.close()
    await asyncio.wait_for(asyncio.gather(*(c.closed for c in clients)), 10)


def _ignore(_now: float, _text: str) -> None:
    return None


# -- client processes -------------------------------------------------------------------
@dataclass(slots=True)
class WorkerPlan:
    port: int
    path: str
    token: str
    deflate: bool
    clients: int
    library: str  # "raw" (bench/wsclient.py) or "websockets"
    nofile: int


@dataclass(slots=True)
class WorkerResult:
    connected: int = 0
    deflate_negotiated: int = 0
    connect_errors: Counter[str] = field(default_factory=Counter)
    first: dict[int, float] = field(default_factory=dict)  # seq -> first arrival here
    last: dict[int, float] = field(default_factory=dict)  # seq -> last arrival here
    count: dict[int, int] = field(default_factory=dict)  # seq -> clients that got it
    card_of: dict[int, Any] = field(default_factory=dict)  # seq -> data.card_id
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)  # other messages, closes


class Recorder:
    """Per-seq first/last arrival over this process's clients, plus each client's seqs."""

    def __init__(self, result: WorkerResult) -> None:
        self.r = result
        self.per_client: list[list[int]] = []

    def client(self) -> tuple[Callable[[float, str], None], list[int]]:
        """A message callback for one client, and the list of seqs it will fill."""
        seqs: list[int] = []
        r = self.r

        def on_message(now: float, text: str) -> None:
            msg = json.loads(text)
            seq = msg.get("seq")
            if not isinstance(seq, int):
                r.unexpected[f"message {text[:80]}"] += 1
                return
            seqs.append(seq)
            if seq in r.count:
                r.count[seq] += 1
                r.last[seq] = max(r.last[seq], now)
            else:
                r.count[seq], r.first[seq], r.last[seq] = 1, now, now
                r.card_of[seq] = (msg.get("data") or {}).get("card_id")

        return on_message, seqs

    def check(self, since: int, final: int) -> None:
        """Exactly once and in order, for every client, over seqs since+1..final."""
        expected = set(range(since + 1, final + 1))
        for seqs in self.per_client:
            got = set(seqs)
            self.r.missing += len(expected - got)
            self.r.duplicates += len(seqs) - len(got)
            self.r.out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b < a)
            if extra := len(got - expected):
                self.r.unexpected["seq outside since..final"] += extra


class LibClient:
    """The websockets library's asyncio client, shaped like ``wsclient.WsClient``."""

    def __init__(self, ws: Any, on_message: Callable[[float, str], None]) -> None:
        from websockets.extensions.permessage_deflate import PerMessageDeflate

        self.ws = ws
        self.deflate = any(isinstance(e, PerMessageDeflate) for e in ws.protocol.extensions)
        self.protocol_errors = 0
        self.close_code: int | None = None
        self.closed = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._read(on_message))
        self._closing: asyncio.Task[None] | None = None

    async def _read(self, on_message: Callable[[float, str], None]) -> None:
        try:
            async for text in self.ws:
                on_message(time.monotonic(), text)
        except Exception:
            self.protocol_errors += 1
        finally:
            self.close_code = self.ws.close_code
            if not self.closed.done():
                self.closed.set_result(None)

    def close(self) -> None:
        self._closing = asyncio.create_task(self.ws.close())


async def _open(plan: WorkerPlan, on_message: Callable[[float, str], None]) -> Any:
    if plan.library == "raw":
        return await wsclient.connect(
            plan.port, plan.path, _auth(plan.token), deflate=plan.deflate, on_message=on_message
        )
    from websockets.asyncio.client import connect  # the reference client, for comparison

    ws = await connect(
        f"ws://127.0.0.1:{plan.port}{plan.path}",
        additional_headers=_auth(plan.token),
        compression="deflate" if plan.deflate else None,
        proxy=None,
        ping_interval=None,  # the server pings; the client only answers
        max_queue=None,
        open_timeout=30,
    )
    return LibClient(ws, on_message)


async def _worker(plan: WorkerPlan, pipe: Connection) -> None:
    result = WorkerResult()
    recorder = Recorder(result)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    loop = asyncio.get_running_loop()

    clients: list[Any] = []

    async def open_one() -> None:
        on_message, seqs = recorder.client()
        async with gate:
            try:
                client = await _open(plan, on_message)
            except Exception as exc:
                result.connect_errors[repr(exc)[:120]] += 1
                return
        clients.append(client)
        recorder.per_client.append(seqs)
        result.connected += 1
        result.deflate_negotiated += bool(client.deflate)

    await asyncio.gather(*(open_one() for _ in range(plan.clients)))
    pipe.send(("connected", result.connected, dict(result.connect_errors)))

    command, since, final = await loop.run_in_executor(None, pipe.recv)
    assert command == "finish"
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:  # until every open client has the final event
        pending = [
            seqs
            for c, seqs in zip(clients, recorder.per_client, strict=True)
            if not c.closed.done() and (not seqs or seqs[-1] < final)
        ]
        if not pending:
            break
        await asyncio.sleep(0.01)
    recorder.check(since, final)
    for client in clients:
        if client.closed.done():
            result.unexpected[f"closed by server, code {client.close_code}"] += 1
        if client.protocol_errors:
            result.unexpected["protocol error"] += client.protocol_errors
        client.close()
    await asyncio.wait([c.closed for c in clients], timeout=5)
    pipe.send(("result", result))


def client_worker(plan: WorkerPlan, pipe: Connection) -> None:
    """Entry point of a client process."""
    raise_nofile(plan.nofile)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_worker(plan, pipe))


class Workers:
    """Client processes, each holding its share of the N sockets."""

    def __init__(self, plan: WorkerPlan, procs: int) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for k in range(procs):
            share = plan.clients // procs + (1 if k < plan.clients % procs else 0)
            parent, child = ctx.Pipe()
            my_plan = dataclasses.replace(plan, clients=share)
            proc = ctx.Process(target=client_worker, args=(my_plan, child), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    def recv_all(self, timeout: float, server: Server) -> list[Any]:
        deadline, out = time.monotonic() + timeout, []
        for pipe, proc in zip(self.pipes, self.procs, strict=True):
            while not pipe.poll(0.2):
                server.check_alive()
                if not proc.is_alive():
                    raise RuntimeError(f"client process exited with {proc.exitcode}")
                if time.monotonic() > deadline:
                    raise TimeoutError("client processes did not answer in time")
            try:
                out.append(pipe.recv())
            except EOFError:
                raise RuntimeError(f"client process died ({proc.exitcode})") from None
        return out

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()


# -- the load ---------------------------------------------------------------------------
@dataclass(slots=True)
class Move:
    card_id: int
    start: float  # time.monotonic() when the request was written
    response: float  # time.monotonic() when the whole response had arrived
    status: int


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used (``/proc/stat``), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


async def sample_cpu(pids: dict[str, int], t_measure: float, t_end: float) -> dict[str, float]:
    """Each process's CPU use over [t_measure, t_end] in % of one core, plus "others"."""

    def sample() -> dict[str, float]:
        return {"machine": machine_busy_seconds()} | {n: cpu_seconds(p) for n, p in pids.items()}

    await asyncio.sleep(max(0.0, t_measure - time.monotonic()))
    before, t0 = sample(), time.monotonic()
    await asyncio.sleep(max(0.0, t_end - time.monotonic()))
    after, span = sample(), time.monotonic() - t0
    used = {name: (after[name] - before[name]) / span * 100 for name in before}
    used["others"] = max(0.0, used.pop("machine") - sum(used.values()))
    return used


async def drive_moves(
    server: Server, token: str, board: Board, args: argparse.Namespace, pids: dict[str, int]
) -> tuple[list[Move], int, float, float, dict[str, float]]:
    """Move cards at ``args.rate``/s, one request at a time, for warm-up + measured time.

    A move that falls more than one interval behind its slot is sent at once and the
    schedule restarts from there (no burst to catch up); those are counted as late.
    Returns the moves, the late count, the measured window and the CPU use in it.
    """
    client = RawClient(server.port, _auth(token))
    where = dict.fromkeys(board.cards, board.col_a)
    interval = 1 / args.rate
    t0 = time.monotonic() + 0.05
    t_measure, t_end = t0 + args.warmup, t0 + args.warmup + args.seconds
    cpu = asyncio.create_task(sample_cpu(pids, t_measure, t_end))
    moves: list[Move] = []
    late, due = 0, t0
    try:
        while due < t_end:
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > interval:
                late, due = late + 1, now
            card = board.cards[len(moves) % len(board.cards)]
            target = board.col_b if where[card] == board.col_a else board.col_a
            body = json.dumps({"column_id": target}).encode()
            start = time.monotonic()
            try:
                status, _ = await client.request("POST", f"/api/cards/{card}/move", body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
            moves.append(Move(card, start, time.monotonic(), status))
            if status == 200:
                where[card] = target
            else:
                server.check_alive()  # a dead server ends the run now, not at the end
            due += interval
        return moves, late, t_measure, t_end, await cpu
    finally:
        cpu.cancel()
        await client.close()


# -- one mode ---------------------------------------------------------------------------
@dataclass(slots=True)
class ModeResult:
    mode: str
    clients: int
    connected: int
    deflate_negotiated: int
    events: int  # measured events (after the warm-up)
    last_p50: float
    last_p99: float
    last_max: float
    start_p50: float  # last client - request start
    start_p99: float
    first_p50: float  # first client - response
    first_start_p50: float  # first client - request start
    kb_idle: float
    kb_after: float
    errors: Counter[str]
    cpu_pct: dict[str, float]
    achieved_rate: float
    late_moves: int
    request_p50: float  # the move request itself (start to response), all measured moves
    request_max: float

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (sorted in place)."""
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def run_mode(
    mode: str, args: argparse.Namespace, runner: asyncio.Runner, nofile: int
) -> ModeResult:
    deflate = mode == "on"
    token = "sb_bench_" + secrets.token_hex(16)
    pg_name = f"sb_bench_{secrets.token_hex(6)}"
    server: Server | None = None
    workers: Workers | None = None
    with tempfile.TemporaryDirectory(prefix="sb-fanout-") as tmp:
        if args.db == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            runner.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
            url = f"postgresql+asyncpg://postgres@{PG_HOST}/{pg_name}"
        try:
            upgrade_to_head(url)
            env = {
                "SWARMBOARD_DATABASE_URL": url,
                "SWARMBOARD_ADMIN_TOKEN": token,
                "SWARMBOARD_ENVIRONMENT": "test",
                "SWARMBOARD_SECRET_KEY": "bench-secret-" + secrets.token_hex(8),
                "SWARMBOARD_WS_PER_MESSAGE_DEFLATE": str(deflate).lower(),
                "SWARMBOARD_WS_MAX_PER_PERSON": "10000",  # the clients share a few tokens
            }
            server = Server(
                f"deflate-{'on' if deflate else 'off'}",
                "app.main:create_app",
                env,
                Path(tmp),
                extra_args=["--ws-per-message-deflate", str(deflate).lower()],
                preexec_fn=lambda: raise_nofile(nofile),
            )
            server.wait_ready()
            board = runner.run(make_board(server.port, token, args.cards))
            since = runner.run(board_last_seq(server.port, token, board.id))
            path = f"/ws/boards/{board.id}?since={since}"
            runner.run(warm_up_sockets(server.port, path, token, deflate))
            time.sleep(0.5)
            rss_before = rss_kb(server.proc.pid)

            t = time.monotonic()
            plan = WorkerPlan(server.port, path, token, deflate, args.clients, args.client, nofile)
            workers = Workers(plan, args.client_procs)
            hello = workers.recv_all(CONNECT_TIMEOUT, server)
            connected = sum(h[1] for h in hello)
            connect_errors: Counter[str] = Counter()
            for h in hello:
                connect_errors.update(h[2])
            print(
                f"  [{mode}] {connected}/{args.clients} clients connected in "
                f"{time.monotonic() - t:.1f} s over {args.client_procs} process(es)",
                flush=True,
            )
            time.sleep(args.settle)  # all connected and idle
            server.check_alive()
            rss_idle = rss_kb(server.proc.pid)

            pids = {"server": server.proc.pid, "mover": os.getpid()}
            pids |= {f"client{k}": pid for k, pid in enumerate(workers.pids)}
            moves, late, t_measure, t_end, cpu = runner.run(
                drive_moves(server, token, board, args, pids)
            )
            server.check_alive()
            final = runner.run(board_last_seq(server.port, token, board.id))
            for pipe in workers.pipes:
                pipe.send(("finish", since, final))
            results: list[WorkerResult] = [
                r[1] for r in workers.recv_all(DRAIN_TIMEOUT + 15, server)
            ]
            rss_after = rss_kb(server.proc.pid)
            return summarise(
                mode,
                args,
                since,
                final,
                moves,
                late,
                (t_measure, t_end),
                results,
                connect_errors,
                (rss_before, rss_idle, rss_after),
                cpu,
            )
        finally:
            if workers is not None:
                workers.stop()
            if server is not None:
                server.stop()
                if tail := server.stderr_tail():
                    print(f"--- uvicorn stderr (deflate {mode}, last lines) ---\n{tail}\n---")
            if args.db == "postgres":
                runner.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def summarise(
    mode: str,
    args: argparse.Namespace,
    since: int,
    final: int,
    moves: list[Move],
    late: int,
    window: tuple[float, float],
    results: list[WorkerResult],
    connect_errors: Counter[str],
    rss: tuple[int, int, int],
    cpu: dict[str, float],
) -> ModeResult:
    errors: Counter[str] = Counter()
    for text, n in connect_errors.items():
        errors[f"connect failed: {text}"] += n
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    count: Counter[int] = Counter()
    card_of: dict[int, Any] = {}
    for r in results:
        for seq, t in r.first.items():
            first[seq] = min(first.get(seq, t), t)
            last[seq] = max(last.get(seq, r.last[seq]), r.last[seq])
        count.update(r.count)
        card_of |= r.card_of
        errors["missing"] += r.missing
        errors["duplicate"] += r.duplicates
        errors["out of order"] += r.out_of_order
        errors.update(r.unexpected)
    connected = sum(r.connected for r in results)
    negotiated = sum(r.deflate_negotiated for r in results)
    if negotiated != (connected if mode == "on" else 0):
        errors[f"deflate negotiated on {negotiated}/{connected}"] += 1

    ok = [m for m in moves if m.status == 200]
    errors["failed moves"] += len(moves) - len(ok)
    if final - since != len(ok):
        errors[f"board advanced {final - since} seqs for {len(ok)} moves"] += 1
    last_resp, last_start, first_resp, first_start = [], [], [], []
    t_measure, t_end = window
    for k, move in enumerate(ok):
        seq = since + k + 1
        if seq not in last:
            continue  # nobody got it: counted as missing
        if card_of.get(seq) != move.card_id:
            errors["event/move mismatch"] += 1
        if t_measure <= move.start < t_end:
            last_resp.append((last[seq] - move.response) * 1000)
            last_start.append((last[seq] - move.start) * 1000)
            first_resp.append((first[seq] - move.response) * 1000)
            first_start.append((first[seq] - move.start) * 1000)
    measured = [m for m in moves if t_measure <= m.start < t_end]
    requests = [(m.response - m.start) * 1000 for m in measured]
    before, idle, after = rss
    return ModeResult(
        mode=mode,
        clients=args.clients,
        connected=connected,
        deflate_negotiated=negotiated,
        events=len(last_resp),
        last_p50=pct(last_resp, 0.5),
        last_p99=pct(last_resp, 0.99),
        last_max=max(last_resp, default=float("nan")),
        start_p50=pct(last_start, 0.5),
        start_p99=pct(last_start, 0.99),
        first_p50=pct(first_resp, 0.5),
        first_start_p50=pct(first_start, 0.5),
        kb_idle=(idle - before) / max(1, connected),
        kb_after=(after - before) / max(1, connected),
        errors=+errors,
        cpu_pct=cpu,
        achieved_rate=len(measured) / (t_end - t_measure),
        late_moves=late,
        request_p50=pct(requests, 0.5),
        request_max=max(requests, default=float("nan")),
    )


# -- report -----------------------------------------------------------------------------
def print_mode(r: ModeResult) -> None:
    tag = f"  [{r.mode}]"
    cpu = "  ".join(f"{k} {v:.0f}%" for k, v in r.cpu_pct.items())
    print(f"{tag} {r.events} measured events, {r.achieved_rate:.1f} moves/s, {r.late_moves} late")
    print(
        f"{tag} last client: p50 {r.last_p50:.1f} / p99 {r.last_p99:.1f} / max "
        f"{r.last_max:.1f} ms after the response; p50 {r.start_p50:.1f} / p99 "
        f"{r.start_p99:.1f} ms after the request start"
    )
    print(
        f"{tag} first client: p50 {r.first_p50:.1f} ms after the response, "
        f"{r.first_start_p50:.1f} ms after the request start; the move request itself: "
        f"p50 {r.request_p50:.1f} / max {r.request_max:.1f} ms"
    )
    print(f"{tag} CPU over the measured window (% of one core): {cpu}", flush=True)
    for text, n in r.errors.most_common(10):
        print(f"{tag} ERROR {n} x {text}")


def print_table(results: list[ModeResult], args: argparse.Namespace) -> None:
    print(f"\nSummary ({args.db}, {args.rate:g} moves/s, {args.seconds:g} s measured)")
    head = (
        f"{'deflate':7} {'clients':>7} {'events':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'KB/conn':>7} {'KB/conn*':>8} {'errors':>6} {'others%':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.mode:7} {r.connected:7d} {r.events:6d} {r.last_p50:7.1f} {r.last_p99:7.1f} "
            f"{r.kb_idle:7.1f} {r.kb_after:8.1f} {r.error_total:6d} "
            f"{r.cpu_pct.get('others', 0.0):7.0f}"
        )
    print(
        "p50/p99: commit (HTTP 200 received) to the LAST client; KB/conn: server RSS "
        "growth per connection, idle; KB/conn*: the same after the traffic; others%: CPU "
        "used by other processes on the machine meanwhile (% of one core)"
    )
    for r in results:
        if r.mode != "off":
            continue
        checks = [
            ("p50", r.last_p50, TARGETS["p50_ms"], "ms"),
            ("p99", r.last_p99, TARGETS["p99_ms"], "ms"),
            ("memory", r.kb_idle, TARGETS["kb_per_conn"], "KB/conn"),
        ]
        for name, value, limit, unit in checks:
            verdict = "PASS" if value <= limit else "MISS"
            print(f"target deflate off {name:6} {value:7.1f} <= {limit:g} {unit:8} {verdict}")
        print(f"target deflate off errors {r.error_total:7d} == 0{' ' * 16}", end="")
        print("PASS" if r.error_total == 0 else "MISS")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="websocket clients")
    parser.add_argument("--rate", type=float, default=20.0, help="card moves per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured moves first (s)")
    parser.add_argument("--settle", type=float, default=1.5, help="idle time before RSS (s)")
    parser.add_argument("--deflate", choices=["off", "on", "both"], default="both")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cards", type=int, default=100, help="cards on the board")
    parser.add_argument("--client", choices=["raw", "websockets"], default="raw")
    parser.add_argument("--client-procs", type=int, default=1, help="client processes")
    args = parser.parse_args()
    if args.clients < 1 or args.rate <= 0 or args.seconds <= 0 or args.cards < 1:
        parser.error("--clients, --rate, --seconds and --cards must be positive")
    if not 1 <= args.client_procs <= args.clients:
        parser.error("--client-procs must be between 1 and --clients")
    return args


def _time_budget(*_: Any) -> None:
    raise TimeoutError("the benchmark exceeded its time budget")


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the subprocesses; a
    # hard budget bounds the whole run even if something hangs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGALRM, _time_budget)
    modes = ["off", "on"] if args.deflate == "both" else [args.deflate]
    per_mode = 60 + CONNECT_TIMEOUT + DRAIN_TIMEOUT + args.warmup + args.seconds
    signal.alarm(int(per_mode * len(modes)))
    nofile = args.clients + 1024
    raise_nofile(nofile)
    nproc = len(os.sched_getaffinity(0))
    print(f"machine: nproc={nproc} {platform.machine()} Python {platform.python_version()}")
    print(
        f"load: {args.clients} websocket clients ({args.client} client, "
        f"{args.client_procs} process(es)) on one board; {args.rate:g} moves/s for "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured; db {args.db}; "
        f"open-file limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}"
    )
    results: list[ModeResult] = []
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        for mode in modes:
            print(f"\ndeflate {mode}:", flush=True)
            result = run_mode(mode, args, runner, nofile)
            print_mode(result)
            results.append(result)
    signal.alarm(0)
    print_table(results, args)
    for r in results:
        for key, value in r.cpu_pct.items():
            if key.startswith("client") and value > 80:
                print(
                    f"WARNING: {key} used {value:.0f}% of a core (deflate {r.mode}): the load "
                    "generator may be the bottleneck; try --client-procs 2"
                )
        if r.cpu_pct.get("others", 0.0) > 20:
            print(
                f"WARNING: other processes used {r.cpu_pct['others']:.0f}% of a core during "
                f"the deflate {r.mode} run; its latencies are pessimistic, rerun on a quiet machine"
            )
    return 1 if any(r.error_total for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
