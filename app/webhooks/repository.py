"""SQL for the relay (claiming and recording attempts) and for reading endpoints."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.core.models import table_of
from app.webhooks import rights
from app.webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.schedule import GIVE_UP_AFTER, give_up

__all__ = [
    "Outcome",
    "attempts_of",
    "claim_due",
    "delivery",
    "delivery_counts",
    "get_endpoint",
    "has_due",
    "insert_delivery",
    "list_deliveries",
    "list_endpoints",
    "record_outcomes",
    "subscriptions",
]

endpoints = table_of(WebhookEndpoint)
deliveries = table_of(WebhookDelivery)
attempts = table_of(DeliveryAttempt)

# An endpoint failing this long without a single success is disabled.
# Retry-After is honoured up to this far ahead.
MAX_RETRY_AFTER = timedelta(hours=24)
RETRYABLE = ("pending", "failed")


@dataclass(slots=True)
class Outcome:
    """What one attempt got back."""

    delivery_id: int
    endpoint_id: int
    at: datetime
    status: int | None
    latency_ms: int | None
    response: str | None
    error: str | None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _due(now: datetime) -> Any:
    return (
        select(deliveries.c.id)
        .join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
        .where(
            endpoints.c.enabled.is_(True),
            deliveries.c.state.in_(RETRYABLE),
            deliveries.c.next_attempt_at <= now,
        )
    )


def subscriptions(session: Session) -> list[tuple[int | None, list[str]]]:
    """(board_id, event_types) of every enabled endpoint."""
    rows = session.execute(
        select(endpoints.c.board_id, endpoints.c.event_types).where(endpoints.c.enabled.is_(True))
    ).all()
    return [(r.board_id, list(r.event_types)) for r in rows]


def has_due(session: Session, *, now: datetime) -> bool:
    """Is anything due? (A cheap read, so idle relays do not queue writes.)"""
    return session.execute(_due(now).limit(1)).first() is not None


def claim_due(
    session: Session, *, now: datetime, limit: int, lease_seconds: float
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due deliveries: their ``next_attempt_at`` moves a lease ahead,
    so a relay that dies mid-attempt leaves them due again, never lost. On PostgreSQL,
    SKIP LOCKED lets several relays claim side by side without waiting on each other."""
    stmt = _due(now).order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit)
    if session.connection().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=deliveries)
    ids = list(session.execute(stmt).scalars())
    if not ids:
        return []
    session.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids))
        .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
    )
    rows = session.execute(
        select(
            deliveries.c.id,
            deliveries.c.endpoint_id,
            deliveries.c.event_id,
            deliveries.c.body,
            deliveries.c.attempts,
            endpoints.c.url,
            endpoints.c.secret,
            endpoints.c.previous_secret,
            endpoints.c.previous_secret_expires_at,
            rights.RECEIVES.label("receives"),
        )
        .select_from(deliveries.join(endpoints))
        .where(deliveries.c.id.in_(ids))
        .order_by(deliveries.c.id)
    ).all()
    # Queued while the owner had the rights, due now that they do not: never sent.
    refused = [r.id for r in rows if not r.receives]
    if refused:
        session.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(refused))
            .values(state="dead", next_attempt_at=None, last_error=rights.NOT_SENT, updated_at=now)
        )
    keep = (
        *("id", "endpoint_id", "event_id", "body", "attempts", "url", "secret"),
        *("previous_secret", "previous_secret_expires_at"),
    )
    return [{k: r._mapping[k] for k in keep} for r in rows if r.receives]


def _next_try(outcome: Outcome, done: int, delays: list[float]) -> datetime | None:
    """When to try again after ``done`` attempts, or None to give up."""
    if done >= len(delays):
        return None
    wait = delays[done] * random.uniform(0.9, 1.1)  # jitter spreads a thundering herd
    if outcome.retry_after is not None:
        wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER.total_seconds()))
    return outcome.at + timedelta(seconds=wait)


def record_outcomes(session: Session, *, outcomes: list[Outcome], delays: list[float]) -> None:
    """Log each attempt and move its delivery (and endpoint) on, in one transaction."""
    # Lock the deliveries being recorded; one removed meanwhile (its endpoint deleted
    # mid-attempt) has nothing left to record, and must not fail the whole batch.
    done = dict(
        session.execute(
            select(deliveries.c.id, deliveries.c.attempts)
            .where(deliveries.c.id.in_([o.delivery_id for o in outcomes]))
            .with_for_update()
        ).all()
    )
    outcomes = [o for o in outcomes if o.delivery_id in done]
    if not outcomes:
        return
    session.execute(
        insert(attempts),
        [
            {
                "delivery_id": o.delivery_id,
                "attempted_at": o.at,
                "status_code": o.status,
                "latency_ms": o.latency_ms,
                "response_body": o.response,
                "error": o.error,
            }
            for o in outcomes
        ],
    )
    for o in outcomes:
        count = int(done.get(o.delivery_id, 0)) + 1
        values: dict[str, Any] = {
            "attempts": count,
            "last_status": o.status,
            "last_latency_ms": o.latency_ms,
            "last_response": o.response,
            "last_error": o.error,
            "updated_at": o.at,
        }
        if o.ok:
            values.update(state="succeeded", next_attempt_at=None)
        elif o.status == 410:
            values.update(state="dead", next_attempt_at=None)
        else:
            retry = _next_try(o, count, delays)
            values.update(state="failed" if retry else "dead", next_attempt_at=retry)
        session.execute(update(deliveries).where(deliveries.c.id == o.delivery_id).values(**values))
        _endpoint_health(session, o)


def _endpoint_health(session: Session, o: Outcome) -> None:
    if o.ok:
        session.execute(
            update(endpoints)
            .where(endpoints.c.id == o.endpoint_id, endpoints.c.failing_since.is_not(None))
            .values(failing_since=None)
        )
        return
    if o.status == 410:
        _disable(session, o.endpoint_id, o.at, "The endpoint answered 410 Gone.")
        return
    session.execute(
        update(endpoints)
        .where(endpoints.c.id == o.endpoint_id, endpoints.c.failing_since.is_(None))
        .values(failing_since=o.at)
    )
    since = session.execute(
        select(endpoints.c.failing_since).where(endpoints.c.id == o.endpoint_id)
    ).scalar_one_or_none()
    if since is not None and o.at - since >= GIVE_UP_AFTER:
        _disable(
            session,
            o.endpoint_id,
            o.at,
            f"Every delivery failed for {give_up()} (since {since:%Y-%m-%d %H:%M} UTC; last: "
            f"{o.error or f'HTTP {o.status}'}).",
        )


def _disable(session: Session, endpoint_id: int, at: datetime, reason: str) -> None:
    session.execute(
        update(endpoints)
        .where(endpoints.c.id == endpoint_id, endpoints.c.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason, updated_at=at)
    )


def delivery_counts(session: Session, endpoint_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per endpoint: how many deliveries are in each state."""
    stmt = (
        select(deliveries.c.endpoint_id, deliveries.c.state, func.count())
        .where(deliveries.c.endpoint_id.in_(endpoint_ids))
        .group_by(deliveries.c.endpoint_id, deliveries.c.state)
    )
    out: dict[int, dict[str, int]] = {}
    for ep, state, n in session.execute(stmt).all():
        out.setdefault(int(ep), {})[str(state)] = int(n)
    return out


# --- reading endpoints and the delivery log (the service decides who may) ---


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint by id (no rights check: see rights.py)."""
    return session.get(WebhookEndpoint, endpoint_id)


def list_endpoints(
    session: Session, *, where: Any, newest_first: bool, limit: int, offset: int
) -> tuple[list[WebhookEndpoint], int]:
    """A page of the endpoints matching ``where``, by id, and how many match."""
    order = endpoints.c.id.desc() if newest_first else endpoints.c.id
    stmt = select(WebhookEndpoint).where(where).order_by(order).limit(limit).offset(offset)
    rows = list(session.execute(stmt).scalars())
    total = session.execute(select(func.count()).select_from(endpoints).where(where)).scalar_one()
    return rows, int(total)


def insert_delivery(session: Session, row: dict[str, Any]) -> int:
    """Queue one delivery; its id."""
    stmt = insert(deliveries).returning(deliveries.c.id)
    return int(session.execute(stmt, row).scalar_one())


def delivery(session: Session, *, delivery_id: int, endpoint_id: int | None = None) -> Any:
    """One delivery row with its body (of that endpoint, when given), or None."""
    stmt = select(deliveries).where(deliveries.c.id == delivery_id)
    if endpoint_id is not None:
        stmt = stmt.where(deliveries.c.endpoint_id == endpoint_id)
    return session.execute(stmt).first()


def list_deliveries(
    session: Session, *, endpoint_id: int, state: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of an endpoint's deliveries, newest first, without bodies; and the total."""
    where = [deliveries.c.endpoint_id == endpoint_id]
    if state is not None:
        where.append(deliveries.c.state == state)
    cols = [c for c in deliveries.c if c.name != "body"]
    rows = session.execute(
        select(*cols).where(*where).order_by(deliveries.c.id.desc()).limit(limit).offset(offset)
    ).all()
    total = session.execute(select(func.count()).select_from(deliveries).where(*where)).scalar_one()
    return [dict(r._mapping) for r in rows], int(total)


def attempts_of(session: Session, *, delivery_id: int) -> list[dict[str, Any]]:
    """Every attempt of a delivery, oldest first."""
    stmt = select(attempts).where(attempts.c.delivery_id == delivery_id).order_by(attempts.c.id)
    return [dict(a._mapping) for a in session.execute(stmt).all()]
