"""X-Forwarded-For is believed only from the proxies named in
SWARMBOARD_FORWARDED_ALLOW_IPS, on a real ``swarmboard serve`` process: a forged header
cannot spread failed sign-ins over many per-address throttle buckets."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from tests.conftest import ROOT, empty_database, server_env
from tests.ops.helpers import SERVE, serve_process
from tests.web.helpers import form_csrf

PER_ADDRESS = 3  # SWARMBOARD_LOGIN_MAX_FAILURES_PER_IP in these servers


def failed_sign_in(web: httpx.Client, forwarded_for: str) -> int:
    """One wrong password for a new email (so only the per-address count grows), sent
    with ``X-Forwarded-For``; the status the form answered."""
    headers = {"X-Forwarded-For": forwarded_for}
    csrf = form_csrf(web.get("/login", headers=headers).text)
    data = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "wrong-password"}
    return web.post("/login", data={**data, "csrf_token": csrf}, headers=headers).status_code


def test_a_forged_forwarded_for_from_loopback_does_not_escape_the_throttle(
    database_url, tmp_path: Path
):
    with (
        empty_database(database_url, tmp_path, "sb_fwd_none") as url,
        serve_process(
            url, tmp_path, SWARMBOARD_LOGIN_MAX_FAILURES_PER_IP=str(PER_ADDRESS)
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as web,
    ):
        statuses = [failed_sign_in(web, f"203.0.113.{n}") for n in range(1, PER_ADDRESS + 2)]
    # Every attempt counted against the connection's own address, 127.0.0.1.
    assert statuses == [401] * PER_ADDRESS + [429]


def test_a_named_proxys_forwarded_addresses_are_counted_separately(database_url, tmp_path: Path):
    with (
        empty_database(database_url, tmp_path, "sb_fwd_named") as url,
        serve_process(
            url,
            tmp_path,
            SWARMBOARD_LOGIN_MAX_FAILURES_PER_IP=str(PER_ADDRESS),
            SWARMBOARD_FORWARDED_ALLOW_IPS="127.0.0.1",
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as web,
    ):
        first = [failed_sign_in(web, "203.0.113.7") for _ in range(PER_ADDRESS + 1)]
        other = failed_sign_in(web, "198.51.100.9")
        # A client cannot pick its bucket by prepending addresses: the proxy's own
        # entry (the last one) is what counts.
        prepended = failed_sign_in(web, "192.0.2.1, 203.0.113.7")
    assert first == [401] * PER_ADDRESS + [429]
    assert other == 401
    assert prepended == 429


@pytest.mark.parametrize(
    ("value", "proxies"),
    [
        ("", []),
        ("127.0.0.1", ["127.0.0.1"]),
        (" 10.0.0.0/8, fd00::/8 ,", ["10.0.0.0/8", "fd00::/8"]),
        ("*", ["*"]),
    ],
)
def test_the_setting_reads_addresses_and_networks(monkeypatch, value, proxies):
    monkeypatch.setenv("SWARMBOARD_FORWARDED_ALLOW_IPS", value)
    assert Settings().trusted_proxies == proxies


def test_serve_refuses_a_setting_that_is_not_an_address(tmp_path: Path):
    env = server_env(
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "http://127.0.0.1:8000",
        SWARMBOARD_FORWARDED_ALLOW_IPS="10.0.0.1,proxy.lan",
    )
    result = subprocess.run(
        [*SERVE, "--port", "9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()  # JSON, like every line of a JSON-mode server
    assert "'proxy.lan' is not an IP address or network" in json.loads(line)["message"]
