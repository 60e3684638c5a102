"""The capacity of one box: the highest write rate with fast moves and exact live delivery.

What is measured:

* **Setup.** A freshly migrated database (a SQLite temp file, or a fresh PostgreSQL
  database ``sb_bench_<rand>`` that is dropped afterwards) and ONE real uvicorn process
  serving ``app.main:create_app --factory`` with swarmboard's websocket protocol
  (``bench/common.py``'s ``Server``). B boards (default 200) are made through the API,
  each with a few cards and two active columns without WIP limits, so no move is refused.
* **Calibration.** Before any socket is open, the server's idle CPU (``--idle-seconds``,
  no moves) and one step of moves (``--calibrate-rate``) give the server CPU per write
  without fan-out; once the sockets are open, their idle cost (pings, timers) is
  measured the same way, so that neither is charged to a write or a message.
* **Clients.** N websocket clients (default 5,000) spread evenly over the boards (25 per
  board) open ``/ws/boards/{id}?since=<last_seq>`` in ONE separate client process using
  the light raw client of ``bench/wsclient.py``. They stay connected for the whole
  search, and stamp every message with ``time.monotonic()`` (one clock for all processes).
* **Load.** Card moves over random boards at a steady rate (evenly spaced, or Poisson
  with ``--poisson``) through a pool of keep-alive connections (``bench/httpclient.py``);
  each move records its slot, request start and response. A step is a warm-up (default
  3 s) and a measured window (``--step-seconds``, default 15 s).
* **A step passes** when, over its measured window, moves have p99 < ``--p99-ms``
  (request start to response), at least 95% of the asked rate got through, and there
  are 0 errors: no failed move, failed connect or unexpected close, and exact delivery
  (every open socket got every event of its board from the step's start seq to the
  board's last seq read through the API after the step, exactly once and in order).
* **Search.** From ``--start-rate`` the rate doubles while steps pass (up to
  ``--max-rate``), then bisects between the last pass and the first fail
  (``--bisect`` steps).
* **Figures per step.** Asked and achieved rate, moves p50/p99/max, delivery latency
  (move response to the LAST socket of the board) p50/p99, errors, missing, duplicate
  and out-of-order counts, and CPU in % of one core over the measured window: server,
  client process, this load generator, and the other processes on the machine
  (``/proc/stat``; on a shared two-core box a busy neighbour shows up in the p99; with
  ``--db postgres`` the database server counts among them). At the end: the highest
  passing rate, the server CPU per write (ms) and per delivered message (µs: server CPU
  minus idle minus writes x CPU per write, over messages), both at that rate: the
  sockets are closed and that rate is run once more for the CPU per write (it falls as
  the rate rises, and a message costs far less than a write); and a JSON line.

Everything runs on 127.0.0.1; the run is bounded in time (SIGALRM), and the server and
client processes are killed on exit or error.

    .venv/bin/python bench/capacity.py [--boards 200] [--sockets 5000]
        [--db sqlite|postgres] [--step-seconds 15] [--start-rate 10] [--max-rate 640]
        [--p99-ms 100] [--bisect 2] [--poisson]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.capacity_clients import ClientPlan, ClientProcess, StepDelivery  # noqa: E402
from bench.capacity_load import Mover, StepResult, make_boards, summarise  # noqa: E402
from bench.capacity_report import CpuModel, print_step, print_verdict  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402
from bench.fanout import CONNECT_TIMEOUT, raise_nofile  # noqa: E402

SETTLE_SECONDS = 5.0  # after a step, for every socket to get its board's last event


class Run:
    """One server, its boards, the client process and the mover, for the whole search."""

    def __init__(self, args: argparse.Namespace, runner: asyncio.Runner, tmp: Path) -> None:
        self.args, self.runner = args, runner
        self.token = "sb_bench_" + secrets.token_hex(16)
        self.pg_name = f"sb_bench_{secrets.token_hex(6)}"
        self.server: Server | None = None
        self.clients: ClientProcess | None = None
        self.mover: Mover | None = None
        self.connect_errors = 0
        self.connected = 0
        self.model: CpuModel | None = None  # the server's CPU split, once calibrated
        self.nofile = args.sockets + 1024
        if args.db == "sqlite":
            self.url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        else:
            runner.run(pg_admin(f'CREATE DATABASE "{self.pg_name}"'))
            print(f"database {self.pg_name} (dropped at the end)")
            self.url = f"postgresql+asyncpg://postgres@{PG_HOST}/{self.pg_name}"
        self.tmp = tmp

    def start(self) -> None:
        upgrade_to_head(self.url)
        env = {
            "SWARMBOARD_DATABASE_URL": self.url,
            "SWARMBOARD_ADMIN_TOKEN": self.token,
            "SWARMBOARD_ENVIRONMENT": "test",
            "SWARMBOARD_SECRET_KEY": "bench-secret-" + secrets.token_hex(8),
            "SWARMBOARD_WS_MAX_PER_PERSON": "10000",  # every client shares one token
        }
        nofile = self.nofile
        self.server = Server(
            "capacity",
            "app.main:create_app",
            env,
            self.tmp,
            preexec_fn=lambda: raise_nofile(nofile),
        )
        self.server.wait_ready()
        t = time.monotonic()
        boards = self.runner.run(
            make_boards(self.server.port, self.token, self.args.boards, self.args.cards)
        )
        self.mover = Mover(self.server, self.token, boards, self.args.connections)
        print(f"{len(boards)} boards of {self.args.cards} cards in {time.monotonic() - t:.1f} s")

    def idle_cpu(self, seconds: float) -> float:
        """The server's CPU use with no moves, in cores (timers, pings)."""
        assert self.server is not None
        time.sleep(1.0)  # the last step's tail and the connects are over
        before, t0 = self.server.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        return (self.server.cpu_seconds() - before) / (time.monotonic() - t0)

    def pids(self) -> dict[str, int]:
        assert self.server is not None
        pids = {"server": self.server.proc.pid, "mover": os.getpid()}
        if self.clients is not None:
            pids["client"] = self.clients.pids[0]
        return pids

    def connect(self) -> None:
        assert self.server is not None and self.mover is not None
        since = self.runner.run(self.mover.last_seqs())
        per_board = self.args.sockets // self.args.boards
        plan = ClientPlan(self.server.port, self.token, list(since.items()), per_board, self.nofile)
        t = time.monotonic()
        self.clients = ClientProcess(plan)
        _, connected, errors, _per_board = self.clients.recv_all(CONNECT_TIMEOUT, self.server)[0]
        print(
            f"{connected}/{per_board * self.args.boards} sockets connected in "
            f"{time.monotonic() - t:.1f} s ({per_board} per board)",
            flush=True,
        )
        for text, n in errors.items():
            print(f"  connect failed {n} x {text}")
        self.connect_errors, self.connected = sum(errors.values()), connected

    def disconnect(self) -> None:
        """Close every socket (the client process ends) and let the server notice."""
        if self.clients is not None:
            self.clients.stop()
            self.clients = None
            time.sleep(2.0)

    def step(self, rate: float) -> StepResult:
        assert self.server is not None and self.mover is not None
        a = self.args
        starts = self.runner.run(self.mover.last_seqs())
        moves, t_measure, t_end, cpu = self.runner.run(
            self.mover.drive(rate, a.warmup, a.step_seconds, a.poisson, self.pids())
        )
        self.server.check_alive()
        finals = self.runner.run(self.mover.last_seqs())
        seen: StepDelivery | None = None
        if self.clients is not None:
            self.clients.send(("check", starts, finals, SETTLE_SECONDS))
            seen = self.clients.recv_all(SETTLE_SECONDS + 60, self.server)[0][1]
        result = summarise(rate, moves, (t_measure, t_end), cpu, starts, finals, seen)
        if self.connect_errors:  # sockets that never opened fail every step
            result.errors["failed connects"] = self.connect_errors
        return result

    def close(self) -> None:
        if self.mover is not None:
            self.runner.run(self.mover.close())
        if self.clients is not None:
            self.clients.stop()
        if self.server is not None:
            self.server.stop()
            if tail := self.server.stderr_tail():
                print(f"--- uvicorn stderr (last lines) ---\n{tail}\n---")
        if self.args.db == "postgres":
            self.runner.run(pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


def search(run: Run, args: argparse.Namespace) -> list[StepResult]:
    """Double while passing, then bisect between the last pass and the first fail."""
    steps: list[StepResult] = []

    def try_rate(rate: float) -> bool:
        result = run.step(rate)
        print_step(result, args.p99_ms, run.model)
        steps.append(result)
        return result.passed(args.p99_ms)

    rate, good, bad = args.start_rate, 0.0, None
    while rate <= args.max_rate:
        if not try_rate(rate):
            bad = rate
            break
        good, rate = rate, rate * 2
    if bad is None and good < args.max_rate:  # the last doubling overshot --max-rate
        if try_rate(args.max_rate):
            good = args.max_rate
        else:
            bad = args.max_rate
    if bad is not None:
        for _ in range(args.bisect):
            mid = round((good + bad) / 2, 1)
            if mid - good < 1:
                break
            if try_rate(mid):
                good = mid
            else:
                bad = mid
    return steps


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=200, help="boards")
    parser.add_argument("--sockets", type=int, default=5000, help="websockets, over the boards")
    parser.add_argument("--cards", type=int, default=4, help="cards per board")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--step-seconds", type=float, default=15.0, help="measured per step")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured per step (s)")
    parser.add_argument("--start-rate", type=float, default=10.0, help="moves/s")
    parser.add_argument("--max-rate", type=float, default=640.0, help="moves/s")
    parser.add_argument("--calibrate-rate", type=float, default=40.0, help="moves/s, no sockets")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="idle CPU window")
    parser.add_argument("--p99-ms", type=float, default=100.0, help="move p99 to pass")
    parser.add_argument("--bisect", type=int, default=2, help="bisection steps")
    parser.add_argument("--connections", type=int, default=64, help="most keep-alive conns")
    parser.add_argument("--poisson", action="store_true", help="Poisson arrivals")
    args = parser.parse_args()
    if min(args.boards, args.cards, args.connections) < 1 or args.sockets < args.boards:
        parser.error("--boards, --cards, --connections >= 1 and --sockets >= --boards")
    if not 0 < args.start_rate <= args.max_rate or args.step_seconds <= 0:
        parser.error("need 0 < --start-rate <= --max-rate and --step-seconds > 0")
    return args


def _time_budget(*_: Any) -> None:
    raise TimeoutError("the benchmark exceeded its time budget")


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the subprocesses; a
    # hard budget bounds the whole run even if something hangs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGALRM, _time_budget)
    doublings = 2
    rate = args.start_rate
    while rate < args.max_rate:
        rate, doublings = rate * 2, doublings + 1
    per_step = args.warmup + args.step_seconds + SETTLE_SECONDS + 20
    fixed = 120 + 2 * args.idle_seconds
    signal.alarm(
        int(fixed + args.boards * 0.5 + CONNECT_TIMEOUT + per_step * (doublings + args.bisect + 2))
    )
    raise_nofile(args.sockets + 1024)
    print(
        f"machine: nproc={len(os.sched_getaffinity(0))} {platform.machine()} "
        f"Python {platform.python_version()}; open-file limit "
        f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}"
    )
    print(
        f"load: {args.sockets} sockets over {args.boards} boards, db {args.db}; steps of "
        f"{args.warmup:g} s warm-up + {args.step_seconds:g} s measured; pass: moves p99 < "
        f"{args.p99_ms:g} ms, 0 errors, exact delivery",
        flush=True,
    )
    with (
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
        tempfile.TemporaryDirectory(prefix="sb-capacity-") as tmp,
    ):
        run = Run(args, runner, Path(tmp))
        try:
            run.start()
            idle = run.idle_cpu(args.idle_seconds)
            print(f"server CPU idle, no sockets: {idle * 100:.1f}% of a core")
            print(f"\ncalibration, no sockets: {args.calibrate_rate:g} moves/s", flush=True)
            calibration = run.step(args.calibrate_rate)
            print_step(calibration, args.p99_ms)
            run.model = model = CpuModel(idle, calibration)
            print(f"server CPU per write, no fan-out: {model.write_ms:.2f} ms\n", flush=True)
            run.connect()
            model.idle_sockets = run.idle_cpu(args.idle_seconds)
            print(f"server CPU idle with the sockets: {model.idle_sockets * 100:.1f}% of a core")
            steps = search(run, args)
            passing = [s.rate for s in steps if s.passed(args.p99_ms)]
            if passing:
                run.disconnect()
                print(f"\ncalibration at {max(passing):g} moves/s, sockets closed", flush=True)
                model.at_best = run.step(max(passing))
                print_step(model.at_best, args.p99_ms)
        finally:
            run.close()
    signal.alarm(0)
    return print_verdict(args, model, steps, run.connected)


if __name__ == "__main__":
    sys.exit(main())
