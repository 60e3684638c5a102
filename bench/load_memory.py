"""Memory diagnosis of ``bench/load.py --tracemalloc SECONDS``: what grows in a replica.

The replicas start with ``bench/tracemalloc_hook`` on ``PYTHONPATH``: its
``sitecustomize`` starts tracing (25 frames) on a first SIGUSR2, sent when the measured
window opens, and dumps a snapshot on each next one (after a full collection, so only
live memory is compared; what that collection freed is printed). One snapshot is taken
``SECONDS`` into the measured window, one at its end, under the same load; the report
prints the 30 allocation sites (by traceback) that grew most between the two, per
replica. A snapshot stalls its replica for a few seconds and tracing slows it overall:
use such a run to find growth, and a run without the flag for latency and RSS figures.
"""

from __future__ import annotations

import json
import os
import signal
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import ROOT

__all__ = ["HOOK_DIR", "compare", "heap_figures", "print_heap", "snapshot", "tracing_env"]

HOOK_DIR = ROOT / "bench" / "tracemalloc_hook"
FRAMES = 25
TOP = 30


def tracing_env(snap_dir: Path) -> dict[str, str]:
    """Environment for a replica that traces allocations and dumps them on SIGUSR2."""
    path = os.environ.get("PYTHONPATH", "")
    return {
        "SWARMBOARD_BENCH_TRACEMALLOC_FRAMES": str(FRAMES),
        "PYTHONPATH": f"{HOOK_DIR}{os.pathsep}{path}" if path else str(HOOK_DIR),
        "SWARMBOARD_BENCH_SNAPSHOT_DIR": str(snap_dir),
    }


def snapshot(pid: int, snap_dir: Path, number: int, timeout: float = 120.0) -> Path:
    """Ask the replica ``pid`` for its ``number``-th snapshot and wait for the file.

    Number 0 is no snapshot: that signal starts the tracing.
    """
    path = snap_dir / f"{pid}-{number}.snap"
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no snapshot {path.name} within {timeout:.0f} s")
        time.sleep(0.2)
    return path


def heap_figures(pid: int, snap_dir: Path, number: int, timeout: float = 30.0) -> dict[str, Any]:
    """The ``number``-th heap figures of replica ``pid`` (SIGUSR1; no tracing needed)."""
    path = snap_dir / f"{pid}-heap-{number}.json"
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no heap figures {path.name} within {timeout:.0f} s")
        time.sleep(0.1)
    return dict(json.loads(path.read_text()))


def print_heap(name: str, start: dict[str, Any], end: dict[str, Any]) -> None:
    """Where the RSS went between two heap figures: malloc's arenas, in use or free."""

    def mb(d: dict[str, Any], key: str) -> float:
        return float(d[key]) / 1024 / (1 if "_kb" in key else 1024)

    print(f"heap {name} (MB, window start -> end):")
    for key, what in (
        ("rss_kb", "VmRSS"),
        ("arena", "malloc arenas (brk heap and thread arenas)"),
        ("uordblks", "  in use"),
        ("fordblks", "  free, kept by malloc"),
        ("hblkhd", "malloc's own mmaps (large blocks)"),
        ("heap_size_kb", "[heap] mapping (brk), size"),
        ("heap_rss_kb", "  resident"),
        ("anon_size_kb", "anonymous mappings, size"),
        ("anon_rss_kb", "  resident"),
        ("pymalloc_total", "pymalloc arenas"),
        ("pymalloc_used", "  in allocated blocks"),
        ("pymalloc_free_blocks", "  free blocks in used pools"),
    ):
        if key in start and key in end:
            print(f"  {what:44} {mb(start, key):8.1f} -> {mb(end, key):8.1f}")
    if "gc_freed" in end:
        left = [
            f"{what} {mb(end, key):.1f}"
            for key, what in (
                ("pymalloc_used_after_collect", "pymalloc in allocated blocks"),
                ("uordblks_after_collect", "malloc in use"),
                ("rss_kb_after_collect", "VmRSS"),
            )
            if key in end  # no pymalloc figures under PYTHONMALLOC=malloc
        ]
        print(f"  a full collection at the end freed {end['gc_freed']} objects: " + ", ".join(left))
    if end.get("gc_garbage_top"):
        found = ", ".join(f"{kind} {n}" for kind, n in end["gc_garbage_top"])
        print(f"  what it freed, by type: {found}")
    if "rss_kb_after_trim" in end:
        print(
            f"  {'VmRSS after malloc_trim(0) at the end':44} {mb(end, 'rss_kb_after_trim'):>20.1f}"
        )
    print(
        f"  threads {start['threads']} -> {end['threads']}; gc collections by generation "
        f"{[g['collections'] for g in start['gc_stats']]} -> "
        f"{[g['collections'] for g in end['gc_stats']]}"
    )


def _app_frame(stat: tracemalloc.StatisticDiff) -> tracemalloc.Frame | None:
    """The innermost frame of ours (the traceback is stored oldest first)."""
    for frame in reversed(stat.traceback):
        if "/app/" in frame.filename and "site-packages" not in frame.filename:
            return frame
    return None


def _where(stat: tracemalloc.StatisticDiff) -> str:
    top = stat.traceback[-1]
    where = f"{top.filename.replace(str(ROOT) + '/', '')}:{top.lineno}"
    mine = _app_frame(stat)
    return where + (f" via {mine.filename.split('/app/', 1)[1]}:{mine.lineno}" if mine else "")


def compare(name: str, old: Path, new: Path, minutes: float, top: int = TOP) -> None:
    """Print the sites that grew most from ``old`` to ``new`` (KB, and KB/min)."""
    filters = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
    ]
    a = tracemalloc.Snapshot.load(str(old)).filter_traces(filters)
    b = tracemalloc.Snapshot.load(str(new)).filter_traces(filters)
    total = (
        sum(s.size for s in b.statistics("filename"))
        - sum(s.size for s in a.statistics("filename"))
    ) / 1024
    print(
        f"\ntracemalloc {name}: traced memory {total:+.0f} KB over {minutes:.1f} min "
        f"({total / max(minutes, 1e-9):+.1f} KB/min); top {top} sites by growth:"
    )
    stats = b.compare_to(a, "traceback")
    by_line: Counter[str] = Counter()  # one site often has many tracebacks: sum per app line
    for stat in stats[:top]:
        if stat.size_diff <= 0:
            break
        print(f"  {stat.size_diff / 1024:+9.1f} KB {stat.count_diff:+7d} blocks  {_where(stat)}")
    for stat in stats:
        frame = _app_frame(stat)
        by_line[f"{frame.filename.split('/app/', 1)[1]}:{frame.lineno}" if frame else "-"] += (
            stat.size_diff
        )
    print(
        "  by the innermost frame in app/ (KB): "
        + ", ".join(f"{key} {size / 1024:+.0f}" for key, size in by_line.most_common(12))
    )
    for snap in (old, new):
        gc = json.loads(snap.with_suffix(".gc.json").read_text())
        runs = [g["collections"] for g in gc["stats"]]
        print(
            f"  {snap.name}: a full collection freed {gc['freed']} objects; collections "
            f"by generation so far {runs}, counts {gc['count']}, frozen {gc['frozen']}"
        )
    print(f"  (snapshots kept: {old} {new})")
