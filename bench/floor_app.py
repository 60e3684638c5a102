"""The floor: a card move with no framework, no ORM and no validation layer.

A bare ASGI callable (served by uvicorn exactly like the real app) whose
``POST /move/{card_id}`` parses the JSON body and runs the same SQL as the real move
through the raw driver, on the same migrated schema:

1. the card joined to its column's stage and the caller's board membership
   (PostgreSQL: ``FOR UPDATE OF`` the card),
2. the target column (PostgreSQL: ``FOR UPDATE``),
3. ``count(*), max(position)`` of the target column (the WIP count),
4. ``UPDATE cards`` (column, position, version + 1, timestamps),
5. ``UPDATE boards SET last_seq = last_seq + 1 RETURNING last_seq``,
6. ``INSERT INTO board_events``.

SQLite: one ``sqlite3`` connection (WAL, ``synchronous=NORMAL``) on one writer thread,
the whole ``BEGIN IMMEDIATE`` ... ``COMMIT`` in one thread hop. PostgreSQL: an asyncpg
pool, one transaction per move, no per-release reset query. The bearer token is
resolved once at startup (the real app caches it too). Whatever this costs is what the
database and the HTTP server cost; the real app's time above it is ours.

Configured by ``BENCH_FLOOR_DB`` (a SQLite file path or a ``postgresql://`` DSN) and
``BENCH_FLOOR_TOKEN`` (the admin API token).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import asyncpg
from ulid import ULID

Scope = dict[str, Any]

_CARD_SQL = (
    "SELECT c.*, col.stage AS column_stage, m.id AS member_id, m.role AS member_role "
    "FROM cards c JOIN board_columns col ON col.id = c.column_id "
    "LEFT JOIN board_members m ON m.board_id = c.board_id AND m.user_id = {user} "
    "WHERE c.id = {card}"
)
_FILL_SQL = "SELECT count(*), max(position) FROM cards WHERE column_id = {col} AND id != {card}"
_UPDATE_SQL = (
    "UPDATE cards SET column_id = {p}, lane_id = {p}, position = {p}, version = {p}, "
    "updated_at = {p}, column_entered_at = {p} WHERE id = {p}"
)
_SEQ_SQL = "UPDATE boards SET last_seq = last_seq + 1 WHERE id = {board} RETURNING last_seq"
_EVENT_SQL = (
    "INSERT INTO board_events (id, board_id, seq, type, at, actor_id, actor_kind, data) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
_EXTRA = ("column_stage", "member_id", "member_role")


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _plan(card: dict[str, Any], target: dict[str, Any] | None, count: int, top: Any) -> float:
    """The same admission and placement rules as the real move (no lanes, no people)."""
    if target is None or target["board_id"] != card["board_id"]:
        raise Refused(422, "column not on this board")
    limit = target["wip_limit"]
    if card["column_id"] != target["id"] and limit is not None and count >= limit:
        raise Refused(409, "WIP limit reached")
    if card["column_id"] == target["id"]:
        return float(card["position"])
    return (float(top) if top is not None else 0.0) + 1.0


def _event_data(card: dict[str, Any], target: dict[str, Any], position: float) -> dict[str, Any]:
    return {
        "card_id": card["id"],
        "from_column_id": card["column_id"],
        "to_column_id": target["id"],
        "from_lane_id": card["lane_id"],
        "to_lane_id": card["lane_id"],
        "position": position,
        "from_stage": card["column_stage"],
        "to_stage": target["stage"],
    }


class SqliteFloor:
    def __init__(self, path: str, token_hash: str) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="floor-writer")
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("PRAGMA busy_timeout=10000")
        sql = "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL"
        self.user_id = int(self.conn.execute(sql, (token_hash,)).fetchone()[0])

    async def move(self, card_id: int, column_id: int) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._move_tx, card_id, column_id)

    def _move_tx(self, card_id: int, column_id: int) -> dict[str, Any]:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            row = c.execute(_CARD_SQL.format(user="?", card="?"), (self.user_id, card_id))
            found = row.fetchone()
            if found is None:
                raise Refused(404, "no such card")
            card = dict(found)
            target_row = c.execute("SELECT * FROM board_columns WHERE id = ?", (column_id,))
            target = target_row.fetchone()
            target = dict(target) if target is not None else None
            fill = c.execute(_FILL_SQL.format(col="?", card="?"), (column_id, card_id))
            count, top = fill.fetchone()
            position = _plan(card, target, count, top)
            assert target is not None
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
            values = (column_id, card["lane_id"], position, card["version"] + 1, now, now, card_id)
            c.execute(_UPDATE_SQL.format(p="?"), values)
            seq = c.execute(_SEQ_SQL.format(board="?"), (card["board_id"],)).fetchone()[0]
            data = json.dumps(_event_data(card, target, position))
            event = (f"evt_{ULID()}", card["board_id"], seq, "card.moved", now)
            c.execute(_EVENT_SQL.format(p="?"), (*event, self.user_id, "user", data))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        for key in _EXTRA:
            card.pop(key)
        card.update(column_id=column_id, position=position, version=card["version"] + 1)
        card.update(updated_at=now, column_entered_at=now)
        return card

    async def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.conn.close()


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release ``RESET ALL`` round trip (nothing here needs it)."""


async def _init_conn(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class PgFloor:
    def __init__(self, pool: asyncpg.Pool, user_id: int) -> None:
        self.pool, self.user_id = pool, user_id

    @classmethod
    async def open(cls, dsn: str, token_hash: str) -> PgFloor:
        pool = await asyncpg.create_pool(
            dsn, min_size=10, max_size=20, init=_init_conn, reset=_no_reset
        )
        sql = "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        return cls(pool, int(await pool.fetchval(sql, token_hash)))

    async def move(self, card_id: int, column_id: int) -> dict[str, Any]:
        async with self.pool.acquire() as c, c.transaction():
            sql = _CARD_SQL.format(user="$1", card="$2") + " FOR UPDATE OF c"
            found = await c.fetchrow(sql, self.user_id, card_id)
            if found is None:
                raise Refused(404, "no such card")
            card = dict(found)
            sql = "SELECT * FROM board_columns WHERE id = $1 FOR UPDATE"
            target = await c.fetchrow(sql, column_id)
            target = dict(target) if target is not None else None
            count, top = await c.fetchrow(_FILL_SQL.format(col="$1", card="$2"), column_id, card_id)
            position = _plan(card, target, count, top)
            assert target is not None
            now = datetime.now(UTC)
            values = (column_id, card["lane_id"], position, card["version"] + 1, now, now, card_id)
            await c.execute(_UPDATE_SQL.format(p="${}").format(*range(1, 8)), *values)
            seq = await c.fetchval(_SEQ_SQL.format(board="$1"), card["board_id"])
            event = (f"evt_{ULID()}", card["board_id"], seq, "card.moved", now, self.user_id)
            sql = _EVENT_SQL.format(p="${}").format(*range(1, 9))
            await c.execute(sql, *event, "user", _event_data(card, target, position))
        for key in _EXTRA:
            card.pop(key)
        card.update(column_id=column_id, position=position, version=card["version"] + 1)
        card.update(updated_at=now, column_entered_at=now)
        return card

    async def close(self) -> None:
        await self.pool.close()


_state: dict[str, Any] = {}


async def _startup() -> None:
    dsn, token = os.environ["BENCH_FLOOR_DB"], os.environ["BENCH_FLOOR_TOKEN"]
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    _state["auth"] = f"Bearer {token}".encode()
    if dsn.startswith("postgresql://"):
        _state["db"] = await PgFloor.open(dsn, token_hash)
    else:
        _state["db"] = SqliteFloor(dsn, token_hash)


async def _respond(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, default=str).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await _startup()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _state["db"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Any, send: Any) -> None:
    """The whole application."""
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    path, method = scope["path"], scope["method"]
    if method == "GET" and path == "/readyz":
        return await _respond(send, 200, {"status": "ready"})
    if method != "POST" or not path.startswith("/move/"):
        return await _respond(send, 404, {"detail": "not found"})
    if dict(scope["headers"]).get(b"authorization") != _state["auth"]:
        return await _respond(send, 401, {"detail": "bad token"})
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        column_id = int(json.loads(body)["column_id"])
        card = await _state["db"].move(int(path.removeprefix("/move/")), column_id)
    except Refused as exc:
        return await _respond(send, exc.status, {"detail": str(exc)})
    except (ValueError, KeyError, TypeError) as exc:
        return await _respond(send, 422, {"detail": repr(exc)})
    await _respond(send, 200, card)
