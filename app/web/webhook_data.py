"""What the webhooks page reads: who may use it, the boards they may subscribe to, their
endpoints (newest first) with each one's first page of deliveries. Who leads which board
is decided by the board's own rule (app/board/access.py), through the services.

The endpoints and deliveries come from :mod:`app.webhooks.service`, so the page sees
exactly what the API would show this person (an admin: every endpoint). Secrets never
reach a template: the service leaves them out of everything but create and rotate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.auth.service import Principal
from app.board import service as board_service
from app.webhooks import service as webhook_service

__all__ = [
    "DELIVERY_PAGE",
    "ENDPOINT_PAGE",
    "STATE_LABELS",
    "delivery_rows",
    "endpoint_view",
    "may_use_webhooks",
    "page",
    "subscribable_boards",
]

ENDPOINT_PAGE = 20
DELIVERY_PAGE = 10
# Most deliveries a refresh re-reads for one endpoint (what "Load more" has shown).
MAX_DELIVERY_ROWS = 200
MAX_BOARD_CHOICES = 500

# Every state with its words: the colours are never the only sign.
STATE_LABELS = {
    "succeeded": "Succeeded",
    "failed": "Failed",
    "dead": "Dead",
    "pending": "Pending",
}
STATE_HINTS = {
    "succeeded": "The endpoint answered 2xx.",
    "failed": "The last attempt failed; it will be tried again.",
    "dead": "Every attempt failed (or the endpoint answered 410); no more retries.",
    "pending": "Not sent yet, or being sent now.",
}

# Who may use the page: the webhooks service's rule (admins, and whoever may manage a
# board now: app/board/access.py).
may_use_webhooks = webhook_service.may_use_webhooks


def subscribable_boards(session: Session, *, actor: Principal) -> list[dict[str, Any]]:
    """The boards whose events this person may subscribe to, by name."""
    return board_service.managed_boards(session, actor=actor, limit=MAX_BOARD_CHOICES)


def _decorate(
    session: Session, actor: Principal, items: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """Board and owner names, all four counts, and the first ``limit`` deliveries."""
    board_ids = {e["board_id"] for e in items if e["board_id"]}
    boards = board_service.board_names(session, actor=actor, ids=board_ids)
    owners = auth_service.names_of(session, ids={e["owner_id"] for e in items if e["owner_id"]})
    out = []
    for ep in items:
        bid = ep["board_id"]
        log = webhook_service.list_deliveries(
            session, actor=actor, endpoint_id=ep["id"], state=None, limit=limit, offset=0
        )
        out.append(
            {
                **ep,
                "board_name": "All boards" if bid is None else boards.get(bid, f"Board {bid}"),
                "owner_name": owners.get(ep["owner_id"]) if ep["owner_id"] else None,
                "counts": {s: int(ep["deliveries"].get(s, 0)) for s in STATE_LABELS},
                "log": log["deliveries"],
                "log_total": log["total"],
            }
        )
    return out


def page(session: Session, *, actor: Principal, number: int) -> dict[str, Any]:
    """One page of the person's endpoints, newest first, and what the create form offers."""
    total = webhook_service.list_endpoints(session, actor=actor, limit=1, offset=0)["total"]
    pages = max(1, -(-total // ENDPOINT_PAGE))
    number = min(max(1, number), pages)
    found = webhook_service.list_endpoints(
        session,
        actor=actor,
        limit=ENDPOINT_PAGE,
        offset=(number - 1) * ENDPOINT_PAGE,
        newest_first=True,
    )
    items: list[dict[str, Any]] = found["endpoints"]
    return {
        "endpoints": _decorate(session, actor, items, DELIVERY_PAGE),
        "total": total,
        "page": number,
        "pages": pages,
        "boards": subscribable_boards(session, actor=actor),
    }


def endpoint_view(
    session: Session, *, actor: Principal, endpoint_id: int, limit: int
) -> dict[str, Any]:
    """One endpoint as the page shows it (404s like the API when it is not theirs)."""
    ep = webhook_service.get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    limit = min(max(1, limit), MAX_DELIVERY_ROWS)
    return _decorate(session, actor, [ep], limit)[0]


def delivery_rows(
    session: Session, *, actor: Principal, endpoint_id: int, offset: int
) -> dict[str, Any]:
    """The next page of an endpoint's delivery log, newest first."""
    return webhook_service.list_deliveries(
        session,
        actor=actor,
        endpoint_id=endpoint_id,
        state=None,
        limit=DELIVERY_PAGE,
        offset=offset,
    )
