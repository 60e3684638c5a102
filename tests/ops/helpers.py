"""Capturing log records in-process, and running ``swarmboard serve`` as a real process."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.ops.logging import JsonFormatter, cap_library_loggers
from tests.conftest import ROOT, free_port, server_env


class Capture(logging.Handler):
    """Every record that reaches the root logger: formatted as JSON, and raw."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        # What a careless formatter could print: the message, its arguments and extras.
        self.raw.append(f"{record.msg!r} {record.args!r} {record.__dict__!r}")

    def entries(self, logger: str | None = None) -> list[dict[str, Any]]:
        found = [json.loads(line) for line in self.lines]
        return [e for e in found if logger is None or e["logger"] == logger]

    def text(self) -> str:
        return "\n".join(self.lines + self.raw)


@contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[Capture]:
    """Attach a capturing handler to the root logger at ``level`` (production's INFO)."""
    root = logging.getLogger()
    handler = Capture()
    old_level = root.level
    cap_library_loggers()  # as `swarmboard serve` does
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


@dataclass
class ServeProcess:
    """``swarmboard serve`` on a loopback port, its stdout and stderr going to files."""

    url: str
    proc: subprocess.Popen[bytes]
    stderr_path: Path
    stdout_path: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")


SERVE = [sys.executable, "-m", "app.cli", "serve"]


@contextmanager
def serve_process(
    database_url: str,
    tmp_path: Path,
    *,
    args: tuple[str, ...] = (),
    log_level: str = "info",
    without: tuple[str, ...] = (),
    **extra_env: str,
) -> Iterator[ServeProcess]:
    """The real command (uvicorn, our logging configuration) on the test database;
    ``without`` names variables of the test environment to leave out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The confirmation helpers expect links on the default public address.
    extra_env = {"SWARMBOARD_WEBHOOK_RELAY": "off", **extra_env}
    env = server_env(database_url, "http://127.0.0.1:8000", **extra_env)
    for name in without:
        env.pop(name, None)
    stderr_path = tmp_path / "serve-stderr.log"
    stdout_path = tmp_path / "serve-stdout.log"
    with stderr_path.open("wb") as err, stdout_path.open("wb") as out:
        proc = subprocess.Popen(
            [*SERVE, "--port", str(port), *args, "--log-level", log_level],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
    server = ServeProcess(url=url, proc=proc, stderr_path=stderr_path, stdout_path=stdout_path)
    try:
        # Readiness, not speed: `--demo` seeds 90 days of history, and on a CI machine
        # running two test passes at once that once took longer than a minute.
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, f"serve exited: {server.stderr()}"
            assert time.monotonic() < deadline, "serve never answered"
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
