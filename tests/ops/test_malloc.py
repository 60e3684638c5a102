"""A running app hands large freed buffers back to the system (app/ops/malloc.py).

Each case runs in a fresh interpreter, so the allocator's state is its own: a large
buffer is allocated and freed once (by default glibc then raises its mmap threshold),
then five more of that size are allocated and freed while small buffers stay alive in
between, and the growth of the process's anonymous resident memory is printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MB = 1024  # KB

_CHURN = """
import asyncio, sys, tempfile

N = 8 * 1024 * 1024

def rss_anon_kb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

def churn():
    big = b"x" * N
    del big
    base = rss_anon_kb()
    kept = []
    for _ in range(5):
        big = b"y" * N
        kept.append(bytearray(64 * 1024))
        del big
    return rss_anon_kb() - base

async def main():
    if sys.argv[1] == "app":
        from app.core.config import Settings
        from app.main import create_app
        d = tempfile.mkdtemp()
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{d}/churn.db", environment="test",
            secret_key="churn-" + "k" * 40, data_dir=d, scheduler="off",
            webhook_relay="off",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            print(churn())
    else:
        print(churn())

asyncio.run(main())
"""


def _growth_kb(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CHURN, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_a_running_app_returns_large_freed_buffers_to_the_system():
    # Without the app, the freed 8 MB buffers stay resident: the allocator's default.
    assert _growth_kb("plain") > 6 * MB
    # Inside a running app they go back; what stays is the small buffers kept alive.
    assert _growth_kb("app") < 2 * MB
