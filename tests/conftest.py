"""Test fixtures: a real, migrated database (SQLite or PostgreSQL) and the real app.

``SWARMBOARD_TEST_DATABASE_URL`` picks the database. Unset, the suite runs on a fresh
SQLite file. Set to a PostgreSQL URL, the suite creates a fresh database next to it,
runs everything there and drops it afterwards; if that server is unreachable the run
errors out, it never skips.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from app.main import create_app

# Seconds before each webhook attempt in tests: the production shape, much faster.
TEST_RETRY_SCHEDULE = "0,0.2,0.4,0.6,0.8,1,1,1"
ADMIN_TOKEN = "sb_test_admin_token_0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent


def _pg_admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the whole run at once, with one clear line, if PostgreSQL is configured but
    unreachable (never skip)."""
    configured = os.environ.get("SWARMBOARD_TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        return

    async def probe() -> None:
        conn = await asyncpg.connect(_pg_admin_dsn(configured), timeout=10)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.exit(
            f"SWARMBOARD_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}",
            returncode=3,
        )


@contextmanager
def empty_database(like_url: str, directory: Path, prefix: str) -> Iterator[str]:
    """A new, empty database of ``like_url``'s kind: a SQLite file in ``directory``, or a
    PostgreSQL database ``<prefix>_<random>`` on the same server, dropped afterwards."""
    if not like_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{directory / f'{prefix}.db'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_dsn = _pg_admin_dsn(like_url)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # No try/except: an unreachable PostgreSQL must fail the run, not skip it.
    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(like_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("SWARMBOARD_TEST_DATABASE_URL") or "sqlite"
    with empty_database(configured, tmp_path_factory.mktemp("db"), "sb_test") as url:
        yield url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    upgrade_to_head(database_url)
    return database_url


@pytest.fixture(scope="session")
def settings(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        # Evidence uploads land in a directory of this run's own.
        data_dir=str(tmp_path_factory.mktemp("data")),
        environment="test",
        database_url=migrated_url,
        admin_token=ADMIN_TOKEN,
        secret_key="test-secret-key-not-a-placeholder",
        # Tests drive the alert scan with their own clock (app.state.alerts.run_once).
        scheduler="off",
        # Webhook receivers in tests listen on loopback, and retry within seconds.
        webhook_allow_private=True,
        webhook_retry_schedule=TEST_RETRY_SCHEDULE,
        webhook_lease_seconds=2,
        webhook_timeout_seconds=1.5,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An admin API client talking to the app in-process over ASGI."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as c:
        yield c


@pytest.fixture
async def as_user(app: Any) -> AsyncIterator[Callable[[str | None], httpx.AsyncClient]]:
    """Open extra in-process clients authenticated with a given token."""
    opened: list[httpx.AsyncClient] = []

    def make(token: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        )
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, public_url: str, **extra_env: str) -> dict[str, str]:
    """The environment of a real server process in tests: this process's, then the
    test settings (the same as the in-process app's), then ``extra_env``."""
    return {
        **os.environ,
        "SWARMBOARD_DATABASE_URL": database_url,
        "SWARMBOARD_ADMIN_TOKEN": ADMIN_TOKEN,
        "SWARMBOARD_ENVIRONMENT": "test",
        "SWARMBOARD_SECRET_KEY": "test-secret-key-not-a-placeholder",
        # Tests that want the alert scan on turn it on (and set its interval).
        "SWARMBOARD_SCHEDULER": "off",
        "SWARMBOARD_WEBHOOK_ALLOW_PRIVATE": "true",
        "SWARMBOARD_WEBHOOK_RETRY_SCHEDULE": TEST_RETRY_SCHEDULE,
        "SWARMBOARD_WEBHOOK_LEASE_SECONDS": "2",
        "SWARMBOARD_WEBHOOK_TIMEOUT_SECONDS": "1.5",
        "SWARMBOARD_DATA_DIR": tempfile.mkdtemp(prefix="sb-data-"),
        "SWARMBOARD_PUBLIC_URL": public_url,
        **extra_env,
    }


class LiveServer:
    """A real ``uvicorn`` process serving the app on a loopback port.

    Its websocket protocol is ``swarmboard serve``'s (``ws``), unless a test asks for
    one of uvicorn's own (``ws="auto"``: no pre-encoded frames, every event over ASGI).
    """

    def __init__(
        self, database_url: str, *, ws: str = "app.realtime.wire:FrameProtocol", **extra_env: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Confirmation links point at this server, so a browser can follow them.
        env = server_env(database_url, self.url, **extra_env)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--ws",
                ws,
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not become ready within 30 s")

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def live_servers(settings: Settings, app: Any) -> Iterator[list[LiveServer]]:
    """Two uvicorn replicas on the same database as the in-process app.

    Their webhook relays are off: they live for the whole session, and would otherwise
    take deliveries that webhook tests mean their own relays to send."""
    servers = [LiveServer(settings.database_url, SWARMBOARD_WEBHOOK_RELAY="off") for _ in range(2)]
    yield servers
    for s in servers:
        s.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``broker_kind``: the cross-replica brokers this database can run.

    Redis works with either database; LISTEN/NOTIFY needs PostgreSQL. Parametrising
    (rather than skipping) keeps every collected test a real run.
    """
    if "broker_kind" in metafunc.fixturenames:
        url = os.environ.get("SWARMBOARD_TEST_DATABASE_URL", "")
        kinds = ["postgres", "redis"] if url.startswith("postgresql") else ["redis"]
        metafunc.parametrize("broker_kind", kinds, scope="module")
