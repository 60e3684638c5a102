"""The board settings page (/boards/{id}/settings) and the fragments its script reloads.

For a board's leads and admins: the board's name and alert times, its columns, lanes,
members and SLA policies. Reading is server-rendered; every change goes to the JSON API
from ``static/settings.js`` with the session cookie and the CSRF header, and the script
re-reads a section's fragment after a change (its own, or one the board's websocket
announces), so one template draws a section either way.

Access: not signed in, the sign-in form; a member who may not manage the board, a 403
page; anyone else who is not on the board, the same 404 page as the board itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from app.auth.service import Principal
from app.auth.session import WebSession
from app.board.exceptions import BoardNotFound
from app.board.schemas import CHANNELS, PRIORITIES
from app.core.deps import Db
from app.web import settings_data as data
from app.web.templating import render
from app.web.viewer import board_id_of, board_not_found, board_viewer, signed_in

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STAGES = {"backlog": "Backlog", "active": "Active", "done": "Done"}


async def _refused(user: Principal, session: WebSession, role: str) -> Response:
    context: dict[str, Any] = {
        "title": "Board settings are for leads",
        "user": user,
        "csrf": session.csrf,
        "status": 403,
        "message": (
            f"Your role on this board is {role}: only the board's leads and admins can change "
            "its settings. Ask a lead of the board if something needs to change."
        ),
    }
    return await render("error.html", context, status=403)


def _shared(board: dict[str, Any]) -> dict[str, Any]:
    """What every section template needs besides the board."""
    return {
        "board": board,
        "stages": STAGES,
        "priority_options": [(p, p.capitalize()) for p in PRIORITIES],
        "channel_options": [(c, c.capitalize()) for c in CHANNELS],
        "empty_target": data.duration(None, data.TARGET_UNITS),
    }


@router.get("/boards/{board_id}/settings")
async def settings_page(board_id: str, request: Request, db: Db) -> Response:
    """The board's settings, for its leads and admins."""
    viewer = await board_viewer(request, board_id)
    if isinstance(viewer, Response):
        return viewer
    user, session = viewer.user, viewer.session
    try:
        board = await db.read(data.settings_view, actor=user, board_id=viewer.board_id)
    except BoardNotFound:
        return await board_not_found(user, session)
    except data.NotManager as refused:
        return await _refused(user, session, refused.role)
    context = {
        "title": f"Settings · {board['name']}",
        "user": user,
        "csrf": session.csrf,
        **_shared(board),
    }
    return await render("settings.html", context)


@router.get("/boards/{board_id}/settings/fragment")
async def settings_fragment(board_id: str, request: Request, db: Db) -> Response:
    """One section of the settings page (``?section=columns``…), after a change."""
    viewer = await signed_in(request)
    if viewer is None:
        return PlainTextResponse("Sign in again.", status_code=401)
    user, _ = viewer
    bid = board_id_of(board_id)
    section = request.query_params.get("section", "")
    if bid is None or section not in data.SECTIONS:
        return PlainTextResponse("Not found.", status_code=404)
    try:
        board = await db.read(data.settings_view, actor=user, board_id=bid)
    except BoardNotFound:
        return PlainTextResponse("Board not found.", status_code=404)
    except data.NotManager:
        return PlainTextResponse(
            "You no longer lead this board, so its settings are not yours to change.",
            status_code=403,
        )
    return await render(
        f"_settings_{section}.html",
        _shared(board),
        headers={"X-Last-Seq": str(board["last_seq"])},
    )
