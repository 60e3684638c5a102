"""SQL for alerts and SLA policies: reading them, raising and resolving them, and the
scan's statements (the conditions themselves are built in :mod:`app.alerts.conditions`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from app.alerts import conditions
from app.alerts.conditions import (
    Context,
    alerts,
    boards,
    cards,
    columns,
    cutoffs,
    policies,
    seconds_between,
    stays,
)
from app.alerts.models import ACTIVE_STATES, Alert, SlaPolicy

__all__ = [
    "active_column_stalls",
    "active_on_board",
    "active_subjects",
    "analyze_alerts",
    "board_alert_limits",
    "get_policy",
    "insert_alert",
    "insert_alerts",
    "learned_thresholds",
    "list_alerts",
    "list_policies",
    "lock_alert",
    "new_firing",
    "over_soft_limit",
    "policy_targets",
    "replace_cutoffs",
    "resolve_active",
    "resolve_card",
    "resolve_cleared",
    "sla_levels",
    "track_soft_limits",
    "try_scan_lock",
]


def lock_alert(session: Session, alert_id: int) -> Alert | None:
    stmt = select(Alert).where(alerts.c.id == alert_id).with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def list_alerts(
    session: Session, *, board_id: int, states: tuple[str, ...], limit: int, offset: int
) -> tuple[list[Any], int]:
    """The board's alerts in those states, newest first, with their card's title."""
    where = (alerts.c.board_id == board_id, alerts.c.state.in_(states))
    total = session.execute(select(func.count()).select_from(alerts).where(*where)).scalar_one()
    stmt = (
        select(alerts, cards.c.title.label("card_title"))
        .outerjoin(cards, cards.c.id == alerts.c.card_id)
        .where(*where)
        .order_by(alerts.c.raised_at.desc(), alerts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).all()), int(total)


def list_policies(session: Session, *, board_id: int) -> list[Any]:
    stmt = select(policies).where(policies.c.board_id == board_id).order_by(policies.c.id)
    return list(session.execute(stmt).all())


def get_policy(session: Session, policy_id: int) -> SlaPolicy | None:
    return session.get(SlaPolicy, policy_id)


def _insert(dialect: str) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING, in the session's dialect."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(alerts)


# The partial unique index of active alerts: a second active alert for a subject and
# kind is skipped, not an error. Literal SQL: an expanding IN parameter cannot be used
# with executemany.
_ACTIVE_INDEX = {
    "index_elements": ["subject", "kind"],
    "index_where": text("state IN ('open', 'acknowledged')"),
}


def insert_alert(session: Session, values: dict[str, Any]) -> Row[Any] | None:
    """Insert one alert unless an active one has its subject and kind (then None)."""
    dialect = session.connection().dialect.name
    stmt = (
        _insert(dialect).values(**values).on_conflict_do_nothing(**_ACTIVE_INDEX).returning(alerts)
    )
    return session.execute(stmt).first()


def insert_alerts(session: Session, rows: list[dict[str, Any]]) -> list[Row[Any]]:
    """Insert many alerts in one statement, skipping subjects with an active alert of the
    kind; the inserted rows in parameter order."""
    dialect = session.connection().dialect.name
    stmt = (
        _insert(dialect)
        .on_conflict_do_nothing(**_ACTIVE_INDEX)
        .returning(alerts, sort_by_parameter_order=True)
    )
    return list(session.execute(stmt, rows).all())


def resolve_active(
    session: Session,
    *,
    kind: str,
    at: Any,
    subject: str | None = None,
    subjects: list[str] | None = None,
    keep: Any = None,
) -> list[Row[Any]]:
    """Resolve the active alerts of ``kind`` (for one ``subject``, for those of
    ``subjects``, or for those whose subject is not in the ``keep`` subquery); returns
    (id, board_id, kind, card_id, column_id) rows."""
    stmt = update(alerts).where(alerts.c.kind == kind, alerts.c.state.in_(ACTIVE_STATES))
    if subject is not None:
        stmt = stmt.where(alerts.c.subject == subject)
    if subjects is not None:
        stmt = stmt.where(alerts.c.subject.in_(subjects))
    if keep is not None:
        stmt = stmt.where(alerts.c.subject.not_in(keep))
    stmt = stmt.values(state="resolved", resolved_at=at).returning(
        alerts.c.id, alerts.c.board_id, alerts.c.kind, alerts.c.card_id, alerts.c.column_id
    )
    return list(session.execute(stmt).all())


def resolve_card(session: Session, *, card_id: int, at: Any) -> list[Row[Any]]:
    """Resolve every active alert about one card; returns (id, board_id, kind,
    column_id) rows, by id."""
    stmt = (
        update(alerts)
        .where(alerts.c.card_id == card_id, alerts.c.state.in_(ACTIVE_STATES))
        .values(state="resolved", resolved_at=at)
        .returning(alerts.c.id, alerts.c.board_id, alerts.c.kind, alerts.c.column_id)
    )
    return sorted(session.execute(stmt).all(), key=lambda r: r.id)


def active_on_board(session: Session, board_id: int) -> list[Any]:
    """The board's open and acknowledged alerts, oldest first: (id, card_id, column_id,
    kind, state) rows."""
    stmt = (
        select(alerts.c.id, alerts.c.card_id, alerts.c.column_id, alerts.c.kind, alerts.c.state)
        .where(alerts.c.board_id == board_id, alerts.c.state.in_(ACTIVE_STATES))
        .order_by(alerts.c.raised_at, alerts.c.id)
    )
    return list(session.execute(stmt).all())


# --- The scan ------------------------------------------------------------------------


def try_scan_lock(session: Session, *, key: int) -> bool:
    """Take the scan's transaction-scoped advisory lock on PostgreSQL (True: got it);
    SQLite has one writer, so there it is always True."""
    if session.connection().dialect.name != "postgresql":
        return True
    stmt = text("SELECT pg_try_advisory_xact_lock(:key)")
    return bool(session.execute(stmt, {"key": key}).scalar_one())


def analyze_alerts(session: Session) -> None:
    """Refresh PostgreSQL's planner statistics on the alerts table."""
    session.execute(text("ANALYZE alerts"))


def learned_thresholds(
    session: Session, *, now: datetime, dialect: str, since: datetime, min_samples: int
) -> dict[int, float]:
    """Per active column without ``stall_after_seconds``: the 85th percentile (nearest
    rank) of its stays finished since ``since``, where there are ``min_samples``."""
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
            stays.c.left_at >= since,
            columns.c.stage == "active",
            columns.c.stall_after_seconds.is_(None),
        )
        .subquery()
    )
    stmt = select(ranked.c.column_id, ranked.c.d).where(
        ranked.c.n >= min_samples, ranked.c.rn == (ranked.c.n * 85 + 99) // 100
    )
    return {int(cid): float(d) for cid, d in session.execute(stmt).all()}


def active_column_stalls(session: Session) -> list[tuple[int, int | None]]:
    """(column id, stall_after_seconds) of every active column."""
    stmt = select(columns.c.id, columns.c.stall_after_seconds).where(columns.c.stage == "active")
    return [(int(c), s) for c, s in session.execute(stmt).all()]


def board_alert_limits(session: Session) -> list[tuple[int, int | None, int | None]]:
    """(board id, blocked_alert_seconds, swarm_answer_seconds) of every board."""
    stmt = select(boards.c.id, boards.c.blocked_alert_seconds, boards.c.swarm_answer_seconds)
    return [(int(b), blocked, swarm) for b, blocked, swarm in session.execute(stmt).all()]


def policy_targets(session: Session) -> list[tuple[int, int | None, int | None]]:
    """(policy id, frt_seconds, ttr_seconds) of every SLA policy."""
    stmt = select(policies.c.id, policies.c.frt_seconds, policies.c.ttr_seconds)
    return [(int(p), frt, ttr) for p, frt, ttr in session.execute(stmt).all()]


def replace_cutoffs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Make the connection's temporary cut-off table hold exactly ``rows``."""
    conn = session.connection()
    conn.execute(CreateTable(cutoffs, if_not_exists=True))
    conn.execute(delete(cutoffs))  # SQLite keeps temp rows across transactions
    if rows:
        conn.execute(insert(cutoffs), rows)


def over_soft_limit(session: Session) -> list[int]:
    """The ids of the soft-limited columns holding more live cards than their limit."""
    stmt = select(columns.c.id).where(conditions.over_soft_limit()).order_by(columns.c.id)
    return [int(c) for c in session.execute(stmt).scalars().all()]


def track_soft_limits(session: Session, ctx: Context) -> None:
    """Remember since when each soft-limited column has been over its limit."""
    over = conditions.over_soft_limit(ctx)
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


def new_firing(
    session: Session, kind: str, ctx: Context, *, card_ids: list[int] | None = None
) -> list[Row[Any]]:
    """The subjects for which ``kind`` fires now and that have no alert for it: none
    active, and none resolved by hand in the same episode (the stay in a column, the
    blocked spell, ...); only those of ``card_ids`` when given (SLA kinds)."""
    fire = conditions.firing(kind, ctx, card_ids=card_ids).subquery()
    seen = exists().where(
        alerts.c.subject == fire.c.subject,
        alerts.c.kind == kind,
        or_(
            alerts.c.state.in_(ACTIVE_STATES),
            and_(alerts.c.resolved_by.is_not(None), alerts.c.raised_at >= fire.c.episode_start),
        ),
    )
    return list(session.execute(select(fire).where(~seen)).all())


def resolve_cleared(session: Session, kind: str, ctx: Context) -> list[Row[Any]]:
    """Resolve the active alerts of ``kind`` whose condition no longer holds."""
    still = conditions.firing(kind, ctx, only_alerted=True).subquery()
    return resolve_active(session, kind=kind, at=ctx.now_param, keep=select(still.c.subject))


# The SLA steps read tens of thousands of subjects per scan; one string per group costs
# a fraction of as many rows through the driver and the result layer ("card:<id>"
# subjects hold no comma).
_SEP = ","


def _split(joined: str | None) -> set[str]:
    return set(joined.split(_SEP)) if joined else set()


def sla_levels(session: Session, ctx: Context) -> dict[int, set[str]]:
    """The card subjects in SLA scope by level (2 breach, 1 warning) on one of their
    targets: a card may breach one and be in warning on the other."""
    levels = conditions.sla_levels(ctx).subquery()
    # One pass, no grouping (a sort of every subject): NULLs are left out of each.
    stmt = select(
        *(
            func.aggregate_strings(case((levels.c.level == level, levels.c.subject)), _SEP)
            for level in (1, 2)
        )
    )
    row = session.execute(stmt).one()
    return {1: _split(row[0]), 2: _split(row[1])}


def active_subjects(session: Session, kinds: tuple[str, ...]) -> dict[str, set[str]]:
    """The subjects of the active alerts of each of ``kinds``."""
    stmt = (
        select(alerts.c.kind, func.aggregate_strings(alerts.c.subject, _SEP))
        .where(alerts.c.kind.in_(kinds), alerts.c.state.in_(ACTIVE_STATES))
        .group_by(alerts.c.kind)
    )
    found = {kind: _split(joined) for kind, joined in session.execute(stmt).all()}
    return {k: set() for k in kinds} | found
