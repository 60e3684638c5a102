"""What the benchmarks share: a real uvicorn subprocess, ports and the PostgreSQL admin."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import asyncpg
import httpx

__all__ = ["CLK_TCK", "PG_ADMIN_DSN", "PG_HOST", "ROOT", "Server", "free_port", "pg_admin"]

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = "127.0.0.1:5432"
PG_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}/test"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def pg_admin(sql: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the PostgreSQL admin database."""
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Server:
    """A uvicorn subprocess on a loopback port; stderr goes to a file shown on failure."""

    def __init__(
        self,
        name: str,
        target: str,
        env: dict[str, str],
        logdir: Path,
        extra_args: Sequence[str] = (),
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / f"{name}.stderr"
        self._log: IO[bytes] = self.log_path.open("wb")
        args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        # The websocket protocol of ``swarmboard serve`` (pre-encoded frames per event).
        args += ["--ws", "app.realtime.wire:FrameProtocol"]
        if target.endswith("create_app"):
            args.append("--factory")
        args += list(extra_args)
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **env},
            stderr=self._log,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: uvicorn exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: not ready within {timeout} s")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"{self.name}: uvicorn died with {self.proc.returncode}:\n{self.stderr_tail()}"
            )

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def stderr_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").strip()
        return "\n".join(text.splitlines()[-lines:])
