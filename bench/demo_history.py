"""Demo seeding benchmark: how long `swarmboard serve --demo` takes to write its board
with 90 days of history (app/demo_history.py), on SQLite and PostgreSQL.

Each run migrates a fresh database (a temporary SQLite file; a new PostgreSQL database,
dropped afterwards), makes the demo admin and times ``seed_demo`` in one write
transaction, as the CLI runs it, counting the SQL statements it sends (on PostgreSQL
nearly each one is a round trip). Target: under 20 s on a 2-core machine.

Run: ``.venv/bin/python bench/demo_history.py [--db sqlite|postgres|both]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.auth import service as auth_service
from app.board.repository import cards
from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.core.models import table_of
from app.demo import seed_demo
from app.events.models import BoardEvent
from bench.common import PG_HOST, pg_admin

events = table_of(BoardEvent)
_statements = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args: object) -> None:
    _statements[0] += 1


def _counts(session: Session, board_id: int) -> tuple[int, int, int]:
    def count(stmt: object) -> int:
        return int(session.execute(stmt).scalar_one())  # type: ignore[call-overload]

    n_cards = count(select(func.count()).where(cards.c.board_id == board_id))
    archived = count(
        select(func.count()).where(cards.c.board_id == board_id, cards.c.archived_at.is_not(None))
    )
    n_events = count(select(func.count()).where(events.c.board_id == board_id))
    return n_cards, archived, n_events


async def run(url: str, label: str) -> None:
    await asyncio.to_thread(upgrade_to_head, url)
    db = Database(
        Settings(database_url=url, environment="test", secret_key="bench-secret-not-a-placeholder")
    )
    db.start()
    try:
        admin = await db.write(auth_service.ensure_admin_token, token="bench-demo", name="demo")
        admin_id = admin.id
        assert admin_id is not None
        t0, _statements[0] = time.perf_counter(), 0
        board_id = await db.write(seed_demo, admin_id=admin_id)
        seconds, statements = time.perf_counter() - t0, _statements[0]
        n_cards, archived, n_events = await db.read(_counts, board_id=board_id)
        print(
            f"{label}: seeded the demo in {seconds:.1f} s (target < 20 s): "
            f"{n_cards} cards ({archived} archived), {n_events} events, "
            f"{statements} SQL statements"
        )
        t0 = time.perf_counter()
        await db.write(seed_demo, admin_id=admin_id)
        print(f"  a second start finds the board in {time.perf_counter() - t0:.2f} s")
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            await run(f"sqlite+aiosqlite:///{tmp}/demo.db", "SQLite")
    if args.db in ("postgres", "both"):
        name = f"sb_bench_demo_{uuid.uuid4().hex[:8]}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        try:
            await run(f"postgresql+asyncpg://postgres@{PG_HOST}/{name}", "PostgreSQL")
        finally:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
