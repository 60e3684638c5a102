"""The ``swarmboard`` command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from tests.conftest import ROOT, free_port

CLI = [sys.executable, "-m", "app.cli"]


def _run(args: list[str], database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SWARMBOARD_DATABASE_URL": database_url, **env}
    full_env.pop("SWARMBOARD_ADMIN_TOKEN", None)
    return subprocess.run(
        CLI + args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120, check=False
    )


def test_db_upgrade_creates_the_schema(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = _run(["db", "upgrade"], url)
    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout
    assert (tmp_path / "cli.db").exists()


async def test_users_create_prints_a_working_token(settings, as_user):
    result = _run(
        [
            "users",
            "create",
            "--name",
            "Nora CLI",
            "--email",
            "nora.cli@example.com",
            "--role",
            "lead",
        ],
        settings.database_url,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("sb_")
    me = await as_user(token).get("/api/users/me")
    assert me.status_code == 200
    assert (me.json()["name"], me.json()["role"]) == ("Nora CLI", "lead")

    again = _run(
        ["users", "create", "--name", "Nora", "--email", "NORA.cli@example.com", "--role", "agent"],
        settings.database_url,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_users_create_rejects_a_bad_email_clearly(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = _run(
        ["users", "create", "--name", "X", "--email", "not-an-email", "--role", "agent"], url
    )
    assert result.returncode == 2
    assert "email" in result.stderr and "Traceback" not in result.stderr


def test_placeholder_secret_is_refused_outside_development(tmp_path: Path):
    with pytest.raises(ValidationError, match="SWARMBOARD_SECRET_KEY"):
        Settings(environment="production", secret_key="changeme")
    assert Settings(environment="development", secret_key="changeme").secret_key == "changeme"
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = _run(
        ["db", "upgrade"],
        url,
        SWARMBOARD_ENVIRONMENT="production",
        SWARMBOARD_SECRET_KEY="changeme",
    )
    assert result.returncode == 2
    assert "SWARMBOARD_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_serve_demo_seeds_a_support_board_and_prints_url_and_token(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "SWARMBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"}
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
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any(line.startswith("Admin token:") for line in lines):
            assert time.monotonic() < deadline, lines
            line = proc.stdout.readline()
            assert line, f"serve exited early: {lines}"
            lines.append(line.strip())
        token = next(x for x in lines if x.startswith("Admin token:")).split(": ", 1)[1]
        assert any(f"http://127.0.0.1:{port}" in x for x in lines)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}"
        while True:
            assert time.monotonic() < deadline
            try:
                boards = httpx.get(f"{base}/api/boards", headers=headers, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert boards.status_code == 200
        (summary,) = boards.json()["boards"]
        board = httpx.get(f"{base}/api/boards/{summary['id']}", headers=headers).json()
        cols = [(c["name"], c["stage"], c["wip_limit"]) for c in board["columns"]]
        assert cols == [
            ("Triage", "backlog", None),
            ("Investigating", "active", 5),
            ("Swarming", "active", 3),
            ("Waiting on customer", "active", None),
            ("Resolved", "done", None),
        ]
        assert len(board["cards"]) == 12
        assert len(board["members"]) >= 4
        assert sum(c["card_count"] for c in board["columns"][1:]) > 0
    finally:
        proc.terminate()
        proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()
