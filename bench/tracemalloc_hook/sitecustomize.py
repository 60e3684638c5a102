"""Bench-only: trace allocations from the first SIGUSR2, dump a snapshot on each next one.

SIGUSR1 writes the heap's figures instead, without tracing: VmRSS, glibc's ``mallinfo2``
(what malloc holds in its arenas, in use or free), pymalloc's arenas and allocated
blocks (``sys._debugmallocstats``), the brk heap and anonymous mappings of
``/proc/self/smaps``, and the collector's counts. From the second one on, it then runs a
full collection (counting what it frees by type) and records the figures again, which
tells live memory from garbage not collected yet; then ``malloc_trim(0)`` and VmRSS
again, which tells how much of the RSS is free memory malloc kept.

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
import sys
import tempfile
import tracemalloc
from collections import Counter
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


def _kind(obj: object) -> str:
    """A garbage object's type; for a frame, its function and file too."""
    if isinstance(obj, FrameType):
        where = "/".join(obj.f_code.co_filename.rsplit("/", 2)[-2:])
        return f"frame {obj.f_code.co_name} ({where})"
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _pymalloc() -> dict[str, int]:
    """Python's small-object allocator: its arenas and how full they are.

    ``sys._debugmallocstats`` writes to the C stderr only, so fd 2 is pointed at a file
    for the call.
    """
    wanted = {
        "arenas allocated current": "pymalloc_arenas",
        "bytes in allocated blocks": "pymalloc_used",
        "bytes in available blocks": "pymalloc_free_blocks",
        "arenas highwater mark": "pymalloc_arenas_peak",
        "Total": "pymalloc_total",  # the first Total: the arenas' bytes
    }
    with tempfile.TemporaryFile(mode="w+") as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read()
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, value = line.lstrip("# ").partition("=")
        if sep and key.strip() in wanted and wanted[key.strip()] not in out:
            out[wanted[key.strip()]] = int(value.strip().replace(",", ""))
    return out


def _maps_kb() -> dict[str, int]:
    """Size and resident KB of the brk heap and of all unnamed anonymous mappings
    (malloc's thread arenas and large blocks, pymalloc's arenas), from
    ``/proc/self/smaps``."""
    out = {"heap_rss_kb": 0, "heap_size_kb": 0, "anon_rss_kb": 0, "anon_size_kb": 0}
    kind = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        first = line.split(maxsplit=6)
        if "-" in first[0] and len(first) >= 5 and ":" not in first[0]:
            name = first[5] if len(first) > 5 else ""
            kind = "heap" if name == "[heap]" else "anon" if not name else None
        elif kind and first[0] in ("Size:", "Rss:"):
            out[f"{kind}_{'size' if first[0] == 'Size:' else 'rss'}_kb"] += int(first[1])
    return out


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
    out |= _pymalloc() | _maps_kb()
    if _heap_count > 1:
        # What a full collection frees now: cyclic garbage not collected yet (the app
        # raises the collector's thresholds, see app/main.py), and what is left live.
        # DEBUG_SAVEALL keeps what it finds in gc.garbage, so its types can be counted.
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            out["gc_freed"] = gc.collect()
            found = Counter(_kind(obj) for obj in gc.garbage)
            out["gc_garbage_top"] = found.most_common(25)
        finally:
            gc.garbage.clear()
            gc.set_debug(0)
        gc.collect()  # frees what gc.garbage held
        out |= {f"{key}_after_collect": value for key, value in _pymalloc().items()}
        out["uordblks_after_collect"] = libc.mallinfo2().uordblks
        out["rss_kb_after_collect"] = _rss_kb()
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
