"""No token, session cookie, webhook secret or confirmation link ever reaches a log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests import factories
from tests.confirm.helpers import closed_card, make_board
from tests.conftest import ADMIN_TOKEN
from tests.ops.helpers import captured_logs, serve_process
from tests.web.helpers import PASSWORD, sign_in


async def _exercise(admin: httpx.AsyncClient, browser: httpx.AsyncClient) -> list[str]:
    """Requests carrying every kind of secret; returns the secrets they carried."""
    user, token = await factories.create_user(admin, role="lead", password=PASSWORD)
    as_lead = {"Authorization": f"Bearer {token}"}
    assert (await admin.get("/api/users/me", headers=as_lead)).status_code == 200
    # A wrong token, in the header and in a query string.
    wrong = "sb_" + "W" * 43
    await admin.get("/api/users/me", headers={"Authorization": f"Bearer {wrong}"})
    await admin.get(f"/api/boards?token={token}&access_token={wrong}")

    signed = await sign_in(browser, user["email"])
    assert signed.status_code == 303, signed.text
    cookie = browser.cookies["sb_session"]
    assert (await browser.get("/api/users/me")).status_code == 200  # the cookie signs in
    await browser.get("/", follow_redirects=True)

    created = await admin.post(
        "/api/webhooks",
        json={"url": "http://127.0.0.1:9/hook?key=url-key-123456", "event_types": ["card.*"]},
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    rotated = await admin.post(f"/api/webhooks/{created.json()['id']}/rotate-secret")
    new_secret = rotated.json()["secret"]

    board_id, cols = await make_board(admin)
    _card, link = await closed_card(admin, board_id, cols)
    confirm_token = link.rsplit("/", 1)[1]
    assert (await browser.get(link)).status_code == 200
    await browser.get(link + "/nonsense")
    await browser.post(
        link, data={"solved": "yes", "csat": "", "ces": "", "nps": "", "comment": ""}
    )
    # An endpoint for every board would get deliveries from every later test.
    gone = await admin.delete(f"/api/webhooks/{created.json()['id']}")
    assert gone.status_code == 204, gone.text
    return [token, wrong, ADMIN_TOKEN, cookie, secret, new_secret, confirm_token, "url-key-123456"]


def _assert_hidden(secrets: list[str], text: str) -> None:
    for secret in secrets:
        assert len(secret) >= 12
        assert secret not in text, f"a secret reached the log: {secret[:6]}…"


async def test_in_process_nothing_logged_carries_a_secret(app, client):
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    async with browser:
        with captured_logs() as logs:
            secrets = await _exercise(client, browser)

    _assert_hidden(secrets, logs.text())
    paths = {e["path"] for e in logs.entries("swarmboard.access")}
    assert {"/c/{token}", "/api/webhooks", "/login"} <= paths
    assert "/c/…" in paths  # the unmatched link, redacted


async def test_a_real_server_writes_only_json_and_no_secrets(settings, tmp_path: Path):
    with serve_process(settings.database_url, tmp_path) as server:
        admin = httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        )
        browser = httpx.AsyncClient(base_url=server.url, timeout=10)
        async with admin, browser:
            secrets = await _exercise(admin, browser)
            echoed = (await admin.get("/healthz", headers={"X-Request-ID": "live-1"})).headers
    stderr, stdout = server.stderr(), server.stdout()

    # The configured admin token included: only a token generated for --demo is printed.
    _assert_hidden(secrets, stderr + stdout)
    lines = [line for line in (stderr + stdout).splitlines() if line]
    entries: list[dict[str, Any]] = [json.loads(x) for x in lines]  # every line is JSON
    assert any(e["message"].startswith("Migrating the database") for e in entries)
    access = [e for e in entries if e["logger"] == "swarmboard.access"]
    assert echoed["x-request-id"] == "live-1"
    assert any(e["request_id"] == "live-1" and e["path"] == "/healthz" for e in access)
    assert all(e["request_id"] for e in access)
    assert {"/c/{token}", "/c/…", "/api/webhooks"} <= {e["path"] for e in access}
    # Uvicorn's own access log (raw paths with query strings) is off.
    assert not [e for e in entries if e["logger"] == "uvicorn.access"]
    assert any(e["logger"].startswith("uvicorn") for e in entries)
