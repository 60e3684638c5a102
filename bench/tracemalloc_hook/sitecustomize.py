"""Bench-only: trace allocations from the first SIGUSR2, dump a snapshot on each next one.

SIGUSR1 writes the heap's figures instead, without tracing: VmRSS, glibc's ``mallinfo2``
(what malloc holds in its arenas, in use or free) and the collector's counts; from the
second one on, it then runs ``malloc_trim(0)`` and records VmRSS again, which tells how
much of the RSS is free memory malloc kept rather than live objects.

Python imports ``sitecustomize`` at start-up when this directory is on ``PYTHONPATH``;
``bench/load.py --tracemalloc`` puts it there for the replicas only (see
``bench/load_memory.py``). Tracing starts on a signal rather than with
``PYTHONTRACEMALLOC``, because tracing the imports with 25 frames kept a replica from
answering within three minutes on a loaded machine; growth under load is what matters.
The app itself knows nothing of this: no route, no setting, nothing in production.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

_DIR = os.environ.get("SWARMBOARD_BENCH_SNAPSHOT_DIR")
_FRAMES = int(os.environ.get("SWARMBOARD_BENCH_TRACEMALLOC_FRAMES", "25"))
_count = 0
_heap_count = 0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _heap(signum: int, frame: FrameType | None) -> None:
    global _heap_count
    if _DIR is None:
        return
    _heap_count += 1
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    out: dict[str, object] = {name: getattr(info, name) for name, *_ in _MallInfo2._fields_}
    out |= {"rss_kb": _rss_kb(), "gc_count": gc.get_count(), "gc_stats": gc.get_stats()}
    out["threads"] = len(os.listdir("/proc/self/task"))
    if _heap_count > 1:
        libc.malloc_trim(0)
        out["rss_kb_after_trim"] = _rss_kb()
    path = Path(_DIR, f"{os.getpid()}-heap-{_heap_count}.json")
    path.with_suffix(".tmp").write_text(json.dumps(out))
    path.with_suffix(".tmp").rename(path)


def _dump(signum: int, frame: FrameType | None) -> None:
    # Runs on the main thread between bytecodes, so it stalls the event loop for the
    # seconds a snapshot takes: acceptable in a bench, never in production.
    global _count
    if _DIR is None:
        return
    if not tracemalloc.is_tracing():
        tracemalloc.start(_FRAMES)
        Path(_DIR, f"{os.getpid()}-0.snap").touch()  # tells the caller tracing is on
        return
    _count += 1
    path = Path(_DIR, f"{os.getpid()}-{_count}.snap")
    # Cyclic garbage not yet collected would look like growth: count it (the collector's
    # state before, and what a full collection frees), then snapshot what is live.
    stats: dict[str, object] = {"count": gc.get_count(), "stats": gc.get_stats()}
    stats["freed"] = gc.collect()
    stats["frozen"] = gc.get_freeze_count()
    path.with_suffix(".gc.json").write_text(json.dumps(stats))
    tmp = path.with_suffix(".tmp")
    tracemalloc.take_snapshot().dump(str(tmp))
    tmp.rename(path)  # the reader waits for the final name, never sees half a file


if _DIR is not None:
    signal.signal(signal.SIGUSR2, _dump)
    signal.signal(signal.SIGUSR1, _heap)
