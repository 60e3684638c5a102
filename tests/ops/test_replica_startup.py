"""Replicas started at the same moment on a fresh PostgreSQL database all come up.

Kubernetes and compose start replicas together. Every start-up write (the migration,
``SWARMBOARD_ADMIN_TOKEN``'s admin and token, the demo) must be safe when N replicas run
it at once: a check-then-insert that races ends in a unique violation and a replica that
exits ("Application startup failed"), and a crash loop on a first deployment.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from tests.conftest import ADMIN_TOKEN, empty_database, free_port, server_env
from tests.ops.helpers import ROOT, SERVE

REPLICAS = 3
TRIES = 20


def _start_together(database_url: str, args: tuple[str, ...]) -> list[str]:
    """Start REPLICAS servers at once; what went wrong with each (empty: it answered)."""
    ports = [free_port() for _ in range(REPLICAS)]
    env = server_env(database_url, "http://127.0.0.1:8000", SWARMBOARD_WEBHOOK_RELAY="off")
    procs = [
        subprocess.Popen(
            [*SERVE, "--port", str(port), *args, "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    problems = [""] * REPLICAS
    try:
        pending = set(range(REPLICAS))
        deadline = time.monotonic() + 90
        while pending and time.monotonic() < deadline:
            for i in sorted(pending):
                if procs[i].poll() is not None:
                    problems[i] = f"exited {procs[i].returncode}"
                    pending.discard(i)
                    continue
                try:
                    url = f"http://127.0.0.1:{ports[i]}/readyz"
                    if httpx.get(url, timeout=1).status_code == 200:
                        pending.discard(i)
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        for i in pending:
            problems[i] = "never answered"
    finally:
        for p in procs:
            p.terminate()
        for i, p in enumerate(procs):
            try:
                _, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            if problems[i]:
                problems[i] += ": " + err.decode(errors="replace")[-1500:]
    return [p for p in problems if p]


async def _count(database_url: str, sql: str) -> int:
    url = make_url(database_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=10)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


@pytest.fixture
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL only: SQLite deployments run a single process")


@pytest.mark.usefixtures("postgres_only")
def test_three_replicas_with_an_admin_token_start_together_twenty_times(
    database_url: str, tmp_path: Path
) -> None:
    failures: list[str] = []
    for attempt in range(TRIES):
        with empty_database(database_url, tmp_path, f"replicas{attempt}") as url:
            failures += [f"try {attempt + 1}: {p}" for p in _start_together(url, ())]
            tokens = asyncio.run(_count(url, "SELECT count(*) FROM api_tokens"))
            admins = asyncio.run(_count(url, "SELECT count(*) FROM users"))
            # One admin with the one configured token, however many replicas wrote it.
            assert (tokens, admins) == (1, 1), (attempt, tokens, admins)
    assert not failures, "\n".join(failures)
    assert ADMIN_TOKEN  # the replicas ran with SWARMBOARD_ADMIN_TOKEN set


@pytest.mark.usefixtures("postgres_only")
def test_three_replicas_seeding_the_demo_together_make_one_demo(
    database_url: str, tmp_path: Path
) -> None:
    with empty_database(database_url, tmp_path, "replicasdemo") as url:
        failures = _start_together(url, ("--demo",))
        boards = asyncio.run(_count(url, "SELECT count(*) FROM boards"))
    assert not failures, "\n".join(failures)
    assert boards == 1
