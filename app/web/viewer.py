"""Who is looking at a page: the signed-in person and their session, or a sign-in redirect."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from app.auth.service import Principal
from app.auth.session import WebSession, principal_of, read_session
from app.core.params import MAX_ID
from app.web.templating import render

__all__ = ["BoardViewer", "board_id_of", "board_not_found", "board_viewer", "signed_in", "to_login"]

_ID = re.compile(r"[0-9]{1,10}")


def board_id_of(raw: str) -> int | None:
    """A board id from a page's path; None when it cannot be one (the page is a 404)."""
    if not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


async def board_not_found(user: Principal, session: WebSession) -> Response:
    """The 404 page for a board that does not exist or that the viewer is not on."""
    context: dict[str, Any] = {
        "title": "Board not found",
        "user": user,
        "csrf": session.csrf,
        "status": 404,
        "message": "This board does not exist, or you are not a member of it.",
    }
    return await render("error.html", context, status=404)


async def signed_in(request: Request) -> tuple[Principal, WebSession] | None:
    """The signed-in person and their session, or None."""
    session = read_session(request)
    if session is None or session.user_id is None:
        return None
    principal = await principal_of(request, session)
    return None if principal is None else (principal, session)


def to_login(request: Request) -> RedirectResponse:
    """To the sign-in form, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)


@dataclass(frozen=True, slots=True)
class BoardViewer:
    """A signed-in person asking for one board's page."""

    user: Principal
    session: WebSession
    board_id: int


async def board_viewer(request: Request, raw_board_id: str) -> BoardViewer | Response:
    """Who asks for this board page, or what to answer instead: the sign-in redirect, or
    the 404 page for an id that cannot be a board."""
    viewer = await signed_in(request)
    if viewer is None:
        return to_login(request)
    user, session = viewer
    board_id = board_id_of(raw_board_id)
    if board_id is None:
        return await board_not_found(user, session)
    return BoardViewer(user, session, board_id)
