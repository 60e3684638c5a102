"""A fixed mmap threshold for glibc's malloc, so large buffers go back to the system.

Why: a replica serving the API grew its resident memory by about 0.3 MB a minute under
steady load (bench/load.py, 30 minutes), while its live Python memory stayed flat and a
replica serving only websockets did not grow at all. The growth was glibc's main heap.
glibc serves an allocation of 128 KB or more with its own ``mmap`` and unmaps it on
free, but each such free *raises* that threshold to the freed size (up to 32 MB): after
the first large response body or result page, every later one of that size is carved
from the heap instead, and the holes they leave between longer-lived allocations are
reused poorly. Setting the threshold explicitly turns that adjustment off, so large
buffers keep coming from, and going back to, the system.

Elsewhere (musl, macOS) there is no ``mallopt`` and nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["MMAP_THRESHOLD", "fix_mmap_threshold"]

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # from glibc's <malloc.h>
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> bool:
    """Pin glibc's mmap threshold (ends its dynamic raise); False where there is none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if mallopt(M_MMAP_THRESHOLD, threshold) != 1:  # glibc returns 1 on success
        log.warning("mallopt(M_MMAP_THRESHOLD) was refused; memory may grow slowly")
        return False
    return True
