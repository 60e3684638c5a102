"""The alert scan: raise alerts for new problems, resolve the ones that went away.

One scan is one write transaction. On PostgreSQL it first takes a transaction-scoped
advisory lock, so when several replicas run the scheduler only one scans at a time and
the others skip that round; the partial unique index on alerts is the backstop. Each
kind is two set-based statements (new subjects, cleared subjects) whatever the number
of cards; Python only touches the alerts that change. The two SLA kinds share one pass
over the cards and one read of their active alerts (:class:`_SlaView`), as a backlog
keeps tens of thousands of them standing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.alerts import conditions, repository
from app.alerts.conditions import Context
from app.alerts.models import KINDS
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
        if not repository.try_scan_lock(session, key=ADVISORY_KEY):
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
        sla: _SlaView | None = None
        for kind in KINDS:
            if kind in conditions.SLA_KINDS:
                sla = sla or _SlaView.read(session, ctx)
                result.resolved[kind] = sla.resolve_cleared(session, kind, ctx)
                result.raised[kind] = sla.raise_new(session, kind, ctx)
                continue
            result.resolved[kind] = _resolve_cleared(session, kind, ctx)
            result.raised[kind] = _raise_new(session, kind, ctx)
        changed = sum(result.raised.values()) + sum(result.resolved.values())
        if dialect == "postgresql" and changed >= ANALYZE_AFTER:
            # A burst of alerts leaves the planner's statistics saying "empty table",
            # and the next scans would pick nested loops over every active alert
            # (seconds instead of milliseconds) until autovacuum catches up.
            repository.analyze_alerts(session)
        # Last, just before the commit: from here each board's writers queue behind us.
        events.append_many(session, ctx.announced)
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
    return repository.learned_thresholds(
        session, now=now, dialect=dialect, since=now - HISTORY, min_samples=MIN_SAMPLES
    )


def _fill_cutoffs(session: Session, ctx: Context) -> None:
    """Turn every threshold into an absolute cut-off time for this scan."""
    rows: list[dict[str, Any]] = []

    def add(kind: str, key: int, seconds: float, share: float = 1.0) -> None:
        cut = ctx.now - timedelta(seconds=seconds * share)
        rows.append({"kind": kind, "key": key, "cutoff": cut, "threshold": float(seconds)})

    for column_id, stall in repository.active_column_stalls(session):
        threshold = stall if stall is not None else ctx.p85.get(column_id)
        if threshold is not None:
            add("stall", column_id, threshold)
    for board_id, blocked, swarm in repository.board_alert_limits(session):
        if blocked is not None:
            add("blocked", board_id, blocked)
            bound = rows[-1]["cutoff"]
            if ctx.blocked_bound is None or bound > ctx.blocked_bound:
                ctx.blocked_bound = bound
        if swarm is not None:
            add("swarm", board_id, swarm)
    for policy_id, frt, ttr in repository.policy_targets(session):
        # Cut at the warning share: a card younger than that cannot have reached it.
        if frt is not None:
            add("frt", policy_id, frt, conditions.WARN_AT)
        if ttr is not None:
            add("ttr", policy_id, ttr, conditions.WARN_AT)
    repository.replace_cutoffs(session, rows)


def _track_soft_limits(session: Session, ctx: Context) -> None:
    """Remember since when each soft-limited column has been over its limit; count the
    columns' cards once for the scan (the WIP kind's two statements reuse it)."""
    over = repository.over_soft_limit(session)
    if len(over) <= BY_LIST_MAX:
        ctx.over_limit = over
    repository.track_soft_limits(session, ctx)


@dataclass(slots=True)
class _SlaView:
    """Where each SLA kind holds and which SLA alerts are active, read once per scan.

    With a backlog, tens of thousands of cards stand in breach with their alert open.
    Evaluating the condition and probing alerts per card in each of the four SLA steps
    (resolve and raise, warning and breach) was most of a scan; here the cards are
    evaluated once, the differences are taken in Python, and each step touches only
    the subjects that change, through the same statements as before restricted to
    them. Only the scan raises SLA alerts (under its lock), so active ones can only
    disappear meanwhile: the live checks of those statements (active, resolved by
    hand in the episode, the unique index) still decide.
    """

    firing: dict[str, set[str]]
    active: dict[str, set[str]]

    @classmethod
    def read(cls, session: Session, ctx: Context) -> _SlaView:
        levels = repository.sla_levels(session, ctx)
        firing = {kind: levels.get(level, set()) for level, kind in _LEVELS.items()}
        return cls(firing, repository.active_subjects(session, conditions.SLA_KINDS))

    def resolve_cleared(self, session: Session, kind: str, ctx: Context) -> int:
        cleared = self.active[kind] - self.firing[kind]
        if not cleared:
            return 0
        self.active[kind] -= cleared
        if len(cleared) > BY_LIST_MAX:  # a mass clear: one set-based statement
            return _resolve_cleared(session, kind, ctx)
        rows = repository.resolve_active(
            session, kind=kind, at=ctx.now_param, subjects=sorted(cleared)
        )
        return _announce_resolved(ctx, kind, rows)

    def raise_new(self, session: Session, kind: str, ctx: Context) -> int:
        new = self.firing[kind] - self.active[kind]
        if kind == "sla_warning":  # a card in breach is past warning
            new -= self.active["sla_breach"]
        if not new:
            return 0
        card_ids = None if len(new) > BY_LIST_MAX else sorted(int(s[5:]) for s in new)
        return _raise_new(session, kind, ctx, card_ids=card_ids)


# sla_levels' level -> the kind that holds.
_LEVELS = {1: "sla_warning", 2: "sla_breach"}
# Above this many subjects a step runs set-based over every card, as a first scan does:
# bounded parameter lists (PostgreSQL takes at most 32,767 per statement).
BY_LIST_MAX = 2000


def _raise_new(
    session: Session, kind: str, ctx: Context, *, card_ids: list[int] | None = None
) -> int:
    rows = repository.new_firing(session, kind, ctx, card_ids=card_ids)
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
    inserted = repository.insert_alerts(session, list(values.values()))
    ctx.announced.extend(
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
        ]
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
    return _announce_resolved(ctx, kind, repository.resolve_cleared(session, kind, ctx))


def _announce_resolved(ctx: Context, kind: str, cleared: list[Any]) -> int:
    ctx.announced.extend(
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
        ]
    )
    return len(cleared)
