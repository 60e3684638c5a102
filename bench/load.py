"""Load and soak: a realistic traffic mix on two replicas with live boards, for minutes.

What is measured:

* **Setup.** A fresh PostgreSQL database ``sb_bench_<rand>`` (dropped afterwards),
  migrated once, then TWO real uvicorn replicas (``app.main:create_app --factory``) on
  it with Redis fan-out (``SWARMBOARD_REDIS_URL``), the alert scheduler and the webhook
  relay on in both (the default of ``docs/deploy.md``). Through the API: a lead and six
  agents with skills, two boards with columns Triage (backlog, hard WIP 40; the intake
  column), Investigating (active, hard WIP 10), Waiting (active, soft WIP 8, waits on the
  customer), Escalated (active, holds the swarmed cards) and Resolved (done), some
  cards, intake tickets and one open swarm per Escalated card.
* **Websockets.** ``--ws`` clients (default 500) in a separate process
  (``bench/load_ws.py`` on the raw client of ``bench/wsclient.py``), split evenly over
  both replicas and both boards, stay subscribed for the whole run. With
  ``--gateways N``, N more replicas of the same app (scan and relay off) hold all the
  sockets and the two replicas serve only HTTP: the API / socket-gateway split of
  ``docs/deploy.md``.
* **Load.** ``--workers`` keep-alive connections (``bench/httpclient.py``), half to each
  replica, each authenticated as one of the people, send a Poisson stream totalling
  ``--rate`` requests/s for a warm-up plus ``--minutes``. The mix (weights in ``MIX`` of
  ``bench/load_traffic.py``):
  board / card / event-log / swarm reads and occasional flow metrics; card moves with
  the card's ``version`` (a hard WIP limit answers 409 ``wip-limit-exceeded``, a stale
  version 409 ``version-conflict``: both are expected answers, counted apart; the lead
  sometimes overrides a full column with a reason); card creation; ticket intake (new
  tickets, and some repeats of a known ``external_ref`` that answer 200); interactions
  on tickets; joining and leaving swarms. Any 5xx, connection error or status outside
  an operation's expected answers is an error (target: 0).
* **Throughput and latency** per operation kind over the measured window: requests/s
  and p50/p99/max of request start to complete response.
* **Fan-out under load.** After the run every successful write is matched to its event
  in the database log (card id, interaction id, or swarm and person; moves of one card
  in version order). For each, the time from its HTTP response (and from its request
  start) to the arrival at the LAST websocket of its board is taken (p50/p99/max), plus
  the first socket's p50. Every socket must have received every event of its board since
  it connected exactly once and in seq order (missing / duplicate / out-of-order counts).
* **Memory.** VmRSS of each replica after the warm-up, every ``--sample`` seconds
  (default 30) and at the end, with a least-squares slope in MB/min over the second half.
* **CPU.** Each replica, the load generator (this process), the websocket process,
  PostgreSQL and Redis (all their processes), and everything else on the machine
  (``/proc/stat``), as % of one core over the measured window and per sample interval,
  with the load average: on a shared two-core machine a busy neighbour shows in the p99.
* **Database checks** afterwards, straight on the tables: each board's event log holds
  seq 1..``boards.last_seq`` exactly once; replaying ``card.created`` / ``card.moved`` /
  ``card.reopened`` per board, no column ever holds more cards than its WIP limit after
  an entry unless that same change recorded a ``wip.overridden`` / ``wip.exceeded`` for
  the card and column (intake and a lead's override do, by design); the replayed
  column contents equal the ``cards`` table at the end.

Everything runs on 127.0.0.1; the run is bounded in time (SIGALRM), and the replicas and
the websocket process are stopped and the database dropped on exit or error. The parts,
all in ``bench/``: ``load_setup`` (replicas, seeded world), ``load_traffic`` (the mix),
``load_sampling`` (memory, CPU), ``load_checks`` (database, fan-out matching),
``load_report`` (tables, verdict, JSON line) and ``load_ws`` (the websocket process).

    .venv/bin/python bench/load.py [--minutes 10] [--ws 500] [--rate 40] [--workers 24]
        [--warmup 20] [--sample 30] [--seed N] [--gateways 0]
    .venv/bin/python bench/load.py --minutes 1 --ws 100      # short run while developing
    .venv/bin/python bench/load.py --minutes 8 --ws 200 --tracemalloc 120  # what grows

``--tracemalloc SECONDS`` traces the replicas' allocations (``bench/load_memory.py``) and
prints the sites that grew most between that point of the measured window and its end
(after a full collection each time). ``--heap-stats`` traces nothing: it prints where
each replica's RSS went (malloc and pymalloc, in use or kept free; the brk heap and the
anonymous mappings), then what a full collection at the end frees (by type) and leaves,
and the RSS after ``malloc_trim``:

    .venv/bin/python bench/load.py --minutes 5 --heap-stats   # live memory or garbage?
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench import load_memory as memory  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402
from bench.fanout import raise_nofile  # noqa: E402
from bench.load_checks import check_database, load_events, match_fanout  # noqa: E402
from bench.load_report import nproc, print_server_log, report  # noqa: E402
from bench.load_sampling import Sampler  # noqa: E402
from bench.load_setup import WsProcess, build_world, start_replicas  # noqa: E402
from bench.load_traffic import Load, Stats  # noqa: E402
from bench.load_ws import SocketPlan, WsPlan  # noqa: E402

CONNECT_TIMEOUT = 120.0  # for all websockets


def run(args: argparse.Namespace, runner: asyncio.Runner, nofile: int) -> int:
    token = "sb_bench_" + secrets.token_hex(16)
    pg_name = f"sb_bench_{secrets.token_hex(6)}"
    dsn = f"postgresql://postgres@{PG_HOST}/{pg_name}"
    url = f"postgresql+asyncpg://postgres@{PG_HOST}/{pg_name}"
    replicas: list[Server] = []
    ws: WsProcess | None = None
    with tempfile.TemporaryDirectory(prefix="sb-load-") as tmp:
        runner.run(pg_admin(f'CREATE DATABASE "{pg_name}"'))
        try:
            t_setup = time.monotonic()
            upgrade_to_head(url)  # once, before any replica starts
            hooked = args.tracemalloc or args.heap_stats
            snaps = Path(tempfile.mkdtemp(prefix="sb-load-snaps-")) if hooked else None
            env = memory.tracing_env(snaps) if snaps else None
            start_replicas(replicas, url, token, pg_name, Path(tmp), nofile, env)
            if args.gateways:
                # Socket gateways: the same app, given only the websockets; the scan and
                # the webhook relay stay on the API replicas.
                gateway_env = (env or {}) | {
                    "SWARMBOARD_SCHEDULER": "off",
                    "SWARMBOARD_WEBHOOK_RELAY": "off",
                }
                start_replicas(
                    replicas,
                    url,
                    token,
                    pg_name,
                    Path(tmp),
                    nofile,
                    gateway_env,
                    count=args.gateways,
                    prefix="gateway",
                )
            api, gateways = replicas[:2], replicas[2:]
            rng = random.Random(args.seed)
            world = runner.run(build_world(replicas[0].port, token, rng))
            since = {b.id: b.last_seq for b in world.boards}
            print(
                f"setup: db {pg_name}, replicas on :{api[0].port} and :{api[1].port}, "
                + (f"gateways on {[f':{g.port}' for g in gateways]}, " if gateways else "")
                + f"boards {[b.id for b in world.boards]} (last_seq {list(since.values())}), "
                f"{len(world.users)} people, {time.monotonic() - t_setup:.1f} s",
                flush=True,
            )

            agents = [u for u in world.users if u.role == "agent"]
            sockets = [
                SocketPlan(
                    port=(gateways or api)[i % len(gateways or api)].port,
                    board_id=world.boards[(i // 2) % 2].id,
                    since=world.boards[(i // 2) % 2].last_seq,
                    token=agents[i % len(agents)].token,
                )
                for i in range(args.ws)
            ]
            t = time.monotonic()
            ws = WsProcess(WsPlan(sockets, nofile))
            if args.ws_nice:
                # The client stands in for browsers on other machines: a higher priority
                # puts less of its own queueing on this box into the delivery figures.
                os.setpriority(os.PRIO_PROCESS, ws.proc.pid or 0, args.ws_nice)
            hello = ws.recv(CONNECT_TIMEOUT, replicas)
            print(
                f"websockets: {hello[1]}/{args.ws} connected in {time.monotonic() - t:.1f} s"
                + (f", errors {hello[2]}" if hello[2] else ""),
                flush=True,
            )

            t0 = time.monotonic() + 0.1
            t_measure = t0 + args.warmup
            t_end = t_measure + args.minutes * 60
            stats = Stats(t_measure=t_measure, t_end=t_end)
            pids = {r.name: r.proc.pid for r in replicas}
            pids |= {"loadgen": os.getpid(), "ws": ws.proc.pid or 0}
            sampler = Sampler(replicas, pids, ws)
            load = Load(world, [r.port for r in api], args, stats)
            print(
                f"load: {args.rate:g} req/s over {args.workers} connections, "
                f"{args.warmup:g} s warm-up + {args.minutes:g} min measured; samples every "
                f"{args.sample:g} s (RSS MB {' / '.join(r.name for r in replicas)}; "
                "CPU % of one core)",
                flush=True,
            )
            first: list[Path] = []
            drive = _drive(load, sampler, t0, t_measure, t_end, args.sample, replicas)
            if snaps is not None and args.tracemalloc:
                at = t_measure + args.tracemalloc
                drive = _with_snapshots(drive, replicas, snaps, t_measure, at, first)
            elif snaps is not None:
                drive = _with_heap_start(drive, replicas, snaps, t_measure)
            runner.run(drive)
            for r in replicas:
                r.check_alive()
            if snaps is not None and args.heap_stats:
                for r in replicas:
                    memory.print_heap(
                        r.name,
                        json.loads((snaps / f"{r.proc.pid}-heap-1.json").read_text()),
                        memory.heap_figures(r.proc.pid, snaps, 2),
                    )
            if snaps is not None and first:
                minutes = (t_end - (t_measure + args.tracemalloc)) / 60
                for r, old in zip(replicas, first, strict=True):
                    memory.compare(r.name, old, memory.snapshot(r.proc.pid, snaps, 2), minutes)

            time.sleep(1.0)  # let the last commits fan out before reading the final seqs
            events = runner.run(load_events(dsn, [b.id for b in world.boards]))
            finals = {b: (log[-1][0] if log else 0) for b, log in events.items()}
            ws.pipe.send(("finish", finals))
            kind, ws_result = ws.recv(60, replicas)
            assert kind == "result"
            dbcheck = runner.run(check_database(dsn, events))
            fan = match_fanout(stats.writes, events, ws_result, since, (t_measure, t_end))
            return report(
                args,
                stats,
                sampler.samples,
                ws_result,
                int(hello[1]),
                fan,
                dbcheck,
                finals,
                since,
                [r.name for r in replicas],
            )
        finally:
            if ws is not None:
                ws.stop()
            for r in replicas:
                r.stop()
                print_server_log(r)
            runner.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


async def _drive(
    load: Load,
    sampler: Sampler,
    t0: float,
    t_measure: float,
    t_end: float,
    every: float,
    replicas: list[Server],
) -> None:
    async def watchdog() -> None:  # a dead replica ends the run now, not at the end
        while time.monotonic() < t_end:
            for r in replicas:
                r.check_alive()
            await asyncio.sleep(1.0)

    tasks: list[Awaitable[None]] = [load.run(t0), sampler.run(t_measure, t_end, every)]
    tasks.append(watchdog())
    await asyncio.gather(*tasks)


async def _with_snapshots(
    drive: Awaitable[None],
    replicas: list[Server],
    snaps: Path,
    start: float,
    at: float,
    out: list[Path],
) -> None:
    """Run ``drive``; start tracing at ``start``, take the first snapshots at ``at``."""

    async def first() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        for r in replicas:
            await asyncio.to_thread(memory.snapshot, r.proc.pid, snaps, 0)
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        for r in replicas:
            out.append(await asyncio.to_thread(memory.snapshot, r.proc.pid, snaps, 1))
        print(f"  tracemalloc: first snapshots {[p.name for p in out]}", flush=True)

    await asyncio.gather(drive, first())


async def _with_heap_start(
    drive: Awaitable[None], replicas: list[Server], snaps: Path, start: float
) -> None:
    """Run ``drive``; take each replica's heap figures when the window opens."""

    async def first() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        for r in replicas:
            await asyncio.to_thread(memory.heap_figures, r.proc.pid, snaps, 1)

    await asyncio.gather(drive, first())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured time")
    parser.add_argument("--ws", type=int, default=500, help="websocket clients")
    parser.add_argument("--rate", type=float, default=40.0, help="HTTP requests per second")
    parser.add_argument("--workers", type=int, default=24, help="HTTP connections")
    parser.add_argument("--warmup", type=float, default=20.0, help="unmeasured seconds first")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the mix")
    parser.add_argument(
        "--ws-nice",
        type=int,
        default=0,
        help="CPU niceness of the websocket client process (-20..19; below 0 needs root)",
    )
    parser.add_argument(
        "--gateways",
        type=int,
        default=0,
        help="extra replicas that hold all the websockets, so the two replicas serve only "
        "HTTP (docs/deploy.md, 'API and socket-gateway replicas'); 0: every replica does both",
    )
    parser.add_argument(
        "--tracemalloc",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="trace the replicas' allocations; compare a snapshot this far into the "
        "measured window with one at its end (0: off)",
    )
    parser.add_argument(
        "--heap-stats",
        action="store_true",
        help="without tracing: the replicas' malloc and pymalloc figures and collector counts "
        "at the start and end of the window, then what a full collection frees, and their "
        "RSS after malloc_trim(0)",
    )
    args = parser.parse_args()
    if args.tracemalloc and args.heap_stats:
        parser.error("--tracemalloc and --heap-stats are separate runs")
    if args.minutes <= 0 or args.ws < 1 or args.rate <= 0 or args.workers < 2:
        parser.error("--minutes, --ws and --rate must be positive, --workers at least 2")
    if not -20 <= args.ws_nice <= 19:
        parser.error("--ws-nice must be between -20 and 19")
    if not 0 <= args.gateways <= 8:
        parser.error("--gateways must be between 0 and 8")
    if args.warmup < 0 or args.sample < 1:
        parser.error("--warmup must be >= 0 and --sample >= 1")
    if not 0 <= args.tracemalloc < args.minutes * 60:
        parser.error("--tracemalloc must be >= 0 and within the measured window")
    return args


def _time_budget(*_: Any) -> None:
    raise TimeoutError("the benchmark exceeded its time budget")


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks still stop the subprocesses and
    # drop the database; a hard budget bounds the whole run even if something hangs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGALRM, _time_budget)
    signal.alarm(int(args.warmup + args.minutes * 60 + CONNECT_TIMEOUT + 300))
    nofile = args.ws + 2048
    raise_nofile(nofile)
    print(
        f"machine: nproc={nproc()} {platform.machine()} Python {platform.python_version()}; "
        f"load average {Path('/proc/loadavg').read_text().split()[0]}; open-file limit "
        f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}",
        flush=True,
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        code = run(args, runner, nofile)
    signal.alarm(0)
    return code


if __name__ == "__main__":
    sys.exit(main())
