"""The report of ``bench/load.py``: statistics, the tables, the verdict and the JSON line."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections import Counter
from typing import Any

from bench.common import Server
from bench.fanout import pct
from bench.load_checks import DbCheck, Fanout
from bench.load_sampling import Sample, cpu_pct, slope_mb_per_min
from bench.load_traffic import MIX, READS, SLOW_MS, Stats
from bench.load_ws import WsResult


def report(
    args: argparse.Namespace,
    stats: Stats,
    samples: list[Sample],
    ws: WsResult,
    connected: int,
    fan: Fanout,
    db: DbCheck,
    finals: dict[int, int],
    since: dict[int, int],
    names: list[str],
) -> int:
    """Print the tables and the verdict, then the JSON line; 0 when the run passed."""
    span = stats.t_end - stats.t_measure
    print(f"\nThroughput and latency over the measured {span:.0f} s (request start to response)")
    head = (
        f"{'kind':17} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8}"
        "  answers (whole run)"
    )
    print(head)
    print("-" * len(head))
    total_n, all_lat = 0, []
    per_kind: dict[str, Any] = {}
    for kind in MIX:
        lat = stats.latency.get(kind, [])
        total_n += len(lat)
        all_lat += lat
        answers = ", ".join(f"{k} {v}" for k, v in stats.outcomes[kind].most_common())
        p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
        mx = max(lat, default=float("nan"))
        print(
            f"{kind:17} {len(lat):8d} {len(lat) / span:7.2f} {p50:7.1f} {p99:7.1f} {mx:8.1f}"
            f"  {answers}"
        )
        per_kind[kind] = {
            "requests": len(lat),
            "rps": round(len(lat) / span, 3),
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "max_ms": round(mx, 2),
            "answers": dict(stats.outcomes[kind]),
        }
    reads = sum(len(stats.latency.get(k, [])) for k in READS)
    p50, p99 = pct(all_lat, 0.5), pct(all_lat, 0.99)
    print(f"{'all':17} {total_n:8d} {total_n / span:7.2f} {p50:7.1f} {p99:7.1f}")
    print(
        f"reads {reads / span:.1f}/s, writes {(total_n - reads) / span:.1f}/s; target rate "
        f"{args.rate:g}/s; schedule restarts (a worker > 1 s behind): {stats.late}"
    )
    n_errors = sum(stats.errors.values())
    print(
        f"errors (5xx, connection errors, unexpected answers): {n_errors} of "
        f"{stats.requests} requests ({n_errors / max(1, stats.requests) * 100:.3f}%)"
    )
    for text in stats.error_examples:
        print(f"  ERROR {text}")
    bins: Counter[int] = Counter(int(t // 5) * 5 for t, _, _ in stats.slow)
    print(
        f"requests >= {SLOW_MS:.0f} ms: {len(stats.slow)} "
        f"({dict(Counter(k for _, k, _ in stats.slow).most_common())}); by 5-s bin of the "
        "window (s: count): " + ", ".join(f"{t}: {n}" for t, n in sorted(bins.items()))
    )

    print(f"\nFan-out under load ({connected} websockets, {dict(ws.sockets_per_board)} per board)")
    print(
        f"  writes matched to their events: {fan.matched} (unmatched {fan.unmatched}, "
        f"received by no socket {fan.undelivered}); {len(fan.last_resp)} in the window"
    )
    print(
        f"  last socket after the HTTP response: p50 {pct(fan.last_resp, 0.5):.1f} / p99 "
        f"{pct(fan.last_resp, 0.99):.1f} / max {max(fan.last_resp, default=float('nan')):.1f} ms"
    )
    print(
        f"  last socket after the request start: p50 {pct(fan.last_start, 0.5):.1f} / p99 "
        f"{pct(fan.last_start, 0.99):.1f} ms; first socket after the response: p50 "
        f"{pct(fan.first_resp, 0.5):.1f} ms"
    )
    print(
        f"  events since connect {fan.events_expected} (seqs {since} -> {finals}); received by "
        f"every socket: {fan.events_seen}; messages {ws.messages}"
    )
    ws_bad = ws.missing + ws.duplicates + ws.out_of_order + sum(ws.unexpected.values())
    ws_bad += sum(ws.connect_errors.values()) + (args.ws - connected)
    print(
        f"  per socket: missing {ws.missing}, duplicate {ws.duplicates}, out of order "
        f"{ws.out_of_order}, short of the final seq {ws.sockets_short}, failed connects "
        f"{args.ws - connected}"
    )
    for text, n in ws.unexpected.most_common(5):
        print(f"  WS ERROR {n} x {text}")

    print("\nServer memory (VmRSS) and CPU (% of one core) per sample interval")
    rss_series = {
        name: [round(s.rss_kb[k] / 1024, 1) for s in samples] for k, name in enumerate(names)
    }
    slopes = {}
    for k, name in enumerate(names):
        half = [(s.t, float(s.rss_kb[k])) for s in samples if s.t >= span / 2]
        slopes[name] = slope_mb_per_min(half)
        series = " ".join(f"{v:.1f}" for v in rss_series[name])
        print(
            f"  {name}: start {samples[0].rss_kb[k] / 1024:.1f} MB, end "
            f"{samples[-1].rss_kb[k] / 1024:.1f} MB, second-half slope "
            f"{slopes[name]:+.2f} MB/min; series {series}"
        )
    cpu_total = cpu_pct(samples[0], samples[-1]) if len(samples) > 1 else {}
    print("  CPU over the window: " + "  ".join(f"{k} {v:.0f}%" for k, v in cpu_total.items()))
    loads = [s.loadavg for s in samples]
    print(f"  load average (1 min): min {min(loads):.2f} max {max(loads):.2f} on {nproc()} CPUs")

    print("\nDatabase checks")
    for b in db.boards:
        print(
            f"  board {b['id']}: last_seq {b['last_seq']}, {b['n']} events, "
            f"{b['distinct_n']} distinct seqs, {b['lo']}..{b['hi']}"
        )
    print(
        f"  WIP replay: {db.entries} entries, {db.overrides_seen} over a limit with a wip.* "
        f"event; max fill {db.max_fill}"
    )
    print(f"  over a limit by design: {dict(db.covered_by)}")
    for text in db.problems[:10]:
        print(f"  DB PROBLEM {text}")
    if len(db.problems) > 10:
        print(f"  ... {len(db.problems) - 10} more")

    failures = n_errors + ws_bad + len(db.problems) + fan.undelivered
    verdict = "PASS" if failures == 0 else "FAIL"
    print(
        f"\n{verdict}: errors {n_errors}, websocket faults {ws_bad}, database problems "
        f"{len(db.problems)}, undelivered writes {fan.undelivered}"
    )
    summary = {
        "bench": "load",
        "minutes": args.minutes,
        "ws": args.ws,
        "ws_connected": connected,
        "rate": args.rate,
        "workers": args.workers,
        "requests_per_s": round(total_n / span, 2),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "errors": n_errors,
        "error_rate": n_errors / max(1, stats.requests),
        "kinds": per_kind,
        "fanout": {
            "events": len(fan.last_resp),
            "last_p50_ms": round(pct(fan.last_resp, 0.5), 2),
            "last_p99_ms": round(pct(fan.last_resp, 0.99), 2),
            "last_max_ms": round(max(fan.last_resp, default=float("nan")), 2),
            "last_from_start_p50_ms": round(pct(fan.last_start, 0.5), 2),
            "last_from_start_p99_ms": round(pct(fan.last_start, 0.99), 2),
            "first_p50_ms": round(pct(fan.first_resp, 0.5), 2),
            "missing": ws.missing,
            "duplicates": ws.duplicates,
            "out_of_order": ws.out_of_order,
            "unexpected": dict(ws.unexpected),
            "unmatched": fan.unmatched,
            "undelivered": fan.undelivered,
        },
        "rss_mb": rss_series,
        "rss_slope_mb_per_min_second_half": {k: round(v, 3) for k, v in slopes.items()},
        "sample_t_s": [round(s.t, 1) for s in samples],
        "cpu_pct": {k: round(v, 1) for k, v in cpu_total.items()},
        "loadavg": loads,
        "db_problems": len(db.problems),
        "wip_overrides_seen": db.overrides_seen,
        "wip_covered_by": dict(db.covered_by),
        "late": stats.late,
        "pass": failures == 0,
    }
    print(json.dumps(summary, separators=(",", ":")))
    return 0 if failures == 0 else 1


def print_server_log(server: Server) -> None:
    """Summarise a replica's stderr: exceptions by their last line, other lines by text."""
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    if not text.strip():
        print(f"server log {server.name}: empty")
        return
    raised: Counter[str] = Counter()
    other: Counter[str] = Counter()
    tracebacks = 0
    for line in text.splitlines():
        if line.startswith("Traceback"):
            tracebacks += 1
        elif re.match(r"^[\w.]+(Error|Exception|Exit)\b", line):
            raised[line[:160]] += 1
        elif line and not line.startswith((" ", "[SQL", "[parameters", "(Background", "^")):
            other[re.sub(r"\d+", "N", line)[:160]] += 1
    print(f"server log {server.name}: {tracebacks} tracebacks")
    for line, n in raised.most_common(8):
        print(f"  {n} x {line}")
    for line, n in other.most_common(8):
        print(f"  {n} x {line}")


def nproc() -> int:
    return len(os.sched_getaffinity(0))
