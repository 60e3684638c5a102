"""``swarmboard export``: the same bytes as the API, a progress bar only for files, and
clear refusals (exit 2, no traceback) for bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.models import utcnow
from tests.cli import run_cli
from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History

MARCH_ARGS = ["--from", MARCH["from"], "--to", MARCH["to"]]
# Counted up to the instant each export starts, so they differ between two runs.
CLOCKED = ("column_seconds", "blocked_seconds", "waiting_seconds")


def _export(database_url: str, board_id: int, *args: str) -> Any:
    return run_cli(["export", "--board", str(board_id), *args], database_url)


async def test_files_match_the_api(
    client: httpx.AsyncClient, history: History, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "aa.csv"
    done = _export(
        database_url, history.board_id, "--format", "aa-csv", *MARCH_ARGS, "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    api = await h.get_export(client, history.board_id, "actionable-agile.csv", **MARCH)
    assert out.read_bytes() == api.content
    assert "cards" in done.stderr and "Wrote 8 rows" in done.stderr
    assert not out.with_name("aa.csv.part").exists()

    today = utcnow().date()
    span = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    events = tmp_path / "events.csv"
    args = ["--format", "events", "--from", span["from"], "--to", span["to"]]
    done = _export(database_url, history.board_id, *args, "--out", str(events))
    assert done.returncode == 0, done.stderr
    api = await h.get_export(client, history.board_id, "events.csv", **span)
    assert events.read_bytes() == api.content and api.content.count(b"\r\n") > 20

    cards = tmp_path / "cards.ndjson"
    args = ["--format", "ndjson", *MARCH_ARGS, "--channel", "email"]
    done = _export(database_url, history.board_id, *args, "--out", str(cards))
    assert done.returncode == 0, done.stderr
    api = await h.get_export(client, history.board_id, "cards.ndjson", channel="email", **MARCH)

    def unclocked(body: bytes) -> list[dict[str, Any]]:
        lines = [json.loads(x) for x in body.decode().splitlines()]
        return [{k: v for k, v in x.items() if k not in CLOCKED} for x in lines]

    assert unclocked(cards.read_bytes()) == unclocked(api.content)
    assert len(unclocked(api.content)) == 3


async def test_stdout_has_no_progress_bar(
    client: httpx.AsyncClient, history: History, database_url: str
) -> None:
    done = _export(database_url, history.board_id, "--format", "aa-csv", *MARCH_ARGS, "--out", "-")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    api = await h.get_export(client, history.board_id, "actionable-agile.csv", **MARCH)
    # run_cli decodes text with universal newlines: compare the parsed rows.
    assert done.stdout.splitlines() == api.content.decode().splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-02-30"], "not a date"),
        (["--from", "2025-03-31", "--to", "2025-03-01"], "must not be after"),
        (["--from", "2020-01-01", "--to", "2025-01-01"], "at most"),
        (["--format", "xml"], "invalid choice"),
        (["--board", "0"], "not an id"),
        (["--board", "2147483647"], "does not exist"),
        (["--out", "/nonexistent-dir/x.csv"], "cannot write"),
    ],
)
def test_bad_input_exits_2_without_a_traceback(
    history: History, database_url: str, args: list[str], message: str
) -> None:
    base = {"--board": str(history.board_id), "--format": "aa-csv", "--out": "-"}
    argv = ["export"]
    merged = dict(zip(args[::2], args[1::2], strict=True))
    for flag, value in {**base, **merged}.items():
        argv += [flag, value]
    done = run_cli(argv, database_url)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
