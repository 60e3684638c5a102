"""Several replicas scanning one database: every problem is alerted exactly once.

Each replica is a separate :class:`Database` (its own engine and pool) with its own
:class:`Scanner`, as two processes would have.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

import app.alerts.scan as scan_module
from app.alerts.models import Alert
from app.alerts.scan import Scanner
from app.core.db import Database
from app.core.models import table_of, utcnow
from tests import factories
from tests.alerts.helpers import (
    age_card,
    alert_events,
    card,
    every_alert,
    later,
    listed,
    make_board,
)

ALERTS = table_of(Alert)
TRIAGE = {"name": "Triage", "stage": "backlog"}
STALLING = {"name": "Investigating", "stage": "active", "stall_after_seconds": 600}
DONE = {"name": "Resolved", "stage": "done"}


# -- the partial unique index -------------------------------------------------------


async def test_the_database_refuses_a_second_active_alert_for_the_same_subject_and_kind(
    client, app
):
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    cid = await card(client, bid, inv)

    def row(state: str, kind: str = "stalled") -> dict[str, Any]:
        return {
            "board_id": bid,
            "subject": f"card:{cid}",
            "card_id": cid,
            "column_id": inv,
            "kind": kind,
            "state": state,
            "raised_at": utcnow(),
            "data": {},
        }

    def add(session: Session, rows: list[dict[str, Any]]) -> None:
        session.execute(insert(ALERTS), rows)

    # Resolved history may repeat; one active alert per kind is fine.
    await app.state.db.write(
        add, [row("resolved"), row("resolved"), row("open"), row("open", "blocked")]
    )
    for state in ("open", "acknowledged"):
        with pytest.raises(IntegrityError):
            await app.state.db.write(add, [row(state)])
    with pytest.raises(IntegrityError):  # not even inside one statement
        await app.state.db.write(
            add, [row("acknowledged", "sla_breach"), row("open", "sla_breach")]
        )

    def count(session: Session) -> int:
        stmt = select(func.count()).where(ALERTS.c.card_id == cid)
        return int(session.execute(stmt).scalar_one())

    assert await app.state.db.read(count) == 4


# -- replicas -----------------------------------------------------------------------


@pytest.fixture
async def replicas(settings) -> AsyncIterator[list[tuple[Database, Scanner]]]:
    """Two more "processes" on the test database, each with its own engine and scanner."""
    pairs = []
    for _ in range(2):
        db = Database(settings)
        db.start()
        pairs.append((db, Scanner(settings.alert_scan_seconds)))
    yield pairs
    for db, _ in pairs:
        await db.dispose()


async def test_replicas_scanning_at_the_same_time_alert_each_stalled_card_once(
    client, app, replicas, is_postgres
):
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    cards = [await card(client, bid, inv) for _ in range(12)]
    before = len(await factories.events(client, bid))

    skipped = 0
    for i in range(20):
        now = later(660 + i)
        results = await asyncio.gather(*(db.write(s.scan, now=now) for db, s in replicas))
        assert not all(r.skipped for r in results)  # somebody scanned every round
        skipped += sum(r.skipped for r in results)
    if is_postgres:
        assert skipped >= 1  # the advisory lock sent the slower replica away
    else:
        assert skipped == 0  # SQLite: BEGIN IMMEDIATE queues the second writer instead

    alerts = await every_alert(client, bid)
    assert sorted(a["card_id"] for a in alerts) == sorted(cards)
    assert {(a["kind"], a["state"]) for a in alerts} == {("stalled", "open")}
    log = await factories.events(client, bid)
    raised = [e for e in log if e["type"] == "alert.raised"]
    assert sorted(e["data"]["card_id"] for e in raised) == sorted(cards)
    assert len(log) == before + len(cards)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))


def _postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL only: the advisory lock; SQLite serialises writers itself")


async def test_a_replica_skips_its_round_while_another_one_is_scanning(
    client, app, replicas, is_postgres
):
    _postgres_only(is_postgres)
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    cid = await card(client, bid, inv)
    (db, _), (other_db, other) = replicas
    now = later(660)

    # Replica 1 is mid-scan: its transaction is still open.
    async with AsyncSession(db.async_engine) as session, session.begin():
        first = await session.run_sync(
            lambda s: Scanner(app.state.alerts.interval_seconds).scan(s, now=now)
        )
        assert not first.skipped and first.raised["stalled"] >= 1
        # Bounded: were the lock not taken, this scan would wait on ours forever.
        second = await asyncio.wait_for(other_db.write(other.scan, now=now), 10)
        assert second.skipped and not second.raised

    # Replica 1 committed; the next round of replica 2 runs and finds nothing new.
    third = await other_db.write(other.scan, now=now)
    assert not third.skipped
    [alert] = await every_alert(client, bid)
    assert (alert["card_id"], alert["kind"]) == (cid, "stalled")
    assert [e["type"] for e in await alert_events(client, bid)] == ["alert.raised"]


async def _wait_for_blocked_insert(db: Database) -> None:
    """Until some connection waits on a lock while inserting alerts (at most 10 s)."""
    deadline = time.monotonic() + 10
    async with db.async_engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO alerts%'"
                )
            )
            await conn.rollback()
            if waiting:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the second scan never waited on the first one's alerts")


async def test_two_scans_that_race_past_the_lock_still_raise_each_alert_once(
    client, app, replicas, is_postgres, monkeypatch
):
    """The unique index is the backstop: if two scans ever ran at once (the lock not
    shared), the second one's insert waits for the first and then skips its duplicates."""
    _postgres_only(is_postgres)
    bid, (_, inv, _) = await make_board(client, [TRIAGE, STALLING, DONE])
    early = [await card(client, bid, inv) for _ in range(2)]
    late = await card(client, bid, inv)
    (db, _), (other_db, other) = replicas
    now = utcnow()
    # Settle every other board at this clock, so that both racing scans only touch ours.
    settle = await db.write(Scanner(app.state.alerts.interval_seconds).scan, now=now)
    assert not settle.skipped
    for cid in early:
        await age_card(app, cid, 700)

    async with AsyncSession(db.async_engine) as session, session.begin():
        first = await session.run_sync(
            lambda s: Scanner(app.state.alerts.interval_seconds).scan(s, now=now)
        )
        assert first.raised["stalled"] == 2
        await age_card(app, late, 700)  # stalled for the second scan only
        # A replica whose lock is not shared with the first one (as if it did not exist).
        monkeypatch.setattr(scan_module, "ADVISORY_KEY", scan_module.ADVISORY_KEY + 1)
        racing = asyncio.create_task(other_db.write(other.scan, now=now))
        await _wait_for_blocked_insert(db)
    # Committed: the second scan's insert now finds two of its three rows taken.

    second = await asyncio.wait_for(racing, 10)
    assert not second.skipped and second.raised["stalled"] == 1
    alerts = await listed(client, bid)
    assert sorted(a["card_id"] for a in alerts) == sorted([*early, late])
    log = await factories.events(client, bid)
    raised = [e for e in log if e["type"] == "alert.raised"]
    assert sorted(e["data"]["card_id"] for e in raised) == sorted([*early, late])
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
