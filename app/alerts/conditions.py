"""What each alert kind means, as one set-based SELECT per kind.

Every builder returns the subjects for which the condition holds *now*, with the same
labelled columns, so the scan can raise alerts for new ones and resolve the alerts whose
subject dropped out, without a Python loop over cards. Time arithmetic is the only
dialect-specific part (:func:`seconds_between`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.sql import ColumnElement, Select

from app.alerts.models import ACTIVE_STATES, Alert, SlaPolicy
from app.board.models import Board, BoardColumn, Card, CardStay
from app.core.models import UTCDateTime, table_of

# A named exception to "features are independent" (alerts -> swarm): the
# swarm_unanswered kind is a condition on swarms (open, nobody in it, older than the
# board's limit), evaluated set-based inside the scan's one statement per kind; neither
# the board's tables nor an event read can say who is in a swarm now.
from app.swarm.models import Swarm, SwarmMember

__all__ = ["SLA_KINDS", "Context", "cutoffs", "firing", "seconds_between", "sla_levels"]

alerts = table_of(Alert)
policies = table_of(SlaPolicy)
boards = table_of(Board)
columns = table_of(BoardColumn)
cards = table_of(Card)
stays = table_of(CardStay)
swarms = table_of(Swarm)
members = table_of(SwarmMember)

# The kinds measured against the cards' SLA policies.
SLA_KINDS = ("sla_warning", "sla_breach")
# An SLA warning fires at this share of the target.
WARN_AT = 0.8
# Archived cards have left the board: no alert is about them, and no column counts them.
_live = cards.c.archived_at.is_(None)


# Per-scan thresholds, as absolute cut-off times per column, board or SLA policy: the
# scan fills this temporary table first, so each condition is a range join on an index
# instead of date arithmetic on every card.
cutoffs = Table(
    "alert_scan_cutoffs",
    MetaData(),  # not the app's metadata: never migrated, private to the connection
    Column("kind", String(10), nullable=False),
    Column("key", Integer, nullable=False),
    Column("cutoff", UTCDateTime(), nullable=False),
    Column("threshold", Float, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)


@dataclass(slots=True)
class Context:
    """What one scan evaluates against: the time, the dialect and the learned thresholds."""

    now: datetime
    dialect: str
    interval_seconds: float
    # column id -> 85th percentile of historical time in that column, in seconds
    p85: dict[int, float] = field(default_factory=dict)
    # The latest "blocked since" cut-off of any board (set when the cut-offs are filled).
    blocked_bound: datetime | None = None
    # The soft-limited columns over their limit, counted once per scan (None: count in
    # each statement). Counting a column's cards is most of the WIP kind's cost.
    over_limit: list[int] | None = None
    # The scan's events, appended together at its end: appending takes each board's
    # sequence lock, which every write to that board then waits on until the commit.
    announced: list[tuple[int, str, Any, dict[str, Any]]] = field(default_factory=list)

    @property
    def now_param(self) -> Any:
        return bindparam("scan_now", self.now, type_=UTCDateTime())


def _cut(kind: str) -> Any:
    return cutoffs.alias(f"cut_{kind}")


def seconds_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """``later - earlier`` in seconds, on either database."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def _card_subject() -> ColumnElement[Any]:
    return literal("card:") + cast(cards.c.id, String)


def _shape(
    *,
    board_id: Any,
    subject: Any,
    card_id: Any,
    column_id: Any,
    episode_start: Any,
    threshold: Any,
    measured: Any,
    target: Any = None,
    policy_id: Any = None,
) -> list[Any]:
    return [
        board_id.label("board_id"),
        subject.label("subject"),
        card_id.label("card_id"),
        column_id.label("column_id"),
        episode_start.label("episode_start"),
        cast(threshold, Float).label("threshold"),
        cast(measured, Float).label("measured"),
        (cast(literal(target), String) if target else cast(null(), String)).label("target"),
        (policy_id if policy_id is not None else cast(null(), Integer)).label("policy_id"),
    ]


def _alerted(kind: str, key: Any, prefix: str) -> ColumnElement[bool]:
    """Restrict to subjects that have an active alert of ``kind`` (for resolving)."""
    return _active(kind, literal(prefix) + cast(key, String))


def _active(kind: str, subject: Any) -> ColumnElement[bool]:
    """An active alert of ``kind`` exists for ``subject``: exactly the partial unique
    index's key and predicate, so each probe is one index lookup whatever the planner's
    statistics say (stale statistics right after a burst of alerts made PostgreSQL pick
    a nested loop over every active alert)."""
    return exists().where(
        alerts.c.subject == subject,
        alerts.c.kind == kind,
        alerts.c.state.in_(ACTIVE_STATES),
    )


def _stalled(ctx: Context, only_alerted: bool) -> Select[Any]:
    cut = _cut("stall")
    stmt = (
        select(
            *_shape(
                board_id=cards.c.board_id,
                subject=_card_subject(),
                card_id=cards.c.id,
                column_id=cards.c.column_id,
                episode_start=cards.c.column_entered_at,
                threshold=cut.c.threshold,
                measured=seconds_between(ctx.now_param, cards.c.column_entered_at, ctx.dialect),
            )
        )
        .select_from(cut)
        .join(
            cards,
            and_(cards.c.column_id == cut.c.key, cards.c.column_entered_at < cut.c.cutoff),
        )
        .where(cut.c.kind == "stall", _live)
    )
    return stmt.where(_alerted("stalled", cards.c.id, "card:")) if only_alerted else stmt


def _blocked(ctx: Context, only_alerted: bool) -> Select[Any]:
    cut = _cut("blocked")
    stmt = (
        select(
            *_shape(
                board_id=cards.c.board_id,
                subject=_card_subject(),
                card_id=cards.c.id,
                column_id=cards.c.column_id,
                episode_start=cards.c.blocked_since,
                threshold=cut.c.threshold,
                measured=seconds_between(ctx.now_param, cards.c.blocked_since, ctx.dialect),
            )
        )
        .select_from(cards)
        # "+ 0" keeps SQLite off the board_id index: walking the few blocked cards by
        # blocked_since beats walking every card of the board.
        .join(cut, and_(cut.c.kind == "blocked", cut.c.key == cards.c.board_id + 0))
        .join(columns, columns.c.id == cards.c.column_id)
        .where(
            cards.c.blocked_since.is_not(None),
            cards.c.blocked_since < cut.c.cutoff,
            # The latest of all boards' cut-offs bounds an index range scan.
            cards.c.blocked_since < bindparam("blocked_bound", ctx.blocked_bound, UTCDateTime()),
            cards.c.blocked.is_(True),
            columns.c.stage != "done",
            _live,
        )
    )
    return stmt.where(_alerted("blocked", cards.c.id, "card:")) if only_alerted else stmt


def _swarm_unanswered(ctx: Context, only_alerted: bool) -> Select[Any]:
    cut = _cut("swarm")
    answered = exists().where(members.c.swarm_id == swarms.c.id, members.c.left_at.is_(None))
    stmt = (
        select(
            *_shape(
                board_id=swarms.c.board_id,
                subject=literal("card:") + cast(swarms.c.card_id, String),
                card_id=swarms.c.card_id,
                column_id=cards.c.column_id,
                episode_start=swarms.c.requested_at,
                threshold=cut.c.threshold,
                measured=seconds_between(ctx.now_param, swarms.c.requested_at, ctx.dialect),
            )
        )
        .select_from(swarms)
        .join(cut, and_(cut.c.kind == "swarm", cut.c.key == swarms.c.board_id))
        .join(cards, cards.c.id == swarms.c.card_id)
        .join(columns, columns.c.id == cards.c.column_id)
        .where(
            swarms.c.state == "open",
            swarms.c.requested_at < cut.c.cutoff,
            columns.c.stage != "done",  # a finished card needs no helpers any more
            _live,
            ~answered,
        )
    )
    if only_alerted:
        stmt = stmt.where(_alerted("swarm_unanswered", swarms.c.card_id, "card:"))
    return stmt


def column_fill() -> ColumnElement[Any]:
    return (
        select(func.count())
        .where(cards.c.column_id == columns.c.id, _live)
        .correlate(columns)
        .scalar_subquery()
    )


def over_soft_limit(ctx: Context | None = None) -> ColumnElement[bool]:
    """The column is soft-limited and holds more live cards than its limit."""
    if ctx is not None and ctx.over_limit is not None:
        return columns.c.id.in_(ctx.over_limit)
    return and_(
        columns.c.wip_policy == "soft",
        columns.c.wip_limit.is_not(None),
        column_fill() > columns.c.wip_limit,
    )


def _wip_breach(ctx: Context, only_alerted: bool) -> Select[Any]:
    age = seconds_between(ctx.now_param, columns.c.over_limit_since, ctx.dialect)
    stmt = select(
        *_shape(
            board_id=columns.c.board_id,
            subject=literal("column:") + cast(columns.c.id, String),
            card_id=cast(null(), Integer),
            column_id=columns.c.id,
            episode_start=columns.c.over_limit_since,
            threshold=literal(ctx.interval_seconds),
            measured=age,
        )
    ).where(
        columns.c.over_limit_since.is_not(None),
        over_soft_limit(ctx),
        # A timestamp comparison, not ``age >= interval``: SQLite's julianday arithmetic
        # makes exactly one interval 29.999998 s, which would hold the alert back a scan.
        columns.c.over_limit_since
        <= bindparam(
            "wip_cutoff",
            # Up to half a second early: the scheduler's own jitter must not push the
            # alert back a whole interval.
            ctx.now - timedelta(seconds=ctx.interval_seconds - min(0.5, ctx.interval_seconds / 10)),
            type_=UTCDateTime(),
        ),
    )
    return stmt.where(_alerted("wip_breach", columns.c.id, "column:")) if only_alerted else stmt


def _elapsed(ctx: Context) -> ColumnElement[Any]:
    """The card's business clock in seconds: its age minus the time it spent waiting on
    the customer (``waiting_seconds`` for finished waits, plus the current stay when its
    column waits)."""
    now = ctx.now_param
    # Membership in the (few) waiting columns rather than a join per card: a hashed
    # lookup on PostgreSQL, an index built once per statement on SQLite.
    waiting = select(columns.c.id).where(columns.c.waits_on_customer.is_(True))
    current_wait = case(
        (
            cards.c.column_id.in_(waiting),
            seconds_between(now, cards.c.column_entered_at, ctx.dialect),
        ),
        else_=0.0,
    )
    return (
        seconds_between(now, cards.c.created_at, ctx.dialect)
        - cards.c.waiting_seconds
        - current_wait
    )


def _sla_scope(stmt: Select[Any], cut: Any, target: str) -> Select[Any]:
    """The unfinished cards whose policy has a ``target`` and that are old enough (raw
    age past the cut-off table's warning share: waiting only slows the clock)."""
    # NOT IN the (few) done columns rather than a join per card: PostgreSQL turns a
    # join or an IN into a nested loop of primary-key probes (the cut-off table has no
    # statistics), but checks NOT IN against a hashed list; SQLite builds it once.
    done = select(columns.c.id).where(columns.c.stage == "done")
    stmt = (
        stmt.select_from(cut)
        .join(
            cards,
            and_(cards.c.sla_policy_id == cut.c.key, cards.c.created_at <= cut.c.cutoff),
        )
        .where(cut.c.kind == target, cards.c.column_id.not_in(done), _live)
    )
    if target == "frt":  # FRT ends at the first response
        stmt = stmt.where(cards.c.first_response_at.is_(None))
    return stmt


def _sla(
    ctx: Context, kind: str, only_alerted: bool, card_ids: list[int] | None = None
) -> Select[Any]:
    """Cards past 80% (warning) or 100% (breach) of their policy's FRT or TTR target
    (only those of ``card_ids`` when given)."""
    elapsed = _elapsed(ctx)
    parts = []
    for target in ("frt", "ttr"):
        cut = _cut(target)
        hit = (
            elapsed >= cut.c.threshold
            if kind == "sla_breach"
            else and_(elapsed >= cut.c.threshold * WARN_AT, elapsed < cut.c.threshold)
        )
        shaped = select(
            *_shape(
                board_id=cards.c.board_id,
                subject=_card_subject(),
                card_id=cards.c.id,
                column_id=cards.c.column_id,
                episode_start=cards.c.created_at,
                threshold=cut.c.threshold,
                measured=elapsed,
                target=target,
                policy_id=cards.c.sla_policy_id,
            )
        )
        stmt = _sla_scope(shaped, cut, target)
        if card_ids is not None:
            stmt = stmt.where(cards.c.id.in_(card_ids))
        if only_alerted:
            stmt = stmt.where(_alerted(kind, cards.c.id, "card:"))
        else:  # cheap index probes first: most old cards already have their alert
            stmt = stmt.where(~_active_alert(kind))
            if kind == "sla_warning":  # a card in breach is past warning
                stmt = stmt.where(~_active_alert("sla_breach"))
        parts.append(stmt.where(hit))
    return parts[0].union_all(parts[1])  # type: ignore[return-value]


def sla_levels(ctx: Context) -> Select[Any]:
    """(subject, level) per card and target in SLA scope: level 2 where the breach
    condition holds, 1 where the warning one does, else 0 (the same comparisons as
    :func:`firing`), without looking at alerts: one pass over the cards serves all
    four SLA steps of a scan."""
    elapsed = _elapsed(ctx)
    parts = []
    for target in ("frt", "ttr"):
        cut = _cut(target)
        level = case(
            (elapsed >= cut.c.threshold, 2),
            (elapsed >= cut.c.threshold * WARN_AT, 1),
            else_=0,
        )
        shaped = select(_card_subject().label("subject"), level.label("level"))
        parts.append(_sla_scope(shaped, cut, target))
    return parts[0].union_all(parts[1])  # type: ignore[return-value]


def _active_alert(kind: str) -> ColumnElement[bool]:
    return _active(kind, _card_subject())


def firing(
    kind: str, ctx: Context, *, only_alerted: bool = False, card_ids: list[int] | None = None
) -> Select[Any]:
    """The subjects for which ``kind`` holds at ``ctx.now`` (``card_ids``: only those
    cards, for the SLA kinds)."""
    if kind == "stalled":
        return _stalled(ctx, only_alerted)
    if kind == "blocked":
        return _blocked(ctx, only_alerted)
    if kind == "swarm_unanswered":
        return _swarm_unanswered(ctx, only_alerted)
    if kind == "wip_breach":
        return _wip_breach(ctx, only_alerted)
    return _sla(ctx, kind, only_alerted, card_ids)
