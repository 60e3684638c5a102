"""Fixtures for the webhook tests: loopback receivers, endpoints that do not outlive
their test, and a quiet database for tests that must know exactly which relays run.

On the session database, relays other than the in-process app's may be running: the
browser tests' uvicorn lives for the whole session, and its relay sends (as it should).
Tests that count on their own relays alone (a SIGKILLed server, two replicas, a relay
with other settings) run on ``quiet``: a second database, made and migrated the same
way on the same server, where no relay runs unless the test starts one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from app.main import create_app
from app.webhooks.repository import endpoints
from tests.conftest import ADMIN_TOKEN, LiveServer, _pg_admin_dsn
from tests.webhooks.helpers import Quiet
from tests.webhooks.receiver import Receiver, Response, ok


def _high_water(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(endpoints.c.id), 0))).scalar_one())


def _forget(session: Session, before: int) -> None:
    # Deliveries and attempts go with their endpoint (ON DELETE CASCADE).
    session.execute(delete(endpoints).where(endpoints.c.id > before))


@pytest.fixture(autouse=True)
async def _own_endpoints_only(app: Any) -> AsyncIterator[None]:
    """The session app's relay keeps running between tests, so an endpoint left behind
    would keep receiving (and retrying) later tests' events: remove each test's."""
    before = await app.state.db.write(_high_water)
    yield
    await app.state.db.write(_forget, before)


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Awaitable[Receiver]]]:
    """Start loopback receivers (``respond`` answers each request); stopped at the end."""
    started: list[Receiver] = []

    async def start(respond: Callable[[Any], Response] = ok) -> Receiver:
        receiver = await Receiver(respond=respond).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


@pytest.fixture
async def receiver(receivers: Callable[..., Awaitable[Receiver]]) -> Receiver:
    """One receiver answering 200."""
    return await receivers()


# -- the quiet database ----------------------------------------------------------------


async def _pg(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def quiet_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second migrated database on the same server (or a second SQLite file)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('quiet') / 'webhooks.db'}"
        upgrade_to_head(url)
        yield url
        return
    name = f"sb_hooks_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_dsn(database_url)
    asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        upgrade_to_head(url)
        yield url
    finally:
        asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def quiet_settings(settings: Settings, quiet_url: str) -> Settings:
    """The test settings on the quiet database; the in-process app there sends nothing."""
    return settings.model_copy(update={"database_url": quiet_url, "webhook_relay": "off"})


@pytest.fixture(scope="session")
async def quiet_app(quiet_settings: Settings) -> AsyncIterator[Any]:
    application = create_app(quiet_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def quiet(quiet_app: Any, quiet_settings: Settings) -> AsyncIterator[Quiet]:
    """An admin client of the in-process app on the quiet database (no relay there
    unless the test starts one); every endpoint is removed afterwards."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=quiet_app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as c:
        yield Quiet(app=quiet_app, client=c, settings=quiet_settings)
    await quiet_app.state.db.write(_forget, 0)


@pytest.fixture
async def live(quiet: Quiet) -> AsyncIterator[Callable[..., Awaitable[LiveServer]]]:
    """Start real uvicorn processes (relays on) on the quiet database; stopped at the
    end (a test may SIGKILL one first through ``server.proc``)."""
    started: list[LiveServer] = []

    async def start(**env: str) -> LiveServer:
        server = await asyncio.to_thread(LiveServer, quiet.url, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            await asyncio.to_thread(server.stop)
