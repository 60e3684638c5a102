"""Passwords from the command line: ``users create --password`` and the demo login."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cli import demo_server, run_cli
from tests.web.helpers import form_csrf, parse, sign_in


async def test_users_create_with_a_password_can_sign_in(settings, web_client, as_user):
    args = ["users", "create", "--name", "Pia Password", "--email", "pia.pw@example.com"]
    result = run_cli(
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
    result = run_cli([*args, "--password", "short"], url)
    assert result.returncode == 2
    assert "password" in result.stderr and "Traceback" not in result.stderr
    assert "short" not in result.stderr.replace("--password", "")


def test_the_demo_prints_a_login_that_opens_the_demo_board(tmp_path: Path):
    with demo_server(tmp_path) as demo, httpx.Client(base_url=demo.base_url, timeout=10) as web:
        email, password = demo.printed("Lead login").split(" / ")
        assert email == "maya@example.com"
        csrf = form_csrf(web.get("/login").text)
        signed = web.post("/login", data={"email": email, "password": password, "csrf_token": csrf})
        assert signed.status_code == 303
        boards = web.get("/boards")
        (link,) = parse(boards.text).find_all("a", data_board_id=True)
        assert link.text() == "Customer Support"
        board = web.get(link.attrs["href"])
    assert board.status_code == 200
    assert 'data-role="lead"' in board.text
    # Today's twelve cards and three tickets, beside what 90 days of history left on the
    # board: its backlog, cards waiting on customers and the latest finished ones.
    assert board.text.count('class="card"') > 15
    assert "SSO login loops back to the sign-in page" in board.text
