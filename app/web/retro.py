"""The Retro page: a board's flow and support metrics for a date range, as charts.

Server-rendered and complete without JavaScript: the range and filters are a plain GET
form, the charts are SVG built by :mod:`app.web.charts`, and the exports are links. The
numbers come from the metrics services the API serves (flow, support, swarms and the
forecasts), read through ``db.read``, so the page and ``/api/boards/{id}/metrics/…``
never disagree. A range or filter that cannot be read is said on the page (HTTP 422),
never a server error.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.responses import Response

from app.auth.service import Principal
from app.board import service as board_service
from app.board import views as board_views
from app.board.exceptions import BoardNotFound
from app.board.schemas import CHANNELS, PRIORITIES, SEGMENTS
from app.core.cpu import CpuBusy, get_cpu
from app.core.deps import Db
from app.core.errors import ValidationFailed
from app.core.params import MAX_ID
from app.metrics import forecast as forecast_service
from app.metrics import history
from app.metrics import support as support_service
from app.metrics import swarms as swarms_service
from app.metrics.filters import EARLIEST, LATEST, MAX_DAYS, CardFilter, date_range
from app.metrics.params import Scope
from app.web.retro_view import build_view
from app.web.templating import render
from app.web.viewer import board_not_found, board_viewer

__all__ = [
    "RetroForm",
    "parse_form",
    "retro_data",
    "router",
]

router = APIRouter(include_in_schema=False)

# The "how many" forecast looks this far past today; both forecasts use a fixed seed so
# that reloading the page does not move its numbers (the API gives the same answer).
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class RetroForm:
    """The range and filters as typed, echoed back into the form."""

    start: str = ""
    end: str = ""
    lane: str = ""
    channel: str = ""
    product: str = ""
    priority: str = ""
    segment: str = ""


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        if _DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    errors.append(f"“{label}” must be a date written like 2025-03-01 (got “{raw[:40]}”).")
    return None


def _choice(raw: str, allowed: tuple[str, ...], label: str, errors: list[str]) -> str | None:
    if not raw:
        return None
    if raw in allowed:
        return raw
    errors.append(f"“{label}” must be one of: {', '.join(allowed)}.")
    return None


def parse_form(params: QueryParams, *, today: date) -> tuple[RetroForm, Scope | None, list[str]]:
    """The form as typed, the scope it asks for (None when it cannot be read) and the
    messages that say what is wrong with it."""
    form = RetroForm(
        **{
            key: params.get(name, "").strip()[:200]
            for key, name in (
                ("start", "from"),
                ("end", "to"),
                ("lane", "lane"),
                ("channel", "channel"),
                ("product", "product"),
                ("priority", "priority"),
                ("segment", "segment"),
            )
        }
    )
    errors: list[str] = []
    start = _day(form.start, "From", errors)
    end = _day(form.end, "To", errors)
    lane: int | None = None
    if form.lane:
        if _ID.fullmatch(form.lane) and 1 <= int(form.lane) <= MAX_ID:
            lane = int(form.lane)
        else:
            errors.append("“Lane” must be one of the board's lanes.")
    if len(form.product) > 100:
        errors.append("“Product” must be at most 100 characters.")
    filters = CardFilter(
        lane_id=lane,
        channel=_choice(form.channel, CHANNELS, "Channel", errors),
        product=form.product or None,
        priority=_choice(form.priority, PRIORITIES, "Priority", errors),
        segment=_choice(form.segment, SEGMENTS, "Segment", errors),
    )
    for label, day in (("From", start), ("To", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            errors.append(f"“{label}” must be a day from {EARLIEST} to {LATEST}.")
    if errors:
        return form, None, errors
    try:
        period = date_range(start, end, today=today)
    except ValidationFailed:
        if start is not None and end is not None and start > end:
            message = f"“From” ({start}) must not be after “To” ({end})."
        else:
            message = f"The range can be at most {MAX_DAYS} days; pick a shorter one."
        return form, None, [message]
    return form, Scope(period=period, filters=filters), []


def retro_data(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    scope: Scope | None,
) -> dict[str, Any]:
    """What the page reads in its transaction (members only: BoardNotFound otherwise):
    the board's name and lanes and, for a valid scope, the reads the metrics endpoints
    make (the flow history, the support and swarm reports, the throughput sample)."""
    board = board_service.readable_board(session, actor=actor, board_id=board_id)
    lanes = [
        {"id": lane.id, "name": lane.name}
        for lane in board_views.lanes_of(session, board_id=board_id)
    ]
    data: dict[str, Any] = {"name": board.name, "lanes": lanes}
    if scope is None:
        return data
    common: dict[str, Any] = {"actor": actor, "board_id": board_id, "scope": scope}
    data["history"] = history.load(session, **common)
    data["support"] = support_service.support_report(session, **common)
    data["swarms"] = swarms_service.swarm_report(session, **common)
    data["sample"] = forecast_service.sample(session, **common)
    return data


@router.get("/boards/{board_id}/retro")
async def retro(board_id: str, request: Request, db: Db) -> Response:
    """The board's retro for a range: tiles, tables, charts, forecasts and exports."""
    viewer = await board_viewer(request, board_id)
    if isinstance(viewer, Response):
        return viewer
    user, session, bid = viewer.user, viewer.session, viewer.board_id
    today = datetime.now(UTC).date()
    form, scope, errors = parse_form(request.query_params, today=today)
    try:
        data = await db.read(retro_data, actor=user, board_id=bid, scope=scope)
    except BoardNotFound:
        return await board_not_found(user, session)
    view: dict[str, Any] = {}
    status, headers = 422 if errors else 200, None
    if scope is not None:  # the form shows the range the page is about
        # The forecasts and summaries run on the CPU pool, bounded per person and per
        # process; when it is full the page says so (429, Retry-After) instead of waiting.
        try:
            view = await get_cpu(request).run(user.id, build_view, data, scope, today=today)
        except CpuBusy as busy:
            errors = [*errors, busy.detail]
            status, headers = 429, busy.extra["headers"]
        form = replace(form, start=scope.period.start.isoformat(), end=scope.period.end.isoformat())
    context = {
        "title": f"Retro · {data['name']}",
        "user": user,
        "csrf": session.csrf,
        "board_id": bid,
        "name": data["name"],
        "lanes": data["lanes"],
        "form": asdict(form),
        "errors": errors,
        "channels": CHANNELS,
        "priorities": PRIORITIES,
        "segments": SEGMENTS,
        "exports": _exports(bid, _query(scope)),
        "period": view.get("period"),
        **view,
    }
    return await render("retro.html", context, status=status, headers=headers)


def _query(scope: Scope | None) -> dict[str, str]:
    """The scope as query parameters (for the export links)."""
    if scope is None:
        return {}
    f = scope.filters
    found = {
        "from": scope.period.start.isoformat(),
        "to": scope.period.end.isoformat(),
        "lane": "" if f.lane_id is None else str(f.lane_id),
        "channel": f.channel or "",
        "product": f.product or "",
        "priority": f.priority or "",
        "segment": f.segment or "",
    }
    return {k: v for k, v in found.items() if v}


EXPORTS = (
    (
        "actionable-agile.csv",
        "actionable-agile",
        "ActionableAgile CSV",
        "a row a card: the day it entered each column",
    ),
    (
        "cards.ndjson",
        "cards",
        "Cards (NDJSON)",
        "every card with its metrics, one JSON object a line",
    ),
    ("events.csv", "events", "Events CSV", "the board's event log in the range"),
)


def _exports(board_id: int, query: dict[str, str]) -> list[dict[str, str]]:
    tail = "?" + urlencode(query) if query else ""
    return [
        {
            "href": f"/api/boards/{board_id}/export/{path}{tail}",
            "kind": kind,
            "label": label,
            "hint": hint,
        }
        for path, kind, label, hint in EXPORTS
    ]
