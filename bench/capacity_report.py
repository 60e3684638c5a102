"""The report of ``bench/capacity.py``: one line per step, the verdict and a JSON line."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from typing import Any

from bench.capacity_load import StepResult

__all__ = ["CpuModel", "per_message_us", "print_step", "print_verdict"]


@dataclass(slots=True)
class CpuModel:
    """Server CPU = idle + writes x per write + messages x per message.

    The idle parts (fractions of a core) are measured with no moves, before the sockets
    open and once they are open (pings, timers), so that neither is charged to a write
    or a message. The CPU per write falls as the rate rises (more work per loop turn),
    and a message costs far less than a write, so the split at the highest passing rate
    uses a step at that same rate with the sockets closed (``at_best``).
    """

    idle: float  # no sockets, no moves
    calibration: StepResult  # --calibrate-rate, before the sockets open
    idle_sockets: float = float("nan")  # all sockets open, no moves
    at_best: StepResult | None = None  # the highest passing rate, sockets closed

    @property
    def write_ms(self) -> float:
        """Server CPU per write without fan-out (at the best rate once measured)."""
        return self.write_ms_of(self.at_best or self.calibration)

    def write_ms_of(self, cal: StepResult) -> float:
        return (cal.server_cpu_s - self.idle * cal.span) / max(1, cal.writes) * 1000

    def message_noise_us(self, step: StepResult) -> float:
        """How far the per-message figure may be off: the spread of the CPU per write
        between the two calibrations (a busy neighbour and the rate move it), spread
        over the messages of one write."""
        if self.at_best is None or not step.writes or not step.delivered:
            return float("nan")
        spread = abs(self.write_ms_of(self.at_best) - self.write_ms_of(self.calibration))
        return spread * 1000 / (step.delivered / step.writes)


def per_message_us(step: StepResult, model: CpuModel | None) -> float:
    """Server CPU per delivered message: what the idle sockets and the writes leave."""
    if model is None or not step.delivered:
        return float("nan")
    rest = step.server_cpu_s - model.idle_sockets * step.span
    return (rest - step.writes * model.write_ms / 1000) / step.delivered * 1e6


def print_step(r: StepResult, p99_ms: float, model: CpuModel | None = None) -> None:
    verdict = "PASS" if r.passed(p99_ms) else "FAIL"
    cpu = " ".join(f"{k} {v:.0f}%" for k, v in r.cpu.items())
    print(
        f"  {r.rate:6.1f}/s asked, {r.achieved:6.1f}/s done ({r.writes} moves, {r.late} late)"
        f" | moves p50 {r.move_p50:.1f} p99 {r.move_p99:.1f} max {r.move_max:.1f} ms"
        f" | delivery p50 {r.delivery_p50:.1f} p99 {r.delivery_p99:.1f} ms"
        f" | {r.delivered} msgs | errors {r.error_total} | {verdict}"
    )
    extra = ""
    if model is not None and r.delivered:
        extra = f"; server CPU per message {per_message_us(r, model):.1f} µs"
    print(f"         CPU (% of a core): {cpu}; settle {r.settle_s:.2f} s{extra}", flush=True)
    for text, n in r.errors.most_common(8):
        print(f"         ERROR {n} x {text}")


def print_verdict(
    args: argparse.Namespace,
    model: CpuModel,
    steps: list[StepResult],
    connected: int,
) -> int:
    write_ms = model.write_ms
    passing = [s for s in steps if s.passed(args.p99_ms)]
    best = max(passing, key=lambda s: s.rate) if passing else None
    print(f"\nSummary ({args.db}, {connected} sockets over {args.boards} boards)")
    head = (
        f"{'asked/s':>8} {'done/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'dlv p50':>7} {'dlv p99':>7} {'errors':>6} {'server%':>7} {'client%':>7} "
        f"{'others%':>7} {'µs/msg':>7} verdict"
    )
    print(head)
    print("-" * len(head))
    calibrations = [model.calibration, *([model.at_best] if model.at_best else [])]
    for s in [*calibrations, *steps]:
        tag = "calib." if s in calibrations else ("PASS" if s.passed(args.p99_ms) else "FAIL")
        print(
            f"{s.rate:8.1f} {s.achieved:7.1f} {s.move_p50:7.1f} {s.move_p99:7.1f} "
            f"{s.move_max:7.1f} {s.delivery_p50:7.1f} {s.delivery_p99:7.1f} "
            f"{s.error_total:6d} {s.cpu.get('server', 0):7.0f} {s.cpu.get('client', 0):7.0f} "
            f"{s.cpu.get('others', 0):7.0f} {per_message_us(s, model):7.1f} {tag}"
        )
    print(
        "p50/p99/max: the move request (start to response); dlv: move response to the "
        "LAST socket of the board; others%: CPU of other processes on the machine; "
        f"µs/msg: server CPU per message, after idle ({model.idle * 100:.1f}% of a core "
        f"without sockets, {model.idle_sockets * 100:.1f}% with them) and writes "
        f"({write_ms:.2f} ms each, the last calib. row)"
    )
    at_max = bool(best and best.rate >= args.max_rate)
    if best is None:
        print(
            f"verdict: no rate passed (from {args.start_rate:g}/s); server CPU per write "
            f"{write_ms:.2f} ms"
        )
    else:
        print(
            f"verdict: highest passing rate {best.rate:g} moves/s"
            f"{' (= --max-rate, the box may do more)' if at_max else ''} with {connected} "
            f"sockets over {args.boards} boards ({args.db}); server CPU per write "
            f"{write_ms:.2f} ms, per delivered message {per_message_us(best, model):.1f} "
            f"± {model.message_noise_us(best):.1f} µs (both at {best.rate:g}/s)"
        )
        if not per_message_us(best, model) > model.message_noise_us(best):
            print(
                "  the CPU per message is below what this run resolves: the CPU per write "
                f"moved from {model.write_ms_of(model.calibration):.2f} ms "
                f"({model.calibration.rate:g}/s) to {write_ms:.2f} ms between the "
                "calibrations, more than the messages of one write cost"
            )
        if model.at_best is not None and not model.at_best.passed(args.p99_ms):
            print(
                f"WARNING: the calibration at {best.rate:g}/s without sockets did not pass "
                "(a busy machine?); its CPU per write may be inflated"
            )
    busy = [s.cpu.get("others", 0.0) for s in steps]
    if busy and max(busy) > 20:
        print(
            f"WARNING: other processes used up to {max(busy):.0f}% of a core during the steps; "
            "the rates are pessimistic, rerun on a quiet machine"
        )
    summary: dict[str, Any] = {
        "bench": "capacity",
        "db": args.db,
        "boards": args.boards,
        "sockets": connected,
        "step_seconds": args.step_seconds,
        "p99_ms_limit": args.p99_ms,
        "max_passing_rate": best.rate if best else 0,
        "at_max_rate": at_max,
        "server_idle_cpu_pct": _r(model.idle * 100, 1),
        "server_idle_cpu_pct_with_sockets": _r(model.idle_sockets * 100, 1),
        "server_cpu_per_write_ms": _r(write_ms, 3),
        "server_cpu_per_message_us": _r(per_message_us(best, model), 2) if best else None,
        "server_cpu_per_message_us_noise": _r(model.message_noise_us(best), 2) if best else None,
        "steps": [
            {
                "rate": s.rate,
                "achieved": _r(s.achieved, 1),
                "p50_ms": _r(s.move_p50, 1),
                "p99_ms": _r(s.move_p99, 1),
                "max_ms": _r(s.move_max, 1),
                "delivery_p50_ms": _r(s.delivery_p50, 1),
                "delivery_p99_ms": _r(s.delivery_p99, 1),
                "messages": s.delivered,
                "errors": dict(s.errors),
                "cpu_pct": {k: round(v, 1) for k, v in s.cpu.items()},
                "pass": s.passed(args.p99_ms),
            }
            for s in steps
        ],
    }
    print(json.dumps(summary, separators=(",", ":"), ensure_ascii=False))
    return 0 if best is not None else 1


def _r(value: float, digits: int) -> float | None:
    return None if math.isnan(value) else round(value, digits)
