"""Alerts as people handle them (list, acknowledge, resolve) and the SLA policies the
scan measures cards against."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.alerts import repository, sla
from app.alerts.exceptions import AlertNotFound, AlertNotOpen, SlaPolicyNotFound
from app.alerts.models import ACTIVE_STATES, DIRECT_KINDS, Alert, SlaPolicy
from app.alerts.schemas import (
    ActiveAlert,
    AlertPage,
    AlertPublic,
    SlaPolicyCreate,
    SlaPolicyPublic,
    SlaPolicyUpdate,
)
from app.auth.service import Principal
from app.board.access import MANAGE, WORK, board_role, require_role
from app.board.exceptions import BoardNotFound
from app.board.service import actor_ref
from app.core.errors import ValidationFailed
from app.core.models import iso, utcnow
from app.events import service as events
from app.events.service import ActorRef

__all__ = [
    "acknowledge",
    "active_alerts",
    "clear_for_card",
    "create_policy",
    "create_preset_policies",
    "delete_policy",
    "list_alerts",
    "list_policies",
    "raise_for_card",
    "resolve",
    "resolve_for_card",
    "update_policy",
]


def _row(alert: Any, title: str | None = None) -> AlertPublic:
    """An alert (a model or a row) as the API shows it."""
    return AlertPublic(
        id=alert.id,
        board_id=alert.board_id,
        card_id=alert.card_id,
        card_title=title,
        column_id=alert.column_id,
        kind=alert.kind,
        state=alert.state,
        raised_at=alert.raised_at,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        resolved_at=alert.resolved_at,
        resolved_by=alert.resolved_by,
        data=alert.data,
    )


def list_alerts(
    session: Session, *, actor: Principal, board_id: int, state: str, limit: int, offset: int
) -> AlertPage:
    """The board's alerts, newest first; ``state=active`` means open or acknowledged."""
    board_role(session, actor=actor, board_id=board_id)
    states = ACTIVE_STATES if state == "active" else (state,)
    rows, total = repository.list_alerts(
        session, board_id=board_id, states=states, limit=limit, offset=offset
    )
    return AlertPage(
        alerts=[_row(r, r.card_title) for r in rows], total=total, limit=limit, offset=offset
    )


def active_alerts(session: Session, *, board_id: int) -> list[ActiveAlert]:
    """The board's open and acknowledged alerts, oldest first (no access check: for
    callers that already checked the board)."""
    return [
        ActiveAlert(id=a.id, card_id=a.card_id, column_id=a.column_id, kind=a.kind, state=a.state)
        for a in repository.active_on_board(session, board_id)
    ]


def _alert(session: Session, *, actor: Principal, alert_id: int) -> Alert:
    alert = repository.lock_alert(session, alert_id)
    if alert is None:
        raise AlertNotFound(f"Alert {alert_id} does not exist or you are not on its board.")
    try:
        role = board_role(session, actor=actor, board_id=alert.board_id)
    except BoardNotFound as exc:
        raise AlertNotFound(
            f"Alert {alert_id} does not exist or you are not on its board."
        ) from exc
    require_role(role, WORK, "handle alerts")
    return alert


def _emit(session: Session, alert: Alert, actor: Principal, type_: str, **data: Any) -> None:
    events.append(
        session,
        board_id=alert.board_id,
        type=type_,
        actor=actor_ref(actor),
        data={
            "alert_id": alert.id,
            "kind": alert.kind,
            "card_id": alert.card_id,
            "column_id": alert.column_id,
            **data,
        },
    )


def acknowledge(session: Session, *, actor: Principal, alert_id: int) -> AlertPublic:
    """Say "I'm on it": the alert stays until its condition clears or it is resolved."""
    alert = _alert(session, actor=actor, alert_id=alert_id)
    if alert.state != "open":
        raise AlertNotOpen(f"Alert {alert_id} is already {alert.state}.", state=alert.state)
    alert.state, alert.acknowledged_by, alert.acknowledged_at = "acknowledged", actor.id, utcnow()
    session.flush()
    _emit(session, alert, actor, "alert.acknowledged", by=actor.id, at=iso(alert.acknowledged_at))
    return _row(alert)


def resolve(session: Session, *, actor: Principal, alert_id: int) -> AlertPublic:
    """Resolve by hand; the scan will not raise it again for the same episode."""
    alert = _alert(session, actor=actor, alert_id=alert_id)
    if alert.state not in ACTIVE_STATES:
        raise AlertNotOpen(f"Alert {alert_id} is already resolved.", state=alert.state)
    alert.state, alert.resolved_by, alert.resolved_at = "resolved", actor.id, utcnow()
    session.flush()
    _emit(session, alert, actor, "alert.resolved", reason="manual", by=actor.id)
    return _row(alert)


def raise_for_card(
    session: Session, *, board_id: int, card_id: int, kind: str, data: dict[str, Any]
) -> AlertPublic | None:
    """Raise a card alert of a directly raised kind, unless one is already active.

    The same insert as the scan's (ON CONFLICT DO NOTHING on the partial unique index of
    active alerts), so neither a race nor a repeat makes a second one; returns the new
    alert, or None when one was already open or acknowledged.
    """
    if kind not in DIRECT_KINDS:
        raise ValueError(f"{kind!r} is raised by the scan, not directly")
    now = utcnow()
    alert = repository.insert_alert(
        session,
        {
            "board_id": board_id,
            "subject": f"card:{card_id}",
            "card_id": card_id,
            "column_id": None,
            "kind": kind,
            "state": "open",
            "raised_at": now,
            "data": data,
        },
    )
    if alert is None:
        return None
    events.append(
        session,
        board_id=board_id,
        type="alert.raised",
        actor=events.SYSTEM,
        data={
            "alert_id": alert.id,
            "kind": kind,
            "card_id": card_id,
            "column_id": None,
            "raised_at": iso(now),
            **data,
        },
    )
    return _row(alert)


def clear_for_card(session: Session, *, card_id: int, kind: str) -> None:
    """Resolve a card's active alert of a directly raised kind whose cause is gone."""
    if kind not in DIRECT_KINDS:
        raise ValueError(f"{kind!r} is cleared by the scan, not directly")
    cleared = repository.resolve_active(session, kind=kind, at=utcnow(), subject=f"card:{card_id}")
    _announce_resolved(session, cleared, card_id=card_id, reason="cleared")


def resolve_for_card(session: Session, *, card_id: int, reason: str) -> None:
    """Resolve every active alert about a card, whatever its kind (the card has gone).

    Not "by" anyone: should the card come back, the scan may raise what still holds."""
    resolved = repository.resolve_card(session, card_id=card_id, at=utcnow())
    _announce_resolved(session, resolved, card_id=card_id, reason=reason)


def _announce_resolved(session: Session, alerts: Any, *, card_id: int, reason: str) -> None:
    """One ``alert.resolved`` per alert the system resolved on a card (one insert)."""
    events.append_many(
        session,
        [
            (
                a.board_id,
                "alert.resolved",
                events.SYSTEM,
                {
                    "alert_id": a.id,
                    "kind": a.kind,
                    "card_id": card_id,
                    "column_id": a.column_id,
                    "reason": reason,
                },
            )
            for a in alerts
        ],
    )


def list_policies(session: Session, *, actor: Principal, board_id: int) -> list[SlaPolicyPublic]:
    """The board's SLA policies, oldest first."""
    board_role(session, actor=actor, board_id=board_id)
    rows = repository.list_policies(session, board_id=board_id)
    return [SlaPolicyPublic.model_validate(dict(r._mapping)) for r in rows]


def create_policy(
    session: Session, *, actor: Principal, board_id: int, data: SlaPolicyCreate
) -> SlaPolicy:
    """Add an SLA policy (leads and admins)."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "set SLAs")
    policy = _add_policy(session, board_id=board_id, actor=actor_ref(actor), data=data)
    sla.assign_policies(session, board_id=board_id)
    return policy


def _add_policy(
    session: Session, *, board_id: int, actor: ActorRef, data: SlaPolicyCreate
) -> SlaPolicy:
    policy = SlaPolicy(board_id=board_id, **data.model_dump())
    session.add(policy)
    session.flush()
    events.append(
        session,
        board_id=board_id,
        type="sla_policy.created",
        actor=actor,
        data={"policy_id": policy.id, **data.model_dump()},
    )
    return policy


def create_preset_policies(
    session: Session, *, board_id: int, actor: ActorRef, policies: list[dict[str, Any]]
) -> None:
    """A new board's preset policies (app/board/presets.py), in its creating transaction."""
    for fields in policies:
        _add_policy(
            session, board_id=board_id, actor=actor, data=SlaPolicyCreate.model_validate(fields)
        )


def delete_policy(session: Session, *, actor: Principal, board_id: int, policy_id: int) -> None:
    """Delete an SLA policy (leads and admins); its cards fall back to the next best match."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "set SLAs")
    policy = repository.get_policy(session, policy_id)
    if policy is None or policy.board_id != board_id:
        raise SlaPolicyNotFound(f"Board {board_id} has no SLA policy {policy_id}.")
    name = policy.name
    session.delete(policy)
    session.flush()
    sla.assign_policies(session, board_id=board_id)
    events.append(
        session,
        board_id=board_id,
        type="sla_policy.deleted",
        actor=actor_ref(actor),
        data={"policy_id": policy_id, "name": name},
    )


def update_policy(
    session: Session, *, actor: Principal, board_id: int, policy_id: int, data: SlaPolicyUpdate
) -> SlaPolicy:
    """Change an SLA policy (leads and admins); only the fields sent change."""
    require_role(board_role(session, actor=actor, board_id=board_id), MANAGE, "set SLAs")
    policy = repository.get_policy(session, policy_id)
    if policy is None or policy.board_id != board_id:
        raise SlaPolicyNotFound(f"Board {board_id} has no SLA policy {policy_id}.")
    changes = data.model_dump(include=data.model_fields_set)
    if changes.get("name", "") is None:
        del changes["name"]
    after = {**policy.model_dump(), **changes}
    if after["frt_seconds"] is None and after["ttr_seconds"] is None:
        raise ValidationFailed(
            "A policy needs an FRT or a TTR target.",
            errors=[{"field": "frt_seconds", "in": "body", "message": "both targets are null"}],
        )
    for key, value in changes.items():
        setattr(policy, key, value)
    session.flush()
    if sla.MATCH_FIELDS.intersection(changes):
        sla.assign_policies(session, board_id=board_id)
    events.append(
        session,
        board_id=board_id,
        type="sla_policy.updated",
        actor=actor_ref(actor),
        data={"policy_id": policy.id, "changes": changes},
    )
    return policy
