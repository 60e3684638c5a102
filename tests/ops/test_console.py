"""What ``swarmboard serve`` writes on its console, as a real process: in JSON mode only
JSON lines (start-up, requests, shutdown, a crash), never a configured admin token, and
no scheduler chatter."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, ROOT, empty_database, server_env
from tests.ops.helpers import SERVE, serve_process


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` as a JSON object (any other line fails the test)."""
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "message"} <= set(entry), line
        entries.append(entry)
    return entries


def test_in_json_mode_every_line_from_start_to_shutdown_is_json(database_url, tmp_path: Path):
    # A fresh database (migrations run) and the demo (seeding, a generated token).
    with (
        empty_database(database_url, tmp_path, "sb_console") as url,
        serve_process(
            url,
            tmp_path,
            args=("--demo",),
            without=("SWARMBOARD_ADMIN_TOKEN",),
            SWARMBOARD_LOG_FORMAT="json",
        ) as server,
    ):
        said = {e["message"].split(":")[0]: e for e in json_lines(server.stdout())}
        token = said["Admin token"]["admin_token"]
        assert token.startswith("sb_") and token not in said["Admin token"]["message"]
        me = httpx.get(
            server.url + "/api/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert me.status_code == 200
        assert httpx.get(server.url + "/no-such-page", timeout=10).status_code == 404
    assert server.proc.returncode == 0

    entries = json_lines(server.stderr()) + json_lines(server.stdout())
    loggers = {e["logger"] for e in entries}
    assert {"swarmboard.cli", "alembic.runtime.migration", "uvicorn.error"} <= loggers
    assert {"swarmboard.access", "app.main"} <= loggers
    messages = [e["message"] for e in entries]
    assert "Migrating the database to the newest schema..." in messages
    assert any(m.startswith("Demo board ready") for m in messages)
    assert any(m.startswith("shutdown complete") for m in messages)


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("demo", [False, True], ids=["serve", "serve-demo"])
def test_a_configured_admin_token_is_never_printed(
    database_url, tmp_path: Path, fmt: str, demo: bool
):
    args = ("--demo",) if demo else ()
    with (
        empty_database(database_url, tmp_path, "sb_token") as url,
        serve_process(url, tmp_path, args=args, SWARMBOARD_LOG_FORMAT=fmt) as server,
    ):
        # The token is configured and works...
        me = httpx.get(
            server.url + "/api/users/me",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        assert me.status_code == 200
    output = server.stdout() + server.stderr()
    # ...but the console (and so `docker compose logs`) never shows it.
    assert ADMIN_TOKEN not in output
    assert "Admin token" not in output
    assert "Swarmboard is starting on" in output


def test_a_crash_at_start_is_one_json_line_with_the_traceback(tmp_path: Path):
    # A database file in a directory that does not exist: the migrations cannot open it.
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite'}"
    env = server_env(url, "http://127.0.0.1:8000", SWARMBOARD_LOG_FORMAT="json")
    result = subprocess.run(
        [*SERVE, "--port", "9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    entries = json_lines(result.stderr) + json_lines(result.stdout)
    [crash] = [e for e in entries if e["level"] == "critical"]
    assert crash["logger"] == "swarmboard"
    assert crash["exc_info"].startswith("Traceback") and "OperationalError" in crash["exc_info"]


def _scans(url: str) -> int:
    text = httpx.get(url + "/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("swarmboard_alert_scan_duration_seconds_count"):
            return int(float(line.split()[-1]))
    return 0


def test_alert_scans_do_not_fill_the_log(database_url, tmp_path: Path):
    with (
        empty_database(database_url, tmp_path, "sb_scans") as url,
        serve_process(
            url, tmp_path, SWARMBOARD_SCHEDULER="on", SWARMBOARD_ALERT_SCAN_SECONDS="0.5"
        ) as server,
    ):
        deadline = time.monotonic() + 60
        while _scans(server.url) < 3:
            assert time.monotonic() < deadline, "the alert scan never ran three times"
            time.sleep(0.2)
    lines = server.stderr().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    # APScheduler said "Running job" and "executed successfully" on every scan (info).
    # A warning stays: on a loaded machine a 0.5 s scan can outlast its interval, and
    # "skipped: maximum number of running instances reached" is worth an operator's eye.
    chatter = [
        e["message"]
        for e in entries
        if e["logger"].startswith("apscheduler") and e["level"] not in ("warning", "error")
    ]
    assert chatter == []
    assert any(e["logger"] == "uvicorn.error" for e in entries)  # the log itself is on
