"""What each alert kind means, as one set-based SELECT per kind.

Every builder returns the subjects for which the condition holds *now*, with the same
labelled columns, so the scan can raise alerts for new ones and resolve the alerts whose
subject dropped out, without a Python loop over cards. Time arithmetic is the only
dialect-specific part (:func:`seconds_between`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.sql import ColumnElement, Select

from app.alerts.models import ACTIVE_STATES, Alert, SlaPolicy
from app.board.models import Board, BoardColumn, Card, CardStay
from app.core.models import UTCDateTime, table_of
from app.swarm.models import Swarm, SwarmMember

__all__ = ["Context", "firing", "seconds_between"]

alerts = table_of(Alert)
policies = table_of(SlaPolicy)
boards = table_of(Board)
columns = table_of(BoardColumn)
cards = table_of(Card)
stays = table_of(CardStay)
swarms = table_of(Swarm)
members = table_of(SwarmMember)

# An SLA warning fires at this share of the target.
WARN_AT = 0.8


@dataclass(slots=True)
class Context:
    """What one scan evaluates against: the time, the dialect and the learned thresholds."""

    now: datetime
    dialect: str
    interval_seconds: float
    # column id -> 85th percentile of historical time in that column, in seconds
    p85: dict[int, float] = field(default_factory=dict)

    @property
    def now_param(self) -> Any:
        return bindparam("scan_now", self.now, type_=UTCDateTime())


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
    return (literal(prefix) + cast(key, String)).in_(
        select(alerts.c.subject).where(alerts.c.kind == kind, alerts.c.state.in_(ACTIVE_STATES))
    )


def _stalled(ctx: Context, only_alerted: bool) -> Select[Any]:
    p85: Any = (
        case({cid: value for cid, value in ctx.p85.items()}, value=cards.c.column_id)
        if ctx.p85
        else cast(null(), Float)
    )
    threshold = func.coalesce(cast(columns.c.stall_after_seconds, Float), p85)
    age = seconds_between(ctx.now_param, cards.c.column_entered_at, ctx.dialect)
    stmt = (
        select(
            *_shape(
                board_id=cards.c.board_id,
                subject=_card_subject(),
                card_id=cards.c.id,
                column_id=cards.c.column_id,
                episode_start=cards.c.column_entered_at,
                threshold=threshold,
                measured=age,
            )
        )
        .join(columns, columns.c.id == cards.c.column_id)
        .where(columns.c.stage == "active", threshold.is_not(None), age > threshold)
    )
    return stmt.where(_alerted("stalled", cards.c.id, "card:")) if only_alerted else stmt


def _blocked(ctx: Context, only_alerted: bool) -> Select[Any]:
    age = seconds_between(ctx.now_param, cards.c.blocked_since, ctx.dialect)
    stmt = (
        select(
            *_shape(
                board_id=cards.c.board_id,
                subject=_card_subject(),
                card_id=cards.c.id,
                column_id=cards.c.column_id,
                episode_start=cards.c.blocked_since,
                threshold=boards.c.blocked_alert_seconds,
                measured=age,
            )
        )
        .join(boards, boards.c.id == cards.c.board_id)
        .join(columns, columns.c.id == cards.c.column_id)
        .where(
            cards.c.blocked.is_(True),
            cards.c.blocked_since.is_not(None),
            columns.c.stage != "done",
            boards.c.blocked_alert_seconds.is_not(None),
            age > boards.c.blocked_alert_seconds,
        )
    )
    return stmt.where(_alerted("blocked", cards.c.id, "card:")) if only_alerted else stmt


def _swarm_unanswered(ctx: Context, only_alerted: bool) -> Select[Any]:
    age = seconds_between(ctx.now_param, swarms.c.requested_at, ctx.dialect)
    answered = exists().where(members.c.swarm_id == swarms.c.id, members.c.left_at.is_(None))
    stmt = (
        select(
            *_shape(
                board_id=swarms.c.board_id,
                subject=literal("card:") + cast(swarms.c.card_id, String),
                card_id=swarms.c.card_id,
                column_id=cards.c.column_id,
                episode_start=swarms.c.requested_at,
                threshold=boards.c.swarm_answer_seconds,
                measured=age,
            )
        )
        .join(boards, boards.c.id == swarms.c.board_id)
        .join(cards, cards.c.id == swarms.c.card_id)
        .where(
            swarms.c.state == "open",
            boards.c.swarm_answer_seconds.is_not(None),
            age > boards.c.swarm_answer_seconds,
            ~answered,
        )
    )
    if only_alerted:
        stmt = stmt.where(_alerted("swarm_unanswered", swarms.c.card_id, "card:"))
    return stmt


def column_fill() -> ColumnElement[Any]:
    return (
        select(func.count())
        .where(cards.c.column_id == columns.c.id)
        .correlate(columns)
        .scalar_subquery()
    )


def over_soft_limit() -> ColumnElement[bool]:
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
        over_soft_limit(),
        age >= ctx.interval_seconds,
    )
    return stmt.where(_alerted("wip_breach", columns.c.id, "column:")) if only_alerted else stmt


def _policy_for_card() -> ColumnElement[Any]:
    """The most specific SLA policy matching the card (product, channel, priority)."""
    specificity = (
        case((policies.c.product.is_not(None), 1), else_=0)
        + case((policies.c.channel.is_not(None), 1), else_=0)
        + case((policies.c.priority.is_not(None), 1), else_=0)
    )
    return (
        select(policies.c.id)
        .where(
            policies.c.board_id == cards.c.board_id,
            or_(policies.c.product.is_(None), policies.c.product == cards.c.product),
            or_(policies.c.channel.is_(None), policies.c.channel == cards.c.channel),
            or_(policies.c.priority.is_(None), policies.c.priority == cards.c.priority),
        )
        .order_by(specificity.desc(), policies.c.id)
        .limit(1)
        .correlate(cards)
        .scalar_subquery()
    )


def _sla(ctx: Context, kind: str, only_alerted: bool) -> Select[Any]:
    now = ctx.now_param
    waiting_col = select(columns.c.id).where(columns.c.waits_on_customer.is_(True))
    paused = (
        select(
            func.coalesce(
                func.sum(
                    seconds_between(
                        func.coalesce(stays.c.left_at, now), stays.c.entered_at, ctx.dialect
                    )
                ),
                0.0,
            )
        )
        .where(stays.c.card_id == cards.c.id, stays.c.column_id.in_(waiting_col))
        .correlate(cards)
        .scalar_subquery()
    )
    responded = exists().where(
        stays.c.card_id == cards.c.id,
        stays.c.column_id.in_(select(columns.c.id).where(columns.c.stage == "active")),
    )
    matched = (
        select(cards.c.id.label("card_id"), _policy_for_card().label("policy_id"))
        .join(columns, columns.c.id == cards.c.column_id)
        .where(columns.c.stage != "done")
    )
    if only_alerted:
        matched = matched.where(_alerted(kind, cards.c.id, "card:"))
    cp = matched.subquery()
    elapsed = seconds_between(now, cards.c.created_at, ctx.dialect) - paused
    parts = []
    for target, target_col in (("frt", policies.c.frt_seconds), ("ttr", policies.c.ttr_seconds)):
        hit = (
            elapsed >= target_col
            if kind == "sla_breach"
            else and_(elapsed >= target_col * WARN_AT, elapsed < target_col)
        )
        stmt = (
            select(
                *_shape(
                    board_id=cards.c.board_id,
                    subject=_card_subject(),
                    card_id=cards.c.id,
                    column_id=cards.c.column_id,
                    episode_start=cards.c.created_at,
                    threshold=target_col,
                    measured=elapsed,
                    target=target,
                    policy_id=policies.c.id,
                )
            )
            .select_from(cp)
            .join(cards, cards.c.id == cp.c.card_id)
            .join(policies, policies.c.id == cp.c.policy_id)
            .where(target_col.is_not(None), hit)
        )
        if target == "frt":
            stmt = stmt.where(~responded)
        parts.append(stmt)
    return parts[0].union_all(parts[1])  # type: ignore[return-value]


def firing(kind: str, ctx: Context, *, only_alerted: bool = False) -> Select[Any]:
    """The subjects for which ``kind`` holds at ``ctx.now``."""
    if kind == "stalled":
        return _stalled(ctx, only_alerted)
    if kind == "blocked":
        return _blocked(ctx, only_alerted)
    if kind == "swarm_unanswered":
        return _swarm_unanswered(ctx, only_alerted)
    if kind == "wip_breach":
        return _wip_breach(ctx, only_alerted)
    return _sla(ctx, kind, only_alerted)
