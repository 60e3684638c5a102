"""Database access: one runner for SQLite and PostgreSQL.

Services are plain functions ``fn(session, **kwargs)`` over a SQLAlchemy ``Session``;
they flush and never commit. :class:`Database` owns the transaction around them:

* **SQLite** (the embedded default): every write transaction runs whole on one
  dedicated writer thread with one connection, opened with ``BEGIN IMMEDIATE``.
  In-process writers queue on that thread instead of fighting over SQLite's lock
  (no "database is locked"), and a transaction costs one thread hop rather than
  several per statement as with aiosqlite. Reads run on a small reader pool (WAL).
* **PostgreSQL**: the same functions run on a session of the asyncpg engine, the whole
  transaction inside one greenlet, so no thread is involved; row locks (``FOR UPDATE``)
  serialise conflicting writers and deadlocks or serialisation failures are retried.

Events appended by services are collected on ``session.info`` and handed to the
``after_commit`` hooks only once the transaction has committed.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import greenlet_spawn

from app.core.config import Settings

__all__ = ["Database", "serialize_startup", "settings_of", "sync_url"]

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")
ServiceFn = Callable[Concatenate[Session, P], T]
AfterCommit = Callable[[list[dict[str, Any]]], Awaitable[None]]

# PostgreSQL SQLSTATEs worth retrying: deadlock_detected, serialization_failure.
_RETRY_SQLSTATES = {"40P01", "40001"}


# A fixed key for pg_advisory_xact_lock: "swarmboard start-up writes".
_STARTUP_LOCK = 0x5342_5355


def serialize_startup(session: Session) -> None:
    """Hold the start-up lock until this transaction ends (PostgreSQL).

    Replicas start together (Kubernetes, compose) and each runs the same start-up writes:
    the configured admin token, the demo. Each checks, then inserts; two at once both
    found nothing and one died on the unique index. Under this lock they take turns, and
    each later one's checks (new statements, READ COMMITTED) see what the earlier ones
    committed. SQLite deployments run one process, whose writer is serial already.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _STARTUP_LOCK})


def settings_of(session: Session) -> Settings:
    """The settings of the :class:`Database` that opened ``session``.

    Injected, never read from the environment here: a session that no ``Database``
    opened has no settings, and asking for them is a programming error.
    """
    settings = session.info.get("settings")
    if not isinstance(settings, Settings):
        raise RuntimeError(
            "this session carries no settings: open it through Database.read/write, "
            'or put them in session.info["settings"]'
        )
    return settings


def sync_url(url: str) -> str:
    """The synchronous driver URL for ``url`` (used for SQLite and by Alembic)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return url


def _sqlite_engine(url: str, *, pool_size: int, busy_ms: int, immediate: bool) -> Engine:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("SQLite needs a file database; :memory: is not shared between threads")
    engine = create_engine(
        sync_url(url),
        connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
        pool_size=pool_size,
        max_overflow=0,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.close()

    begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


class Database:
    """Engines plus the transaction runner; created in the app lifespan."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.database_url
        self.is_sqlite = settings.is_sqlite
        self.after_commit: list[AfterCommit] = []
        # Run inside every write transaction, after the service function, with the
        # events it appended in session.info["events"] (the webhook outbox uses this:
        # deliveries are written in the same transaction as their event).
        self.before_commit: list[Callable[[Session], None]] = []
        # When set (PostgreSQL broker), each write transaction NOTIFYs this channel with
        # {board_id, seq} before committing: delivered on commit, never on rollback.
        self.pg_notify_channel: str | None = None
        self._sqlite_busy_ms = settings.sqlite_busy_timeout_ms
        self._pool_size = settings.db_pool_size
        self._writer_engine: Engine | None = None
        self._reader_engine: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        if self.is_sqlite:
            self._writer_engine = _sqlite_engine(
                self.url, pool_size=1, busy_ms=self._sqlite_busy_ms, immediate=True
            )
            self._reader_engine = _sqlite_engine(
                self.url, pool_size=4, busy_ms=self._sqlite_busy_ms, immediate=False
            )
            self._write_sessions = sessionmaker(
                self._writer_engine, expire_on_commit=False, info=self._info()
            )
            self._read_sessions = sessionmaker(
                self._reader_engine, expire_on_commit=False, info=self._info()
            )
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="sb-sqlite-writer")
            self._readers = ThreadPoolExecutor(4, thread_name_prefix="sb-sqlite-reader")
        else:
            self._async_engine = create_async_engine(
                self.url,
                pool_size=self._pool_size,
                max_overflow=self._pool_size,
                # No pre-ping: it costs a BEGIN/ROLLBACK round trip per checkout. A
                # connection found dead is invalidated and the transaction retried.
                pool_recycle=1800,
            )
            # Plain sessions on the async engine's sync facade, run whole inside one
            # greenlet (see _pg_tx): an AsyncSession would enter a greenlet for each of
            # begin, run_sync, commit and close.
            sync_engine = self._async_engine.sync_engine
            self._pg_sessions = sessionmaker(sync_engine, expire_on_commit=False, info=self._info())
            # Same pool; a connection checked out through these runs each statement in
            # its own implicit transaction, so a lookup sends no BEGIN and no ROLLBACK.
            self._lookup_sessions = sessionmaker(
                sync_engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                info=self._info(),
            )

    def _info(self) -> dict[str, Any]:
        # Services that need configuration (signing keys, public URL) read it here.
        return {"settings": self.settings}

    async def dispose(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
        if self._readers is not None:
            self._readers.shutdown(wait=True)
        for engine in (self._writer_engine, self._reader_engine):
            if engine is not None:
                engine.dispose()
        if self._async_engine is not None:
            await self._async_engine.dispose()

    @property
    def async_engine(self) -> AsyncEngine:
        if self._async_engine is None:
            raise RuntimeError("no async engine: the database is SQLite")
        return self._async_engine

    # -- running service functions ----------------------------------------------
    async def write(self, fn: ServiceFn[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in one write transaction; commit, then run the after-commit hooks."""
        if self.is_sqlite:
            assert self._writer is not None
            call = functools.partial(self._sqlite_tx, self._write_sessions, fn, args, kwargs)
            # Shielded: once queued, the transaction finishes and its events are
            # announced even if the client that asked for it goes away.
            future = asyncio.get_running_loop().run_in_executor(self._writer, call)
            result, events = await asyncio.shield(future)
        else:
            result, events = await self._pg_tx_with_retry(fn, args, kwargs)
        if events:
            for hook in self.after_commit:
                try:
                    await hook(events)
                except Exception:  # a broken listener must not fail a committed change
                    log.exception("after-commit hook failed")
        return result

    async def read(self, fn: ServiceFn[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in a read-only transaction that is rolled back afterwards."""
        if self.is_sqlite:
            assert self._readers is not None
            call = functools.partial(self._sqlite_read, fn, args, kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._readers, call)
        result, _ = await self._pg_tx_with_retry(fn, args, kwargs, commit=False)
        return result

    async def lookup(self, fn: ServiceFn[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn``, a read of ONE statement, outside any transaction.

        On PostgreSQL that is one round trip instead of three (BEGIN, the statement,
        ROLLBACK): the API token behind every request is resolved this way. A single
        statement sees one snapshot either way; ``fn`` must not write or run a second
        statement that expects the first one's snapshot. SQLite runs it as :meth:`read`.
        """
        if self.is_sqlite:
            return await self.read(fn, *args, **kwargs)
        return await self._retrying(lambda: greenlet_spawn(self._pg_lookup, fn, args, kwargs))

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        await self.read(lambda s: s.execute(text("SELECT 1")).scalar_one())

    # -- internals -----------------------------------------------------------------
    def _sqlite_tx(
        self, factory: sessionmaker[Session], fn: Callable[..., T], args: Any, kwargs: Any
    ) -> tuple[T, list[dict[str, Any]]]:
        with factory() as session, session.begin():
            session.info["events"] = []
            result = fn(session, *args, **kwargs)
            session.flush()
            self._before_commit(session)
            events: list[dict[str, Any]] = session.info["events"]
        return result, events

    def _sqlite_read(self, fn: Callable[..., T], args: Any, kwargs: Any) -> T:
        with self._read_sessions() as session, session.begin():
            return fn(session, *args, **kwargs)

    async def _pg_tx_with_retry(
        self, fn: Callable[..., T], args: Any, kwargs: Any, *, commit: bool = True
    ) -> tuple[T, list[dict[str, Any]]]:
        return await self._retrying(lambda: self._pg_tx(fn, args, kwargs, commit=commit))

    @staticmethod
    async def _retrying(run: Callable[[], Awaitable[T]]) -> T:
        """``run()``, again after a deadlock, a serialisation failure or a dead
        connection (it is invalidated, and the pool opens a fresh one)."""
        for attempt in range(5):
            try:
                return await run()
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
                retryable = code in _RETRY_SQLSTATES or exc.connection_invalidated
                if not retryable or attempt == 4:
                    raise
                await asyncio.sleep(0.005 * 2**attempt)
        raise AssertionError("unreachable")

    def _before_commit(self, session: Session) -> None:
        if session.info.get("events"):
            for hook in self.before_commit:
                hook(session)

    @staticmethod
    def _notify(session: Session, channel: str) -> None:
        latest: dict[int, int] = {}
        for envelope in session.info.get("events", []):
            board = envelope["board_id"]
            latest[board] = max(latest.get(board, 0), envelope["seq"])
        for board_id, seq in latest.items():
            payload = json.dumps({"board_id": board_id, "seq": seq})
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": channel, "payload": payload},
            )

    async def _pg_tx(
        self, fn: Callable[..., T], args: Any, kwargs: Any, *, commit: bool
    ) -> tuple[T, list[dict[str, Any]]]:
        # One greenlet for the whole transaction: each driver call inside it awaits the
        # event loop as usual, without an AsyncSession hop per step.
        return await greenlet_spawn(self._pg_tx_sync, fn, args, kwargs, commit)

    def _pg_tx_sync(
        self, fn: Callable[..., T], args: Any, kwargs: Any, commit: bool
    ) -> tuple[T, list[dict[str, Any]]]:
        with self._pg_sessions() as session:
            if not commit:  # a read: the session closes with a rollback
                return fn(session, *args, **kwargs), []
            with session.begin():
                session.info["events"] = []
                result = fn(session, *args, **kwargs)
                session.flush()
                self._before_commit(session)
                if self.pg_notify_channel:
                    self._notify(session, self.pg_notify_channel)
                events: list[dict[str, Any]] = session.info["events"]
        return result, events

    def _pg_lookup(self, fn: Callable[..., T], args: Any, kwargs: Any) -> T:
        with self._lookup_sessions() as session:
            return fn(session, *args, **kwargs)
