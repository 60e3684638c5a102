"""The webhooks page: endpoints, their delivery logs, and the fragments its script reloads.

Reading is server-rendered (the page works without JavaScript for that); the changes
(create, ping, rotate, enable/disable, delete, redeliver) go to the JSON API from
``static/webhooks.js`` with the session cookie and the CSRF header. After a change the
script re-reads the endpoint's fragment, so one template draws an endpoint either way.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from app.auth.exceptions import NotAllowed
from app.auth.service import Principal
from app.auth.session import WebSession
from app.core.deps import Db
from app.core.params import MAX_ID
from app.web import webhook_data as data
from app.web.templating import render
from app.web.viewer import signed_in, to_login
from app.webhooks import schedule
from app.webhooks.exceptions import EndpointNotFound

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_NUMBER = re.compile(r"[0-9]{1,9}")
# The owner no longer leads the endpoint's board (app/webhooks/rights.py).
_NO_LONGER = "You no longer lead this webhook's board, so it is not yours to manage."


def _number(raw: str | None, default: int, *, low: int = 0) -> int | None:
    """A small non-negative number from the query string; None when it is not one."""
    if raw is None or raw == "":
        return default
    if not _NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if value >= low else None


def _shared(user: Principal) -> dict[str, Any]:
    """What the endpoint template needs besides the endpoint."""
    return {
        "is_admin": user.is_admin,
        "labels": data.STATE_LABELS,
        "hints": data.STATE_HINTS,
        "give_up": schedule.give_up(),
    }


async def _refused(user: Principal, session: WebSession) -> Response:
    context: dict[str, Any] = {
        "title": "Webhooks are for leads",
        "user": user,
        "csrf": session.csrf,
        "status": 403,
        "message": (
            "Only admins and board leads can subscribe to board events. "
            "Ask a lead of your board if your team needs a webhook."
        ),
    }
    return await render("error.html", context, status=403)


@router.get("/webhooks")
async def webhooks_page(request: Request, db: Db) -> Response:
    """The person's webhook endpoints (an admin: all of them), newest first."""
    viewer = await signed_in(request)
    if viewer is None:
        return to_login(request)
    user, session = viewer
    if not await db.read(data.may_use_webhooks, actor=user):
        return await _refused(user, session)
    number = _number(request.query_params.get("page"), 1, low=1) or 1
    found = await db.read(data.page, actor=user, number=number)
    delays = request.app.state.settings.retry_delays
    context = {
        "title": "Webhooks",
        "user": user,
        "csrf": session.csrf,
        **_shared(user),
        **found,
        "per_page": data.ENDPOINT_PAGE,
        # From the configured schedule, so the page never states another figure.
        "retry_window": schedule.describe(delays),
        "retry_steps": schedule.steps(delays),
        "retry_steps_count": max(len(delays) - 1, 0),
    }
    return await render("webhooks.html", context)


def _endpoint_id(raw: str) -> int | None:
    value = _number(raw, 0, low=1)
    return value if value is not None and value <= MAX_ID else None


@router.get("/webhooks/{endpoint_id}/fragment")
async def endpoint_fragment(endpoint_id: str, request: Request, db: Db) -> Response:
    """One endpoint's panel with its newest ``limit`` deliveries (after a change)."""
    viewer = await signed_in(request)
    if viewer is None:
        return PlainTextResponse("Sign in again.", status_code=401)
    user, _ = viewer
    eid = _endpoint_id(endpoint_id)
    limit = _number(request.query_params.get("limit"), data.DELIVERY_PAGE, low=1)
    if eid is None or limit is None:
        return PlainTextResponse("Webhook not found.", status_code=404)
    try:
        ep = await db.read(data.endpoint_view, actor=user, endpoint_id=eid, limit=limit)
    except EndpointNotFound:
        return PlainTextResponse("Webhook not found.", status_code=404)
    except NotAllowed:
        return PlainTextResponse(_NO_LONGER, status_code=403)
    return await render("_endpoint.html", {**_shared(user), "ep": ep})


@router.get("/webhooks/{endpoint_id}/rows")
async def delivery_rows(endpoint_id: str, request: Request, db: Db) -> Response:
    """The next rows of an endpoint's delivery log ("Load more")."""
    viewer = await signed_in(request)
    if viewer is None:
        return PlainTextResponse("Sign in again.", status_code=401)
    user, _ = viewer
    eid = _endpoint_id(endpoint_id)
    offset = _number(request.query_params.get("offset"), 0)
    if eid is None or offset is None:
        return PlainTextResponse("Webhook not found.", status_code=404)
    try:
        log = await db.read(data.delivery_rows, actor=user, endpoint_id=eid, offset=offset)
    except EndpointNotFound:
        return PlainTextResponse("Webhook not found.", status_code=404)
    except NotAllowed:
        return PlainTextResponse(_NO_LONGER, status_code=403)
    return await render(
        "_delivery_rows.html",
        {**_shared(user), "rows": log["deliveries"]},
        headers={"X-Total": str(log["total"])},
    )
