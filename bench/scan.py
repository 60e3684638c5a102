"""Alert-scan benchmark: one scan over 100,000 open cards, on SQLite and PostgreSQL.

Seeds a migrated database in bulk (SQL, not the API: it is the scan being measured),
then times the scan the scheduler runs:

* "quiet": nothing new fires (the steady state every 30 s) — target < 200 ms;
* "1,000 fire": 1,000 cards have just stalled, so the scan raises 1,000 alerts and
  appends 1,000 events — target < 1 s;
* "1,000 clear": those cards move on, and the scan resolves the 1,000 alerts.

Run: ``.venv/bin/python bench/scan.py [--db sqlite|postgres|both] [--cards 100000]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.alerts import sla
from app.alerts.conditions import alerts, boards, cards, columns, policies, stays
from app.alerts.scan import Scanner
from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.core.models import utcnow
from bench.common import PG_HOST, pg_admin

BOARDS = 10
HISTORY_PER_COLUMN = 500


def seed(session: Session, *, n_cards: int, max_age_hours: float) -> list[int]:
    """Boards with a realistic column layout and ``n_cards`` open cards that have not
    stalled; returns the ids of 1,000 cards in a column with a 1-day stall threshold."""
    now = utcnow()
    conn = session.connection()
    col_ids: list[list[int]] = []
    for b in range(BOARDS):
        board_id = conn.execute(
            insert(boards).returning(boards.c.id),
            {
                "name": f"Board {b}",
                "last_seq": 0,
                "created_at": now,
                "blocked_alert_seconds": 14400,
                "swarm_answer_seconds": 1800,
            },
        ).scalar_one()
        layout = [
            ("Triage", "backlog", None, False, None),
            ("Investigating", "active", 86400, False, None),
            ("Swarming", "active", None, False, 40),  # learned threshold, soft WIP
            ("Waiting on customer", "active", None, True, None),
            ("Resolved", "done", None, False, None),
        ]
        ids = []
        for pos, (name, stage, stall, waits, limit) in enumerate(layout):
            ids.append(
                conn.execute(
                    insert(columns).returning(columns.c.id),
                    {
                        "board_id": board_id,
                        "name": name,
                        "position": pos,
                        "stage": stage,
                        "wip_limit": limit,
                        "wip_policy": "soft" if limit else "hard",
                        "stall_after_seconds": stall,
                        "waits_on_customer": waits,
                    },
                ).scalar_one()
            )
        col_ids.append(ids)
        conn.execute(
            insert(policies),
            [
                {
                    "board_id": board_id,
                    "name": "Urgent",
                    "priority": "urgent",
                    "frt_seconds": 3600,
                    "ttr_seconds": 8 * 3600,
                    "created_at": now,
                },
                {
                    "board_id": board_id,
                    "name": "Default",
                    "priority": None,
                    "frt_seconds": 86400,
                    "ttr_seconds": 30 * 86400,
                    "created_at": now,
                },
            ],
        )
    rows = []
    rng = random.Random(7)
    for i in range(n_cards):
        b = i % BOARDS
        col = col_ids[b][i % 4]  # spread over the four open columns
        rows.append(
            {
                "board_id": (b + 1),
                "column_id": col,
                "lane_id": None,
                "position": float(i),
                "title": f"Ticket {i}",
                "description": "",
                "priority": "urgent" if i % 20 == 0 else "normal",
                "channel": "email",
                "product": None,
                "segment": None,
                "owner_id": None,
                "assignee_ids": [],
                "blocked": False,
                "blocked_reason": None,
                "blocked_since": None,
                "version": 1,
                # Open tickets from the last max_age_hours, each in its column under 15 h.
                "created_at": now - timedelta(hours=15 + rng.random() * (max_age_hours - 15)),
                "updated_at": now,
                "column_entered_at": now - timedelta(hours=rng.random() * 15),
                # Past triage means an agent has answered (the FRT clock stopped).
                "first_response_at": None if i % 4 == 0 else now - timedelta(hours=15),
            }
        )
    for start in range(0, len(rows), 5000):
        conn.execute(insert(cards), rows[start : start + 5000])
    # One open stay per card, and finished history for the learned thresholds.
    conn.execute(
        insert(stays).from_select(
            ["card_id", "column_id", "entered_at"],
            cards.select().with_only_columns(
                cards.c.id, cards.c.column_id, cards.c.column_entered_at
            ),
        )
    )
    history = []
    for ids in col_ids:
        for k in range(HISTORY_PER_COLUMN):
            history.append(
                {
                    "card_id": 1 + k,
                    "column_id": ids[2],
                    "entered_at": now - timedelta(days=3, hours=k % 48),
                    "left_at": now - timedelta(days=2),
                }
            )
    conn.execute(insert(stays), history)
    for board_id in range(1, BOARDS + 1):
        sla.assign_policies(session, board_id=board_id)
    stalled_col = [ids[1] for ids in col_ids]
    picked = (
        conn.execute(
            cards.select()
            .with_only_columns(cards.c.id)
            .where(cards.c.column_id.in_(stalled_col))
            .limit(1000)
        )
        .scalars()
        .all()
    )
    return [int(x) for x in picked]


def stall(session: Session, ids: list[int], when: object) -> None:
    session.execute(update(cards).where(cards.c.id.in_(ids)).values(column_entered_at=when))


async def timed(db: Database, scanner: Scanner, now: object) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    result = await db.write(scanner.scan, now=now)
    return (
        (time.perf_counter() - t0) * 1000,
        sum(result.raised.values()),
        sum(result.resolved.values()),
    )


async def run(url: str, label: str, n_cards: int, max_age_hours: float) -> None:
    await asyncio.to_thread(upgrade_to_head, url)
    db = Database(
        Settings(database_url=url, environment="test", secret_key="bench-secret-not-a-placeholder")
    )
    db.start()
    try:
        t0 = time.perf_counter()
        picked = await db.write(seed, n_cards=n_cards, max_age_hours=max_age_hours)
        print(f"{label}: seeded {n_cards:,} open cards in {time.perf_counter() - t0:.1f} s")
        scanner = Scanner(interval_seconds=30)
        now = utcnow()
        # The first scan learns the p85 thresholds and raises the standing alerts (old
        # tickets already past their SLA); later scans find nothing new.
        _, standing, _ = await timed(db, scanner, now)
        print(f"  first scan raised {standing:,} standing alerts")
        quiet = [(await timed(db, scanner, now + timedelta(seconds=i)))[0] for i in range(7)]
        await db.write(stall, ids=picked, when=now - timedelta(days=2))
        fire_ms, raised, _ = await timed(db, scanner, now + timedelta(seconds=10))
        await db.write(stall, ids=picked, when=now)
        clear_ms, _, resolved = await timed(db, scanner, now + timedelta(seconds=11))
        total = await db.read(lambda s: s.execute(alerts.select()).all())
        print(
            f"  quiet scan: p50 {statistics.median(quiet):.0f} ms, max {max(quiet):.0f} ms "
            f"(target < 200 ms)"
        )
        print(f"  1,000 fire: {fire_ms:.0f} ms, raised {raised} (target < 1,000 ms)")
        print(f"  1,000 clear: {clear_ms:.0f} ms, resolved {resolved}; alerts rows {len(total)}")
    finally:
        await db.dispose()


# (label, oldest open ticket in hours): a team keeping up (tickets under 18 h old, so
# only triage tickets past a 1 h urgent FRT are in breach) and a team with a ten-day
# backlog (a quarter of all open tickets stand in FRT breach).
SCENARIOS = [("keeping up", 18.0), ("ten-day backlog", 240.0)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args()
    for scenario, max_age in SCENARIOS:
        if args.db in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite+aiosqlite:///{tmp}/scan.db"
                await run(url, f"SQLite, {scenario}", args.cards, max_age)
        if args.db in ("postgres", "both"):
            name = f"sb_bench_{uuid.uuid4().hex[:8]}"
            await pg_admin(f'CREATE DATABASE "{name}"')
            try:
                url = f"postgresql+asyncpg://postgres@{PG_HOST}/{name}"
                await run(url, f"PostgreSQL, {scenario}", args.cards, max_age)
            finally:
                await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
