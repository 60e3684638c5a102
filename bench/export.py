"""Export and metrics benchmark: a year of a busy support board, served by real uvicorn.

Generates one board with 100,000 cards (``--cards``) and about ten events per card
(~1,000,000 ``board_events`` with matching ``card_stays``) over the past year: six
columns, three lanes, five channels, six products, agent and customer interactions,
blocked spells, swarms, confirmation requests and answers, and reopens. Rows are
written straight into a freshly migrated database in big batches (``executemany`` on
SQLite, asyncpg ``copy_records_to_table`` on PostgreSQL); the database is dropped
afterwards.

Then a real uvicorn process serves the app and this measures, for a year's range:

* ``GET …/export/actionable-agile.csv`` and ``…/export/cards.ndjson`` (and, for
  information, ``…/export/events.csv``) end to end: seconds, bytes, rows, and the
  server's peak RSS during each (``VmRSS`` sampled every 10 ms, and ``VmHWM``);
  targets: < 15 s and < 250 MB each;
* ``GET …/metrics/flow`` and ``…/metrics/support`` (best of three, target < 2 s), or
  "not available" while those endpoints do not answer 200.

Run: ``.venv/bin/python bench/export.py [--db sqlite|postgres|both] [--cards 100000]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.migrate import upgrade_to_head  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402

TOKEN = "sb_bench_admin_token_0123456789abcdef"
DAY, HOUR = 86_400.0, 3_600.0
BATCH = 50_000
# (name, stage, waits on the customer)
COLUMNS = [
    ("Triage", "backlog", False),
    ("Investigating", "active", False),
    ("Waiting on customer", "active", True),
    ("Engineering", "active", False),
    ("Verify fix", "active", False),
    ("Resolved", "done", False),
]
TRIAGE, INVESTIGATING, WAITING, ENGINEERING, VERIFY, RESOLVED = range(1, 7)  # column ids
LANES = ["Expedite", "Standard", "Fixed date"]
CHANNELS = ["email", "chat", "call", "web", "bot"]
PRODUCTS = ["Billing", "Mobile app", "Web app", "API", "Integrations", "Reports"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
AGENTS = 40
CUSTOMERS = 20_000


# -- generation --------------------------------------------------------------------------
@dataclass
class Tables:
    """Rows per table, flushed to the database in batches."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(table, []).append(row)


COLS: dict[str, tuple[str, ...]] = {
    "boards": (
        "id",
        "name",
        "last_seq",
        "created_at",
        "blocked_alert_seconds",
        "swarm_answer_seconds",
        "currency",
    ),
    "board_columns": (
        "id",
        "board_id",
        "name",
        "position",
        "stage",
        "wip_limit",
        "wip_policy",
        "waits_on_customer",
        "requires_insight",
        "reopen_target",
    ),
    "lanes": ("id", "board_id", "name", "position"),
    "users": ("id", "name", "email", "role", "team", "skills", "availability", "created_at"),
    "customers": ("id", "ref", "name", "email", "created_at", "updated_at"),
    "cards": (
        "id",
        "board_id",
        "column_id",
        "lane_id",
        "position",
        "title",
        "description",
        "priority",
        "channel",
        "product",
        "segment",
        "owner_id",
        "assignee_ids",
        "blocked",
        "blocked_since",
        "blocked_seconds",
        "waiting_seconds",
        "first_response_at",
        "external_ref",
        "customer_id",
        "agent_replies",
        "handle_seconds",
        "bot_handled",
        "bot_resolved_at",
        "handed_off_at",
        "reopen_count",
        "version",
        "created_at",
        "updated_at",
        "column_entered_at",
    ),
    "card_stays": ("id", "card_id", "column_id", "entered_at", "left_at"),
    "interactions": (
        "id",
        "board_id",
        "card_id",
        "kind",
        "actor_kind",
        "recorded_by",
        "at",
        "handle_seconds",
        "created_at",
    ),
    "confirmations": (
        "id",
        "board_id",
        "card_id",
        "nonce",
        "source",
        "state",
        "requested_at",
        "expires_at",
        "answered_at",
        "solved",
        "csat",
        "ces",
        "nps",
    ),
    "swarms": (
        "id",
        "board_id",
        "card_id",
        "requested_by",
        "state",
        "skills",
        "question",
        "tried",
        "unmatched_skills",
        "requested_at",
        "ended_at",
        "outcome",
    ),
    "swarm_members": ("id", "swarm_id", "user_id", "role", "team", "joined_at"),
    "board_events": ("id", "board_id", "seq", "type", "at", "actor_id", "actor_kind", "data"),
}

# Compact events (at, card id, type, x, y, actor), sorted by time before seqs are given.
EVENT_TYPES = [
    "card.created",
    "card.moved",
    "card.updated",
    "card.blocked",
    "card.unblocked",
    "interaction.recorded",
    "confirmation.requested",
    "customer.confirmed",
    "customer.rejected",
    "swarm.requested",
    "swarm.joined",
    "swarm.resolved",
]
E = {name: i for i, name in enumerate(EVENT_TYPES)}
STAGE = {i + 1: stage for i, (_, stage, _) in enumerate(COLUMNS)}


def ts(x: float) -> datetime:
    return datetime.fromtimestamp(x, UTC)


class Generator:
    """A year of one board, card by card, in creation order."""

    def __init__(self, n_cards: int, now: float, seed: int = 11) -> None:
        self.n, self.now, self.rng = n_cards, now, random.Random(seed)
        self.events: list[tuple[float, int, int, int, int, int]] = []
        self.ids = {"stay": 0, "interaction": 0, "confirmation": 0, "swarm": 0, "member": 0}
        self.lane: list[int] = [0]
        self.card_info: list[tuple[int, int, int]] = [(0, 0, 0)]  # priority, channel, product

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def static(self) -> Tables:
        t, start = Tables(), ts(self.now - 366 * DAY)
        t.add("boards", (1, "Support (benchmark)", 0, start, 14_400, 1_800, "USD"))
        for i, (name, stage, waits) in enumerate(COLUMNS):
            t.add("board_columns", (i + 1, 1, name, i, stage, None, "soft", waits, False, False))
        for i, name in enumerate(LANES):
            t.add("lanes", (i + 1, 1, name, i))
        for u in range(1, AGENTS + 1):
            skills = json.dumps([{"name": PRODUCTS[u % len(PRODUCTS)], "level": 3}])
            t.add(
                "users",
                (
                    u,
                    f"Agent {u}",
                    f"agent{u}@bench.local",
                    "agent",
                    f"Team {u % 4}",
                    skills,
                    "available",
                    start,
                ),
            )
        for c in range(1, CUSTOMERS + 1):
            t.add("customers", (c, f"cust-{c}", f"Customer {c}", None, start, start))
        return t

    def exp(self, mean: float) -> float:
        return self.rng.expovariate(1 / mean)

    def card(self, t: Tables, card_id: int, created: float) -> None:
        rng, ev = self.rng, self.events.append
        agent = rng.randint(1, AGENTS)
        lane = 1 if rng.random() < 0.1 else (3 if rng.random() < 0.1 else 2)
        pri, chan, prod = rng.randrange(6), rng.randrange(5), rng.randrange(6)
        self.lane.append(lane)
        self.card_info.append((pri, chan, prod))
        ticket = rng.random() < 0.7
        # The path through the columns: (column id, entered at).
        x = created
        path = [(TRIAGE, x)]
        x += self.exp(4 * HOUR)
        path.append((INVESTIGATING, x))
        if rng.random() < 0.4:  # asks the customer, then back to investigating
            x += self.exp(DAY)
            path.append((WAITING, x))
            x += self.exp(1.5 * DAY)
            path.append((INVESTIGATING, x))
        x += self.exp(DAY)
        if rng.random() < 0.15:
            path.append((ENGINEERING, x))
            x += self.exp(3 * DAY)
        if rng.random() < 0.5:
            path.append((VERIFY, x))
            x += self.exp(0.5 * DAY)
        path.append((RESOLVED, x))
        reopened = rng.random() < 0.08
        if reopened:
            x += self.exp(3 * DAY)
            path.append((INVESTIGATING, x))
            x += self.exp(DAY)
            path.append((RESOLVED, x))
        path = [p for p in path if p[1] < self.now]
        ev((created, card_id, E["card.created"], TRIAGE, 0, agent))
        ev((created + 60, card_id, E["card.updated"], agent, 0, agent))
        if rng.random() < 0.4 and created + 2 * HOUR < self.now:  # re-prioritised
            ev((created + 2 * HOUR, card_id, E["card.updated"], agent, 0, agent))
        waiting = 0.0
        done_entries = []
        for k, (col, entered) in enumerate(path):
            left = path[k + 1][1] if k + 1 < len(path) else None
            t.add(
                "card_stays",
                (
                    self.next_id("stay"),
                    card_id,
                    col,
                    ts(entered),
                    None if left is None else ts(left),
                ),
            )
            if k:
                ev((entered, card_id, E["card.moved"], path[k - 1][0], col, agent))
            if col == WAITING and left is not None:
                waiting += left - entered
            if col == RESOLVED:
                done_entries.append(entered)
        column, column_entered = path[-1]
        # A blocked spell while investigating; a few open cards are blocked now.
        blocked_seconds, blocked_since = 0.0, None
        if rng.random() < 0.12 and len(path) > 2:
            b0 = path[1][1] + self.exp(2 * HOUR)
            b1 = b0 + self.exp(6 * HOUR)
            if b1 < self.now:
                blocked_seconds = b1 - b0
                ev((b0, card_id, E["card.blocked"], 0, 0, agent))
                ev((b1, card_id, E["card.unblocked"], 0, 0, agent))
        if STAGE[column] != "done" and rng.random() < 0.1:
            blocked_since = max(column_entered, self.now - self.exp(DAY))
            ev((blocked_since, card_id, E["card.blocked"], 0, 0, agent))
        # Interactions: the customer writes, agents (or a bot) answer.
        first_response = bot_resolved = handed_off = None
        replies, handle = 0, 0.0
        bot = CHANNELS[chan] == "bot"
        if ticket:
            self._interaction(t, card_id, created, "customer_message", "user", None, None)
            if bot:
                self._interaction(t, card_id, created + 30, "bot_reply", "bot", None, None)
                if rng.random() < 0.3 and done_entries:
                    bot_resolved = done_entries[0]
                else:
                    handed_off = created + 120
            for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
                at = created + self.exp(2 * HOUR) * (replies + 1)
                if at >= self.now:
                    break
                seconds = round(self.exp(600), 1)
                self._interaction(t, card_id, at, "agent_reply", "user", agent, seconds)
                first_response = first_response or at
                replies, handle = replies + 1, handle + seconds
        elif len(path) > 1:
            first_response = path[1][1]
        # Entering done asks the customer; half answer within two days.
        for k, done_at in enumerate(done_entries):
            cid = self.next_id("confirmation")
            ev((done_at + 1, card_id, E["confirmation.requested"], cid, 0, 0))
            last = k == len(done_entries) - 1
            answered = done_at + self.exp(DAY)
            state, solved, csat, nps = "pending", None, None, None
            if not last:
                state = "superseded"
            elif rng.random() < 0.5 and answered < self.now:
                solved = rng.random() < 0.85
                state = "confirmed" if solved else "rejected"
                csat, nps = rng.randint(3, 5) if solved else rng.randint(1, 3), rng.randint(0, 10)
                kind = "customer.confirmed" if solved else "customer.rejected"
                ev((answered, card_id, E[kind], cid, csat, 0))
            t.add(
                "confirmations",
                (
                    cid,
                    1,
                    card_id,
                    uuid.uuid4().hex,
                    "link",
                    state,
                    ts(done_at),
                    ts(done_at + 14 * DAY),
                    ts(answered) if solved is not None else None,
                    solved,
                    csat,
                    None,
                    nps,
                ),
            )
        # Hard cards get a swarm of two while in investigation.
        if rng.random() < 0.05 and len(path) > 2:
            sid = self.next_id("swarm")
            s0 = path[1][1] + 600
            s1 = min(path[2][1], self.now)
            t.add(
                "swarms",
                (
                    sid,
                    1,
                    card_id,
                    agent,
                    "resolved" if s1 < self.now else "open",
                    json.dumps([PRODUCTS[prod]]),
                    "Customer data looks corrupt",
                    "Re-ran the import",
                    "[]",
                    ts(s0),
                    ts(s1) if s1 < self.now else None,
                    "Fixed the mapping",
                ),
            )
            ev((s0, card_id, E["swarm.requested"], sid, agent, agent))
            for helper in (agent % AGENTS + 1, (agent + 7) % AGENTS + 1):
                t.add(
                    "swarm_members",
                    (
                        self.next_id("member"),
                        sid,
                        helper,
                        "helper",
                        f"Team {helper % 4}",
                        ts(s0 + 300),
                    ),
                )
                ev((s0 + 300, card_id, E["swarm.joined"], sid, helper, helper))
            if s1 < self.now:
                ev((s1, card_id, E["swarm.resolved"], sid, 0, agent))
        t.add(
            "cards",
            (
                card_id,
                1,
                column,
                lane,
                float(card_id),
                f"Ticket {card_id}: {PRODUCTS[prod]} issue",
                "",
                PRIORITIES[pri],
                CHANNELS[chan],
                PRODUCTS[prod],
                "partner" if card_id % 9 == 0 else "customer",
                agent,
                json.dumps([agent]),
                blocked_since is not None,
                None if blocked_since is None else ts(blocked_since),
                blocked_seconds,
                waiting,
                None if first_response is None else ts(first_response),
                f"ZD-{card_id}" if ticket else None,
                (card_id % CUSTOMERS) + 1 if ticket else None,
                replies,
                handle,
                bot and ticket,
                None if bot_resolved is None else ts(bot_resolved),
                None if handed_off is None else ts(handed_off),
                int(reopened and len(done_entries) > 1),
                len(path) + 1,
                ts(created),
                ts(column_entered),
                ts(column_entered),
            ),
        )

    def _interaction(
        self,
        t: Tables,
        card_id: int,
        at: float,
        kind: str,
        actor_kind: str,
        user: int | None,
        seconds: float | None,
    ) -> None:
        iid = self.next_id("interaction")
        t.add("interactions", (iid, 1, card_id, kind, actor_kind, user, ts(at), seconds, ts(at)))
        self.events.append((at, card_id, E["interaction.recorded"], iid, 0, user or 0))

    def cards(self, chunk: int = 5_000) -> Iterator[Tables]:
        """Card rows in chunks; creation times spread over the past 365 days."""
        span = 365 * DAY
        created = sorted(self.now - span + self.rng.random() * span for _ in range(self.n))
        for lo in range(0, self.n, chunk):
            t = Tables()
            for i in range(lo, min(lo + chunk, self.n)):
                self.card(t, i + 1, created[i])
            yield t

    def event_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        """``board_events`` rows in time order with contiguous seqs, in batches."""
        self.events.sort()
        dumps = json.dumps
        batch: list[tuple[Any, ...]] = []
        for seq, (at, card_id, code, x, y, actor) in enumerate(self.events, start=1):
            name = EVENT_TYPES[code]
            data = _event_data(name, card_id, x, y, self.lane[card_id], self.card_info[card_id])
            kind = "system" if actor == 0 else "user"
            batch.append(
                (f"evt_bench{seq:016d}", 1, seq, name, ts(at), actor or None, kind, dumps(data))
            )
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _event_data(
    name: str, card_id: int, x: int, y: int, lane: int, info: tuple[int, int, int]
) -> dict[str, Any]:
    if name == "card.created":
        pri, chan, prod = info
        return {
            "card_id": card_id,
            "title": f"Ticket {card_id}",
            "column_id": x,
            "lane_id": lane,
            "priority": PRIORITIES[pri],
            "channel": CHANNELS[chan],
            "product": PRODUCTS[prod],
        }
    if name == "card.moved":
        return {
            "card_id": card_id,
            "from_column_id": x,
            "to_column_id": y,
            "from_lane_id": lane,
            "to_lane_id": lane,
            "position": float(card_id),
            "from_stage": STAGE[x],
            "to_stage": STAGE[y],
        }
    if name == "card.updated":
        return {"card_id": card_id, "changes": {"owner_id": x, "assignee_ids": [x]}}
    if name in ("card.blocked", "card.unblocked"):
        return {"card_id": card_id, "reason": "Waiting for the vendor" if x == 0 else None}
    if name == "interaction.recorded":
        return {"card_id": card_id, "interaction_id": x}
    if name.startswith(("confirmation.", "customer.")):
        return {"card_id": card_id, "confirmation_id": x, "csat": y or None}
    return {"card_id": card_id, "swarm_id": x, "user_id": y or None}


# -- writing -------------------------------------------------------------------------------
ORDER = [
    "boards",
    "board_columns",
    "lanes",
    "users",
    "customers",
    "cards",
    "card_stays",
    "interactions",
    "confirmations",
    "swarms",
    "swarm_members",
]


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):  # how SQLAlchemy stores a UTC timestamp on SQLite
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    return int(v) if isinstance(v, bool) else v


class SqliteSink:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")

    async def put(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        cols = COLS[table]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.execute("BEGIN")
        self.conn.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))
        self.conn.execute("COMMIT")

    async def finish(self, last_seq: int) -> None:
        self.conn.execute("UPDATE boards SET last_seq = ? WHERE id = 1", (last_seq,))
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PgSink:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def put(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(COLS[table]))

    async def finish(self, last_seq: int) -> None:
        await self.conn.execute("UPDATE boards SET last_seq = $1 WHERE id = 1", last_seq)
        for table in [*ORDER, "card_stays"]:
            if "id" in COLS[table] and table != "board_events":
                await self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
        await self.conn.execute("ANALYZE")
        await self.conn.close()


async def generate(sink: SqliteSink | PgSink, n_cards: int, now: float) -> tuple[int, int]:
    """Write the board; returns (cards, events)."""
    gen = Generator(n_cards, now)
    for table_rows in (gen.static(), *gen.cards()):
        for table in ORDER:
            rows = table_rows.rows.get(table)
            if rows:
                await sink.put(table, rows)
    events = 0
    for batch in gen.event_rows():
        await sink.put("board_events", batch)
        events += len(batch)
    await sink.finish(events)
    return n_cards, events


# -- measuring -------------------------------------------------------------------------------
class RssSampler:
    """The peak ``VmRSS`` of a process while running, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def status(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.status("VmRSS"))
            time.sleep(0.01)

    def __enter__(self) -> RssSampler:
        self.peak_kb = self.status("VmRSS")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Row:
    db: str
    what: str
    seconds: float | None
    first_byte: float | None = None
    size: int | None = None
    rows: int | None = None
    rss_mb: float | None = None
    hwm_mb: float | None = None
    note: str = ""


def download(server: Server, db: str, what: str, path: str, params: dict[str, str]) -> Row:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    size = lines = 0
    first: float | None = None
    with RssSampler(server.proc.pid) as rss:
        t0 = time.perf_counter()
        with httpx.stream(
            "GET", server.url + path, params=params, headers=headers, timeout=300
        ) as r:
            if r.status_code != 200:
                return Row(db, what, None, note=f"HTTP {r.status_code}: {r.read()[:200]!r}")
            for data in r.iter_raw(1 << 16):
                if first is None:
                    first = time.perf_counter() - t0
                size += len(data)
                lines += data.count(b"\n")
        seconds = time.perf_counter() - t0
    header = 0 if path.endswith(".ndjson") else 1
    return Row(
        db,
        what,
        seconds,
        first,
        size,
        lines - header,
        rss.peak_kb / 1024,
        rss.status("VmHWM") / 1024,
    )


def timed_get(server: Server, db: str, what: str, path: str, params: dict[str, str]) -> Row:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = httpx.get(server.url + path, params=params, headers=headers, timeout=120)
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            return Row(db, what, None, note=f"not available (HTTP {r.status_code})")
    note = f"first {times[0]:.2f} s, median {statistics.median(times):.2f} s"
    return Row(db, what, min(times), size=len(r.content), note=note)


async def run(url: str, label: str, n_cards: int, logdir: Path) -> list[Row]:
    await asyncio.to_thread(upgrade_to_head, url)
    now = time.time() - 60
    t0 = time.perf_counter()
    if url.startswith("sqlite"):
        sink: SqliteSink | PgSink = SqliteSink(url.split(":///", 1)[1])
    else:
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        sink = PgSink(await asyncpg.connect(dsn))
    cards, events = await generate(sink, n_cards, now)
    print(
        f"{label}: generated {cards:,} cards and {events:,} events in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    env = {
        "SWARMBOARD_DATABASE_URL": url,
        "SWARMBOARD_ADMIN_TOKEN": TOKEN,
        "SWARMBOARD_ENVIRONMENT": "test",
        "SWARMBOARD_SECRET_KEY": "bench-secret-not-a-placeholder",
        "SWARMBOARD_SCHEDULER": "off",
        "SWARMBOARD_WEBHOOK_RELAY": "off",
        "SWARMBOARD_DATA_DIR": str(logdir / "data"),
    }
    server = Server(f"export-{label.lower()}", "app.main:create_app", env, logdir)
    rows: list[Row] = []
    try:
        server.wait_ready(60)
        idle = RssSampler(server.proc.pid).status("VmRSS") / 1024
        print(f"{label}: the server's RSS before the exports: {idle:.0f} MB", flush=True)
        today = datetime.fromtimestamp(now, UTC).date()
        year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
        base = "/api/boards/1"
        for what, name in [
            ("AA CSV export", "actionable-agile.csv"),
            ("NDJSON export", "cards.ndjson"),
            ("events CSV export", "events.csv"),
        ]:
            rows.append(download(server, label, what, f"{base}/export/{name}", year))
            server.check_alive()
        for what, name in [("metrics/flow", "flow"), ("metrics/support", "support")]:
            rows.append(timed_get(server, label, what, f"{base}/metrics/{name}", year))
    except Exception:
        print(server.stderr_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
    return rows


def _mb(n: float | None) -> str:
    return "" if n is None else f"{n:,.0f}"


def report(rows: list[Row]) -> None:
    print()
    head = f"{'database':<11} {'what':<18} {'seconds':>8} {'1st byte':>8} {'MB':>7} "
    head += f"{'rows':>9} {'peak RSS':>9} {'VmHWM':>6}  verdict"
    print(head)
    print("-" * len(head))
    for r in rows:
        if r.seconds is None:
            print(f"{r.db:<11} {r.what:<18} {r.note}")
            continue
        if r.what.startswith("metrics"):
            verdict = "OK" if r.seconds < 2 else "SLOW (target < 2 s)"
            print(
                f"{r.db:<11} {r.what:<18} {r.seconds:>8.2f} {'':>8} {'':>7} {'':>9} {'':>9} "
                f"{'':>6}  {verdict}; {r.note}"
            )
            continue
        ok = r.seconds < 15 and (r.rss_mb or 0) < 250
        verdict = "OK" if ok else "MISSED (targets < 15 s, < 250 MB)"
        if r.what.startswith("events"):
            verdict = "(no target)"
        print(
            f"{r.db:<11} {r.what:<18} {r.seconds:>8.2f} {r.first_byte or 0:>8.3f} "
            f"{(r.size or 0) / 1e6:>7.1f} {r.rows or 0:>9,} {_mb(r.rss_mb):>8}M "
            f"{_mb(r.hwm_mb):>5}M  {verdict}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="sb-bench-export-") as tmp:
        logdir = Path(tmp)
        if args.db in ("sqlite", "both"):
            rows += await run(f"sqlite+aiosqlite:///{tmp}/export.db", "SQLite", args.cards, logdir)
        if args.db in ("postgres", "both"):
            name = f"sb_bench_{uuid.uuid4().hex[:8]}"
            await pg_admin(f'CREATE DATABASE "{name}"')
            try:
                url = f"postgresql+asyncpg://postgres@{PG_HOST}/{name}"
                rows += await run(url, "PostgreSQL", args.cards, logdir)
            finally:
                await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(rows)


if __name__ == "__main__":
    asyncio.run(main())
