"""Running the ``swarmboard`` command line as a real process, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port

CLI = [sys.executable, "-m", "app.cli"]


def run_cli(args: list[str], database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One ``swarmboard`` command to completion, without SWARMBOARD_ADMIN_TOKEN."""
    full_env = {**os.environ, "SWARMBOARD_DATABASE_URL": database_url, **env}
    full_env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    return subprocess.run(
        CLI + args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class DemoServer:
    base_url: str
    lines: list[str]  # what `serve --demo` printed up to the admin token

    def printed(self, prefix: str) -> str:
        """The value of the printed line ``<prefix>: value``."""
        line = next(x for x in self.lines if x.startswith(prefix + ":"))
        return line.split(":", 1)[1].strip()


@contextmanager
def demo_server(tmp_path: Path) -> Iterator[DemoServer]:
    """``swarmboard serve --demo`` on a fresh SQLite file, once it answers HTTP."""
    port = free_port()
    env = {
        **os.environ,
        "SWARMBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
        # Its generated secret key (none is configured) lands here, not in the checkout.
        "SWARMBOARD_DATA_DIR": str(tmp_path / "data"),
        # The plain lines `make run` shows (JSON mode: tests/ops/test_console.py).
        "SWARMBOARD_LOG_FORMAT": "text",
    }
    env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    proc = subprocess.Popen(
        [*CLI, "serve", "--demo", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("Admin token:") for line in lines):
            assert time.monotonic() < deadline, lines
            line = proc.stdout.readline()
            assert line, f"serve exited early: {lines}"
            lines.append(line.strip())
        base = f"http://127.0.0.1:{port}"
        while True:
            assert time.monotonic() < deadline, "the demo server never answered"
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield DemoServer(base_url=base, lines=lines)
    finally:
        proc.terminate()
        proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()
