"""Request ids and JSON log lines, in-process."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from fastapi import FastAPI

from app.ops import install_ops
from app.ops.logging import TextFormatter, redact, redact_path
from tests import factories
from tests.conftest import empty_database
from tests.ops.helpers import captured_logs, serve_process

GENERATED = re.compile(r"[0-9a-f]{32}")


async def test_a_request_log_line_carries_the_request_id_the_response_echoes(client):
    with captured_logs() as logs:
        r = await client.get("/healthz")

    request_id = r.headers["x-request-id"]
    assert GENERATED.fullmatch(request_id)
    [line] = [e for e in logs.entries("swarmboard.access") if e["request_id"] == request_id]
    assert line["level"] == "info" and line["method"] == "GET" and line["path"] == "/healthz"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert {"time", "message"} <= set(line)


async def test_the_log_names_the_route_template_not_the_raw_path(client):
    board = await factories.create_board(client)
    with captured_logs() as logs:
        r = await client.get(f"/api/boards/{board['id']}", headers={"X-Request-ID": "tmpl-1"})

    assert r.status_code == 200
    [line] = [e for e in logs.entries("swarmboard.access") if e["request_id"] == "tmpl-1"]
    assert line["path"] == "/api/boards/{board_id}"


async def test_an_incoming_request_id_is_kept(client):
    kept = "01JDZ8K3Q3:trace-42_a.b"
    with captured_logs() as logs:
        r = await client.get("/healthz", headers={"X-Request-ID": kept})

    assert r.headers["x-request-id"] == kept
    assert [e["request_id"] for e in logs.entries("swarmboard.access")] == [kept]


@pytest.mark.parametrize(
    "bad", ["has spaces in it", "x" * 129, '"}{"level":"critical', "", "é-accent".encode()]
)
async def test_a_malformed_request_id_is_replaced(client, bad):
    with captured_logs() as logs:
        r = await client.get("/healthz", headers={"X-Request-ID": bad})

    echoed = r.headers["x-request-id"]
    assert GENERATED.fullmatch(echoed)
    assert [e["request_id"] for e in logs.entries("swarmboard.access")] == [echoed]


async def test_every_record_logged_while_handling_a_request_carries_its_id(settings):
    app = FastAPI()
    install_ops(app, settings)
    inner = logging.getLogger("app.example")

    @app.get("/work")
    async def work() -> dict[str, str]:
        inner.warning("doing the work")
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        with captured_logs() as logs:
            r = await c.get("/work", headers={"X-Request-ID": "req-7"})
            inner.warning("between requests")

    assert r.headers["x-request-id"] == "req-7"
    by_message = {e["message"]: e for e in logs.entries()}
    assert by_message["doing the work"]["request_id"] == "req-7"
    assert by_message["doing the work"]["logger"] == "app.example"
    assert by_message["GET /work 200"]["request_id"] == "req-7"
    assert by_message["between requests"]["request_id"] is None


def test_redaction_hides_tokens_secrets_and_confirmation_links():
    token = "sb_" + "A" * 43
    secret = "whsec_" + "QUJD" * 11 + "=="
    text = f"token {token} secret {secret} link https://x/c/AbC.def-123 tmpl /c/{{token}}"

    hidden = redact(text)

    assert token not in hidden and secret not in hidden and "AbC.def-123" not in hidden
    assert "/c/{token}" in hidden
    assert redact_path("/c/AbC.def-123/answer") == "/c/…"
    assert redact_path("/api/boards/1") == "/api/boards/1"
    assert len(redact_path("/x" * 500)) <= 201


def test_the_text_format_is_one_redacted_line_with_the_request_id():
    record = logging.LogRecord(
        "app.x", logging.INFO, __file__, 1, "link %s", ("/c/AbCdEf123",), None
    )
    record.request_id = "req-9"

    line = TextFormatter().format(record)

    assert line.endswith("INFO app.x link /c/… [req-9]")


def test_serve_starts_with_the_migrations_it_ran_and_no_library_chatter(tmp_path):
    with empty_database("sqlite", tmp_path, "chatter") as url, serve_process(url, tmp_path) as s:
        httpx.get(s.url + "/healthz")
    lines = [json.loads(line) for line in s.stderr().splitlines() if line.startswith("{")]
    loggers = {entry["logger"] for entry in lines}
    assert any("Running upgrade" in e["message"] for e in lines)  # what changed, kept
    # Alembic 1.18+ logged a "setup plugin" line per built-in plugin on every start.
    assert "alembic.runtime.plugins" not in loggers, sorted(loggers)
