"""Passwords from the command line: ``users create --password`` and the demo login."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port
from tests.core.test_cli import CLI, _run
from tests.web.helpers import form_csrf, parse, sign_in


async def test_users_create_with_a_password_can_sign_in(settings, web_client, as_user):
    args = ["users", "create", "--name", "Pia Password", "--email", "pia.pw@example.com"]
    result = _run(
        [*args, "--role", "agent", "--password", " spaced out pw "], settings.database_url
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("sb_")  # still prints an API token
    assert "sign in" in result.stderr
    assert (await as_user(token).get("/api/users/me")).status_code == 200

    web = web_client()
    assert (await sign_in(web, "pia.pw@example.com", "spaced out pw")).status_code == 401
    signed = await sign_in(web, "pia.pw@example.com", " spaced out pw ")
    assert signed.status_code == 303
    assert "Pia Password" in (await web.get("/boards")).text


def test_users_create_refuses_a_short_password(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    args = ["users", "create", "--name", "X", "--email", "x@example.com", "--role", "agent"]
    result = _run([*args, "--password", "short"], url)
    assert result.returncode == 2
    assert "password" in result.stderr and "Traceback" not in result.stderr
    assert "short" not in result.stderr.replace("--password", "")


def test_the_demo_prints_a_login_that_opens_the_demo_board(tmp_path: Path):
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
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("Login:") for line in lines):
            assert time.monotonic() < deadline, lines
            line = proc.stdout.readline()
            assert line, f"serve exited early: {lines}"
            lines.append(line.strip())
        login = next(x for x in lines if x.startswith("Login:"))
        email, password = login.removeprefix("Login:").strip().split(" / ")
        assert email == "maya@example.com"
        base = f"http://127.0.0.1:{port}"
        while True:
            assert time.monotonic() < deadline
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as web:
            csrf = form_csrf(web.get("/login").text)
            signed = web.post(
                "/login", data={"email": email, "password": password, "csrf_token": csrf}
            )
            assert signed.status_code == 303
            boards = web.get("/boards")
            (link,) = parse(boards.text).find_all("a", data_board_id=True)
            assert link.text() == "Customer Support"
            board = web.get(link.attrs["href"])
            assert board.status_code == 200
            assert 'data-role="lead"' in board.text
            assert board.text.count('class="card"') == 12
    finally:
        proc.terminate()
        proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()
