"""Memory upkeep of a long-running replica: a timed full collection and a heap trim.

Why: under steady load a replica's live Python memory stays flat, yet its resident
memory crept up by a few tenths of a MB per minute (bench/load.py, 30 minutes). Two
things held freed memory:

* Reference cycles (each request's SQL statements form some) that outlive a young
  collection wait in the oldest generation. CPython collects it only when the objects
  waiting there reach a quarter of those that survived the last full collection, so
  with a thousand sockets open the wait could hold tens of MB, and longer each time the
  process grew.
* Memory freed by C code (SQLAlchemy's caches, the drivers, ``bytes`` of sent frames)
  stays in glibc's heaps until something asks for it back.

So every ``SWARMBOARD_MEMORY_UPKEEP_SECONDS`` (default 60; 0 turns it off) the replica
runs one full collection, whose pause is measured and exported, then ``malloc_trim(0)``
on a worker thread (ctypes lets go of the GIL, so the event loop keeps running). Objects
alive at start-up were frozen out of the collector's view (``app.main._tune_gc``), so
the collection scans only what came later: a few tens of ms with a thousand sockets.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable

__all__ = ["MemoryUpkeep"]

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class MemoryUpkeep:
    """Runs the periodic full collection and heap trim on one replica."""

    def __init__(self, every_seconds: float) -> None:
        self.every = every_seconds
        self.runs = 0
        self.collected = 0  # unreachable objects found by these collections
        self.pause_seconds = 0.0  # summed event-loop pause of these collections
        self.last_pause = 0.0
        self._trim = _malloc_trim()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop (a no-op when turned off)."""
        if self.every > 0 and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="memory-upkeep")

    async def stop(self) -> None:
        """Stop the loop; a trim in flight on its thread finishes on its own."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def run_once(self) -> None:
        """One full collection, then the heap trim off the event loop."""
        began = time.perf_counter()
        found = gc.collect()
        self.last_pause = time.perf_counter() - began
        self.pause_seconds += self.last_pause
        self.collected += found
        self.runs += 1
        if self._trim is not None:
            await asyncio.to_thread(self._trim)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.run_once()
            except Exception:  # never let upkeep end the process; try again next time
                log.exception("memory upkeep failed")
