"""Sampling of ``bench/load.py``: replica memory, CPU per process group and load average."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CLK_TCK, Server
from bench.fanout import cpu_seconds, machine_busy_seconds, rss_kb
from bench.load_setup import WsProcess


def _group_cpu(names: tuple[str, ...]) -> dict[int, float]:
    """CPU seconds of each live process whose name starts with one of ``names``, by pid."""
    out: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        if comm.startswith(names):
            fields = stat.rsplit(")", 1)[1].split()
            out[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


@dataclass(slots=True)
class Sample:
    t: float  # seconds since the start of the measured window
    rss_kb: list[int]
    cpu: dict[str, float]  # cumulative CPU seconds per name, plus "machine"
    loadavg: float
    ws_messages: int = 0
    ws_closed: int = 0
    # Process groups (PostgreSQL, Redis): CPU seconds per live pid. Between two samples a
    # group counts the growth of the pids alive at the second one (all of it for a new
    # pid); a backend that exits meanwhile is missed (its share lands in "others").
    groups: dict[str, dict[int, float]] = field(default_factory=dict)


class Sampler:
    def __init__(self, replicas: list[Server], pids: dict[str, int], ws: WsProcess) -> None:
        self.replicas, self.pids, self.ws = replicas, pids, ws
        self.samples: list[Sample] = []

    def take(self, t0: float) -> Sample:
        cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        groups = {
            "postgres": _group_cpu(("postgres",)),
            "redis": _group_cpu(("redis-server",)),
        }
        cpu["machine"] = machine_busy_seconds()
        load1 = float(Path("/proc/loadavg").read_text().split()[0])
        rss = [rss_kb(r.proc.pid) for r in self.replicas]
        return Sample(time.monotonic() - t0, rss, cpu, load1, groups=groups)

    async def run(self, t_measure: float, t_end: float, every: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, t_measure - time.monotonic()))
        k = 0
        while True:
            for r in self.replicas:
                r.check_alive()
            sample = self.take(t_measure)
            sample.ws_messages, sample.ws_closed = await loop.run_in_executor(None, self.ws.status)
            self.samples.append(sample)
            _print_sample(self.samples)
            k += 1
            nxt = min(t_measure + k * every, t_end)
            if sample.t >= t_end - t_measure - 0.5:
                return
            await asyncio.sleep(max(0.0, nxt - time.monotonic()))


def cpu_pct(a: Sample, b: Sample) -> dict[str, float]:
    span = max(1e-9, b.t - a.t)
    used = {k: (b.cpu[k] - a.cpu[k]) / span * 100 for k in a.cpu}
    for name, now in b.groups.items():
        before = a.groups.get(name, {})
        grew = sum(max(0.0, v - before.get(pid, 0.0)) for pid, v in now.items())
        used[name] = grew / span * 100
    used["others"] = max(0.0, used.pop("machine") - sum(used.values()))
    return used


def _print_sample(samples: list[Sample]) -> None:
    s = samples[-1]
    rss = " / ".join(f"{kb / 1024:6.1f}" for kb in s.rss_kb)
    line = f"  t={s.t:6.0f} s  RSS MB {rss}  load1 {s.loadavg:4.2f}  ws msgs {s.ws_messages}"
    if len(samples) > 1:
        cpu = cpu_pct(samples[-2], s)
        line += "  CPU% " + " ".join(f"{k} {v:.0f}" for k, v in cpu.items())
    print(line + (f"  ws closed {s.ws_closed}" if s.ws_closed else ""), flush=True)


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, KB) in MB/min."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return float("nan")
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    return sxy / sxx * 60 / 1024
