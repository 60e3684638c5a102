"""Alembic environment: runs against the URL the app is configured with."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import app.agents.models
import app.alerts.models
import app.auth.models
import app.board.models
import app.comments.models
import app.confirm.models
import app.events.models
import app.insights.models
import app.swarm.models
import app.tickets.models
import app.webhooks.models  # noqa: F401  (register the tables on the metadata)
from app.core.db import sync_url
from app.core.models import metadata

# An arbitrary, fixed advisory-lock key for "a migration is running".
_LOCK_KEY = 7_242_501_006

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from app.core.config import get_settings

        url = get_settings().database_url
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together would otherwise apply the same migration twice:
            # the first holds this lock until its upgrade commits, the others then find
            # the database at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=sync_url(_url()), target_metadata=target_metadata, literal_binds=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
    await engine.dispose()


def run_online() -> None:
    url = _url()
    if url.startswith("sqlite"):
        engine = create_engine(sync_url(url), poolclass=pool.NullPool)
        with engine.connect() as conn:
            _configure(conn)
        engine.dispose()
    else:
        asyncio.run(_run_async(url))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
