"""The Insights page: a board's actionable insights ranked by score, one page at a time.

Server-rendered and complete without JavaScript: sorting, the complete/incomplete filter
and the pages are plain links. The ranking is :func:`app.insights.service.board_insights`,
the one the API serves, so the page and ``GET /api/boards/{id}/insights`` never disagree.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.auth.service import Principal
from app.board import service as board_service
from app.board.exceptions import BoardNotFound
from app.core.deps import Db
from app.insights import service as insights_service
from app.insights.service import SORTS, Sort
from app.web.numbers import number as _number
from app.web.templating import render
from app.web.viewer import board_not_found, board_viewer

__all__ = ["PER_PAGE", "number", "router"]

router = APIRouter(include_in_schema=False)

PER_PAGE = 25
_PAGE = re.compile(r"[0-9]{1,6}")

# How the page names the sort orders and the insight parts (in the drawer's words).
SORT_LABELS: dict[str, str] = {
    "score": "Score",
    "impact": "Impact",
    "frequency": "Frequency",
    "effort": "Least effort",
    "recent": "Newest",
}
# The table column each sort orders, and which way.
SORTED_COLUMN: dict[str, tuple[str, str]] = {
    "score": ("score", "descending"),
    "impact": ("impact", "descending"),
    "frequency": ("frequency", "descending"),
    "effort": ("effort", "ascending"),
}
SHOW: dict[str, tuple[str, bool | None]] = {
    "all": ("All", None),
    "complete": ("Complete", True),
    "incomplete": ("Incomplete", False),
}
PART_NAMES = {
    "evidence": "evidence",
    "problem_statement": "problem statement",
    "suggested_fix": "suggested fix",
    "impact_per_month": "impact",
    "effort_hours": "effort",
    "owner_team": "owner team",
}


def number(value: float | None, digits: int = 2) -> str:
    """Insight figures are money and hours: two decimals by default."""
    return _number(value, digits)


def _page_number(raw: str | None) -> int:
    """The 1-based page asked for; anything that is not a page number is the first."""
    if raw is None or not _PAGE.fullmatch(raw):
        return 1
    return max(int(raw), 1)


def _row(item: dict[str, Any], rank: int, currency: str) -> dict[str, Any]:
    impact = item["impact_per_month"]
    effort = item["effort_hours"]
    return {
        **item,
        "rank": rank,
        "impact_text": "—" if impact is None else f"{number(impact)} {currency}",
        "effort_text": "—" if effort is None else f"{number(effort)} h",
        "score_text": number(item["score"]),
        "frequency_text": number(item["frequency"], 0),
        "teams_text": number(item["teams_needed"], 0),
        "missing_names": [PART_NAMES.get(m, m) for m in item["missing"]],
    }


def insights_page(
    session: Session, *, actor: Principal, board_id: int, sort: Sort, show: str, page: int
) -> dict[str, Any]:
    """One page of the board's ranked insights, with the board's name (members only)."""
    offset = (page - 1) * PER_PAGE
    found = insights_service.board_insights(
        session,
        actor=actor,
        board_id=board_id,
        sort=sort,
        complete=SHOW[show][1],
        limit=PER_PAGE,
        offset=offset,
    )
    board = board_service.readable_board(session, actor=actor, board_id=board_id)
    currency = str(found["currency"])
    rows = [_row(item, offset + i + 1, currency) for i, item in enumerate(found["items"])]
    return {"name": board.name, "currency": currency, "rows": rows, "total": int(found["total"])}


@router.get("/boards/{board_id}/insights")
async def insights(board_id: str, request: Request, db: Db) -> Response:
    """The board's insights ranked by impact * frequency / effort, every part shown."""
    viewer = await board_viewer(request, board_id)
    if isinstance(viewer, Response):
        return viewer
    user, session, bid = viewer.user, viewer.session, viewer.board_id
    params = request.query_params
    raw_sort = params.get("sort", "score")
    sort: Sort = next((s for s in SORTS if s == raw_sort), "score")
    show = params.get("show", "all")
    show = show if show in SHOW else "all"
    page = _page_number(params.get("page"))
    try:
        data = await db.read(
            insights_page, actor=user, board_id=bid, sort=sort, show=show, page=page
        )
    except BoardNotFound:
        return await board_not_found(user, session)
    pages = max(math.ceil(data["total"] / PER_PAGE), 1)

    def link(**change: Any) -> str:
        query = {"sort": sort, "show": show, "page": 1, **change}
        kept = {k: v for k, v in query.items() if v not in ("score", "all", 1)}
        return f"/boards/{bid}/insights" + ("?" + urlencode(kept) if kept else "")

    context = {
        "title": f"Insights · {data['name']}",
        "user": user,
        "csrf": session.csrf,
        "board_id": bid,
        **data,
        "sort": sort,
        "sort_label": SORT_LABELS[sort].lower(),
        "show": show,
        "page": page,
        "pages": pages,
        "sorts": [(key, label, link(sort=key)) for key, label in SORT_LABELS.items()],
        "shows": [(key, label, link(show=key)) for key, (label, _) in SHOW.items()],
        "sorted_column": SORTED_COLUMN.get(sort),
        "previous_link": link(page=page - 1) if page > 1 else None,
        "next_link": link(page=page + 1) if page < pages else None,
        "first_link": link(page=1),
    }
    return await render("insights.html", context)
