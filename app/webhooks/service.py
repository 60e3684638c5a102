"""Webhook endpoints (who may subscribe to what), rotation, ping, the delivery log and
redelivery. The relay (``relay.py``) does the sending."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.auth.exceptions import NotAllowed
from app.auth.service import Principal
from app.board import access
from app.board import service as board_service
from app.core.ids import event_id
from app.core.models import iso, utcnow
from app.events import types as event_types
from app.webhooks import outbox, repository, rights, signing
from app.webhooks.exceptions import DeliveryNotFound, EndpointNotFound, UnknownEventType
from app.webhooks.models import WebhookEndpoint
from app.webhooks.schemas import EndpointCreate, EndpointUpdate

__all__ = [
    "create_endpoint",
    "delete_endpoint",
    "get_delivery",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "may_use_webhooks",
    "ping",
    "redeliver",
    "rotate_secret",
    "update_endpoint",
]

# After a rotation the old secret keeps signing (a second signature) this long.
ROTATION_OVERLAP = timedelta(hours=24)


def may_use_webhooks(session: Session, *, actor: Principal) -> bool:
    """Admins and leads, and anyone who may manage some board now. Owning an endpoint is
    not enough: one whose owner no longer leads its board is not theirs (rights.py)."""
    if access.may_manage(actor.role):
        return True
    return bool(board_service.managed_boards(session, actor=actor, limit=1))


def _may_subscribe(session: Session, actor: Principal, board_id: int | None) -> None:
    if board_id is None:
        if actor.is_admin:
            return
        raise NotAllowed("Only an admin may subscribe to every board; give a board_id.")
    # 404 for a board that does not exist (an admin's too: not a foreign-key 409).
    if not access.may_manage(access.board_role(session, actor=actor, board_id=board_id)):
        raise NotAllowed("Only leads and admins may subscribe to a board's events.")


def _known_types(patterns: list[str] | None) -> None:
    """422 for a subscription to an event type that does not exist (it would never fire)."""
    bad = event_types.unknown(patterns or [])
    if not bad:
        return
    message = (
        f"No such event type: {', '.join(bad)}. Use one of "
        f"{', '.join(event_types.EVENT_TYPES)}; a prefix such as card.*; or *."
    )
    raise UnknownEventType(
        message,
        errors=[{"field": "event_types", "in": "body", "message": message}],
        valid_event_types=list(event_types.subscribable()),
    )


def _public(session: Session, ep: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    out = ep.model_dump(exclude={"secret", "previous_secret"})
    assert ep.id is not None
    out["deliveries"] = repository.delivery_counts(session, [ep.id]).get(ep.id, {})
    if secret:
        out["secret"] = ep.secret
    return out


def _endpoint(session: Session, *, actor: Principal, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, if the caller may manage it now: an admin, or its owner while they
    still lead its board (403 once they do not: rights.py)."""
    ep = repository.get_endpoint(session, endpoint_id)
    if ep is None or not (actor.is_admin or ep.owner_id == actor.id):
        raise EndpointNotFound(f"Webhook {endpoint_id} does not exist or is not yours.")
    if not rights.may_manage(session, actor=actor, board_id=ep.board_id):
        where = "every board" if ep.board_id is None else f"board {ep.board_id}"
        raise NotAllowed(
            f"Webhook {endpoint_id} sends {where}'s events, which only its leads and admins "
            "may manage; you no longer may. An admin can remove it."
        )
    return ep


def create_endpoint(session: Session, *, actor: Principal, data: EndpointCreate) -> dict[str, Any]:
    """Subscribe a URL; the response carries its signing secret, shown only this once."""
    _may_subscribe(session, actor, data.board_id)
    _known_types(data.event_types)
    ep = WebhookEndpoint(owner_id=actor.id, secret=signing.new_secret(), **data.model_dump())
    session.add(ep)
    session.flush()
    return _public(session, ep, secret=True)


def list_endpoints(
    session: Session, *, actor: Principal, limit: int, offset: int, newest_first: bool = False
) -> dict[str, Any]:
    """Your endpoints that you may still manage (every endpoint, for an admin), oldest
    first unless asked."""
    # Only those they may still manage (rights.py): an old board's stay hidden.
    rows, total = repository.list_endpoints(
        session,
        where=rights.manages(actor),
        newest_first=newest_first,
        limit=limit,
        offset=offset,
    )
    counts = repository.delivery_counts(session, [r.id for r in rows if r.id is not None])
    items = []
    for ep in rows:
        item = ep.model_dump(exclude={"secret", "previous_secret"})
        item["deliveries"] = counts.get(ep.id or 0, {})
        items.append(item)
    return {"endpoints": items, "total": total, "limit": limit, "offset": offset}


def get_endpoint(session: Session, *, actor: Principal, endpoint_id: int) -> dict[str, Any]:
    return _public(session, _endpoint(session, actor=actor, endpoint_id=endpoint_id))


def update_endpoint(
    session: Session, *, actor: Principal, endpoint_id: int, data: EndpointUpdate
) -> dict[str, Any]:
    """Change the URL, filters or description; ``enabled: true`` resumes a disabled one."""
    ep = _endpoint(session, actor=actor, endpoint_id=endpoint_id)
    _known_types(data.event_types)
    changes = {
        k: v for k, v in data.model_dump(include=data.model_fields_set).items() if v is not None
    }
    for key, value in changes.items():
        setattr(ep, key, value)
    if changes.get("enabled") is True:
        ep.disabled_reason, ep.failing_since = None, None
    elif changes.get("enabled") is False:
        ep.disabled_reason = "Disabled by its owner."
    ep.updated_at = utcnow()
    session.flush()
    return _public(session, ep)


def delete_endpoint(session: Session, *, actor: Principal, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log."""
    session.delete(_endpoint(session, actor=actor, endpoint_id=endpoint_id))
    session.flush()


def rotate_secret(session: Session, *, actor: Principal, endpoint_id: int) -> dict[str, Any]:
    """A new secret; for 24 h the old one signs too, so consumers can switch over."""
    ep = _endpoint(session, actor=actor, endpoint_id=endpoint_id)
    now = utcnow()
    ep.previous_secret, ep.previous_secret_expires_at = ep.secret, now + ROTATION_OVERLAP
    ep.secret, ep.updated_at = signing.new_secret(), now
    session.flush()
    return _public(session, ep, secret=True)


def _enqueue(session: Session, *, endpoint_id: int, event: str, type_: str, body: str) -> int:
    row = outbox.delivery_row(
        endpoint_id=endpoint_id, event_id=event, event_type=type_, body=body, now=utcnow()
    )
    return repository.insert_delivery(session, row)


def ping(session: Session, *, actor: Principal, endpoint_id: int) -> dict[str, Any]:
    """Queue a ``webhook.ping`` test event (not part of any board's log)."""
    ep = _endpoint(session, actor=actor, endpoint_id=endpoint_id)
    eid = event_id()
    envelope = {
        "id": eid,
        "seq": 0,
        "board_id": ep.board_id,
        "type": "webhook.ping",
        "at": iso(utcnow()),
        "actor": {"id": actor.id, "kind": "user"},
        "data": {"endpoint_id": ep.id, "message": "Hello from Swarmboard"},
    }
    body = json.dumps(envelope, separators=(",", ":"))
    assert ep.id is not None
    new_id = _enqueue(session, endpoint_id=ep.id, event=eid, type_="webhook.ping", body=body)
    return _delivery(session, new_id)


def _delivery(session: Session, delivery_id: int) -> dict[str, Any]:
    row = repository.delivery(session, delivery_id=delivery_id)
    assert row is not None
    return dict(row._mapping)


def list_deliveries(
    session: Session,
    *,
    actor: Principal,
    endpoint_id: int,
    state: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """The endpoint's deliveries, newest first."""
    _endpoint(session, actor=actor, endpoint_id=endpoint_id)
    rows, total = repository.list_deliveries(
        session, endpoint_id=endpoint_id, state=state, limit=limit, offset=offset
    )
    return {
        "deliveries": rows,
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def get_delivery(
    session: Session, *, actor: Principal, endpoint_id: int, delivery_id: int
) -> dict[str, Any]:
    """One delivery with its payload and every attempt."""
    _endpoint(session, actor=actor, endpoint_id=endpoint_id)
    row = repository.delivery(session, delivery_id=delivery_id, endpoint_id=endpoint_id)
    if row is None:
        raise DeliveryNotFound(f"Webhook {endpoint_id} has no delivery {delivery_id}.")
    out = dict(row._mapping)
    out["payload"] = out.pop("body")
    out["attempt_log"] = repository.attempts_of(session, delivery_id=delivery_id)
    return out


def redeliver(
    session: Session, *, actor: Principal, endpoint_id: int, delivery_id: int
) -> dict[str, Any]:
    """Send the same event again (same ``webhook-id``) as a new delivery."""
    original = get_delivery(session, actor=actor, endpoint_id=endpoint_id, delivery_id=delivery_id)
    new_id = _enqueue(
        session,
        endpoint_id=endpoint_id,
        event=original["event_id"],
        type_=original["event_type"],
        body=original["payload"],
    )
    return _delivery(session, new_id)
