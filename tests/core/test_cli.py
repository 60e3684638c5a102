"""The ``swarmboard`` command line, run as a real process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from tests.cli import demo_server, run_cli


def test_db_upgrade_creates_the_schema(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = run_cli(["db", "upgrade"], url)
    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout
    assert (tmp_path / "cli.db").exists()


async def test_users_create_prints_a_working_token(settings, as_user):
    result = run_cli(
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

    again = run_cli(
        ["users", "create", "--name", "Nora", "--email", "NORA.cli@example.com", "--role", "agent"],
        settings.database_url,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_users_create_rejects_a_bad_email_clearly(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = run_cli(
        ["users", "create", "--name", "X", "--email", "not-an-email", "--role", "agent"], url
    )
    assert result.returncode == 2
    assert "email" in result.stderr and "Traceback" not in result.stderr


def test_placeholder_secret_is_refused_outside_development(tmp_path: Path):
    with pytest.raises(ValidationError, match="SWARMBOARD_SECRET_KEY"):
        Settings(environment="production", secret_key="changeme")
    with pytest.raises(ValidationError, match="SWARMBOARD_SECRET_KEY"):
        Settings(environment="development", secret_key="changeme")  # never valid
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = run_cli(
        ["db", "upgrade"],
        url,
        SWARMBOARD_ENVIRONMENT="production",
        SWARMBOARD_SECRET_KEY="changeme",
    )
    assert result.returncode == 2
    assert "SWARMBOARD_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_serve_demo_seeds_a_support_board_and_prints_url_and_token(tmp_path: Path):
    with demo_server(tmp_path) as demo:
        token = demo.printed("Admin token")
        assert any(demo.base_url in x for x in demo.lines)
        headers = {"Authorization": f"Bearer {token}"}
        boards = httpx.get(f"{demo.base_url}/api/boards", headers=headers, timeout=10)
        assert boards.status_code == 200
        (summary,) = boards.json()["boards"]
        board = httpx.get(f"{demo.base_url}/api/boards/{summary['id']}", headers=headers).json()
    cols = [(c["name"], c["stage"], c["wip_limit"]) for c in board["columns"]]
    assert cols == [
        ("Triage", "backlog", None),
        ("Investigating", "active", 5),
        ("Swarming", "active", 3),
        ("Ready for engineering", "active", None),
        ("Waiting on customer", "active", None),
        ("Resolved", "done", None),
    ]
    assert [c["name"] for c in board["columns"] if c["requires_insight"]] == [
        "Ready for engineering"
    ]
    # Today's cards and the three tickets from channels and a bot are on the board,
    # beside what 90 days of history left there: its backlog and cards waiting on
    # customers; older finished cards were archived, so Resolved stays short.
    titles = {c["title"] for c in board["cards"]}
    assert {
        "SSO login loops back to the sign-in page",
        "Refund shows twice in the statement",
    } <= titles
    assert {"BOT-889", "ZD-4101", "ZD-4102"} <= {c["external_ref"] for c in board["cards"]}
    assert len(board["cards"]) > 15
    counts = {c["name"]: c["card_count"] for c in board["columns"]}
    assert counts["Investigating"] <= 5 and counts["Swarming"] <= 3
    assert 0 < counts["Resolved"] <= 25
    assert len(board["members"]) >= 4
    assert sum(c["card_count"] for c in board["columns"][1:]) > 0
