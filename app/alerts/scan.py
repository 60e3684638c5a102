"""The alert scan: raise alerts for new problems, resolve the ones that went away.

One scan is one write transaction. On PostgreSQL it first takes a transaction-scoped
advisory lock, so when several replicas run the scheduler only one scans at a time and
the others skip that round; the partial unique index on alerts is the backstop. Each
kind is two set-based statements (new subjects, cleared subjects) whatever the number
of cards; Python only touches the alerts that change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from app.alerts import conditions
from app.alerts.conditions import (
    Context,
    alerts,
    boards,
    columns,
    cutoffs,
    policies,
    seconds_between,
    stays,
)
from app.alerts.models import ACTIVE_STATES, KINDS
from app.core.models import iso
from app.events import service as events

__all__ = ["ScanResult", "Scanner"]

log = logging.getLogger(__name__)

# A fixed key for pg_try_advisory_xact_lock: "swarmboard alerts scan".
ADVISORY_KEY = 0x5B_A1_E7_5C
# Learned stall thresholds need this many finished stays in a column...
MIN_SAMPLES = 20
# ...taken from this much recent history, and are recomputed this often.
HISTORY = timedelta(days=90)
P85_TTL = timedelta(minutes=5)
# Refresh PostgreSQL's statistics on alerts after a scan that changed this many.
ANALYZE_AFTER = 200


@dataclass(slots=True)
class ScanResult:
    skipped: bool = False
    raised: dict[str, int] = field(default_factory=dict)
    resolved: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class Scanner:
    """Runs scans; keeps the learned per-column stall thresholds between them."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._p85: dict[int, float] = {}
        self._p85_at: datetime | None = None

    def scan(self, session: Session, *, now: datetime) -> ScanResult:
        """One scan at ``now`` (injected, so tests never wait for real time)."""
        started = time.perf_counter()
        dialect = session.connection().dialect.name
        if dialect == "postgresql":
            got = session.execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar_one()
            if not got:
                return ScanResult(skipped=True)
        ctx = Context(
            now=now,
            dialect=dialect,
            interval_seconds=self.interval_seconds,
            p85=self._thresholds(session, now, dialect),
        )
        _track_soft_limits(session, ctx)
        _fill_cutoffs(session, ctx)
        result = ScanResult()
        for kind in KINDS:
            result.resolved[kind] = _resolve_cleared(session, kind, ctx)
            result.raised[kind] = _raise_new(session, kind, ctx)
        changed = sum(result.raised.values()) + sum(result.resolved.values())
        if dialect == "postgresql" and changed >= ANALYZE_AFTER:
            # A burst of alerts leaves the planner's statistics saying "empty table",
            # and the next scans would pick nested loops over every active alert
            # (seconds instead of milliseconds) until autovacuum catches up.
            session.execute(text("ANALYZE alerts"))
        result.seconds = time.perf_counter() - started
        return result

    def _thresholds(self, session: Session, now: datetime, dialect: str) -> dict[int, float]:
        if self._p85_at is None or not (now - P85_TTL < self._p85_at <= now):
            self._p85 = learned_thresholds(session, now=now, dialect=dialect)
            self._p85_at = now
        return self._p85


def learned_thresholds(session: Session, *, now: datetime, dialect: str) -> dict[int, float]:
    """Per active column without ``stall_after_seconds``: the 85th percentile (nearest
    rank) of recent finished stays, where there are at least :data:`MIN_SAMPLES`."""
    duration = seconds_between(stays.c.left_at, stays.c.entered_at, dialect)
    ranked = (
        select(
            stays.c.column_id,
            duration.label("d"),
            func.row_number().over(partition_by=stays.c.column_id, order_by=duration).label("rn"),
            func.count().over(partition_by=stays.c.column_id).label("n"),
        )
        .join(columns, columns.c.id == stays.c.column_id)
        .where(
            stays.c.left_at.is_not(None),
            stays.c.left_at >= now - HISTORY,
            columns.c.stage == "active",
            columns.c.stall_after_seconds.is_(None),
        )
        .subquery()
    )
    stmt = select(ranked.c.column_id, ranked.c.d).where(
        ranked.c.n >= MIN_SAMPLES, ranked.c.rn == (ranked.c.n * 85 + 99) // 100
    )
    return {int(cid): float(d) for cid, d in session.execute(stmt).all()}


def _fill_cutoffs(session: Session, ctx: Context) -> None:
    """Turn every threshold into an absolute cut-off time for this scan."""
    conn = session.connection()
    conn.execute(CreateTable(cutoffs, if_not_exists=True))
    conn.execute(delete(cutoffs))  # SQLite keeps temp rows across transactions
    rows: list[dict[str, Any]] = []

    def add(kind: str, key: int, seconds: float, share: float = 1.0) -> None:
        cut = ctx.now - timedelta(seconds=seconds * share)
        rows.append({"kind": kind, "key": key, "cutoff": cut, "threshold": float(seconds)})

    active = select(columns.c.id, columns.c.stall_after_seconds).where(columns.c.stage == "active")
    for column_id, stall in session.execute(active).all():
        threshold = stall if stall is not None else ctx.p85.get(column_id)
        if threshold is not None:
            add("stall", column_id, threshold)
    limits = select(boards.c.id, boards.c.blocked_alert_seconds, boards.c.swarm_answer_seconds)
    for board_id, blocked, swarm in session.execute(limits).all():
        if blocked is not None:
            add("blocked", board_id, blocked)
            bound = rows[-1]["cutoff"]
            if ctx.blocked_bound is None or bound > ctx.blocked_bound:
                ctx.blocked_bound = bound
        if swarm is not None:
            add("swarm", board_id, swarm)
    targets = select(policies.c.id, policies.c.frt_seconds, policies.c.ttr_seconds)
    for policy_id, frt, ttr in session.execute(targets).all():
        # Cut at the warning share: a card younger than that cannot have reached it.
        if frt is not None:
            add("frt", policy_id, frt, conditions.WARN_AT)
        if ttr is not None:
            add("ttr", policy_id, ttr, conditions.WARN_AT)
    if rows:
        conn.execute(insert(cutoffs), rows)


def _track_soft_limits(session: Session, ctx: Context) -> None:
    """Remember since when each soft-limited column has been over its limit."""
    over = conditions.over_soft_limit()
    session.execute(
        update(columns)
        .where(columns.c.over_limit_since.is_(None), over)
        .values(over_limit_since=ctx.now_param)
    )
    session.execute(
        update(columns)
        .where(columns.c.over_limit_since.is_not(None), ~over)
        .values(over_limit_since=None)
    )


def _insert(dialect: str) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(alerts)


def _raise_new(session: Session, kind: str, ctx: Context) -> int:
    fire = conditions.firing(kind, ctx).subquery()
    # Not while an alert for it is active, nor again in the same episode (the stay in a
    # column, the blocked spell, ...) after someone resolved it by hand.
    seen = exists().where(
        alerts.c.subject == fire.c.subject,
        alerts.c.kind == kind,
        or_(
            alerts.c.state.in_(ACTIVE_STATES),
            and_(alerts.c.resolved_by.is_not(None), alerts.c.raised_at >= fire.c.episode_start),
        ),
    )
    rows = session.execute(select(fire).where(~seen)).all()
    if not rows:
        return 0
    values: dict[str, dict[str, Any]] = {}
    for r in rows:  # SLA rows may name a subject twice (FRT and TTR): the first wins
        values.setdefault(
            r.subject,
            {
                "board_id": r.board_id,
                "subject": r.subject,
                "card_id": r.card_id,
                "column_id": r.column_id,
                "kind": kind,
                "state": "open",
                "raised_at": ctx.now,
                "data": _details(r),
            },
        )
    stmt = (
        _insert(ctx.dialect)
        .on_conflict_do_nothing(
            index_elements=["subject", "kind"],
            # Literal SQL: an expanding IN parameter cannot be used with executemany.
            index_where=text("state IN ('open', 'acknowledged')"),
        )
        .returning(alerts, sort_by_parameter_order=True)
    )
    inserted = session.execute(stmt, list(values.values())).all()
    events.append_many(
        session,
        [
            (
                a.board_id,
                "alert.raised",
                events.SYSTEM,
                {
                    "alert_id": a.id,
                    "kind": kind,
                    "card_id": a.card_id,
                    "column_id": a.column_id,
                    "raised_at": iso(a.raised_at),
                    **a.data,
                },
            )
            for a in inserted
        ],
    )
    return len(inserted)


def _details(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "threshold_seconds": round(row.threshold, 3),
        "measured_seconds": round(row.measured, 3),
    }
    if row.target is not None:
        out.update(target=row.target, policy_id=row.policy_id)
    return out


def _resolve_cleared(session: Session, kind: str, ctx: Context) -> int:
    still = conditions.firing(kind, ctx, only_alerted=True).subquery()
    stmt = (
        update(alerts)
        .where(
            alerts.c.kind == kind,
            alerts.c.state.in_(ACTIVE_STATES),
            alerts.c.subject.not_in(select(still.c.subject)),
        )
        .values(state="resolved", resolved_at=ctx.now_param)
        .returning(alerts.c.id, alerts.c.board_id, alerts.c.card_id, alerts.c.column_id)
    )
    cleared = session.execute(stmt).all()
    events.append_many(
        session,
        [
            (
                a.board_id,
                "alert.resolved",
                events.SYSTEM,
                {
                    "alert_id": a.id,
                    "kind": kind,
                    "card_id": a.card_id,
                    "column_id": a.column_id,
                    "reason": "cleared",
                },
            )
            for a in sorted(cleared, key=lambda a: a.id)
        ],
    )
    return len(cleared)
