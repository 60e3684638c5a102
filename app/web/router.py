"""The web pages: the board list, the board page and its live-refresh fragment (the
webhooks page is in :mod:`app.web.webhooks`).

Thin, like every router: :mod:`app.web.service` reads, :mod:`app.auth.session` knows
who is signed in, templates render. A page request without a session goes to the
sign-in form and comes back afterwards; a board the person cannot see is a 404 page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from app.auth.roles import MANAGE
from app.board.exceptions import BoardNotFound
from app.core.deps import Db
from app.web import insights, login, people, retro, service, settings, webhook_data, webhooks
from app.web.templating import render
from app.web.viewer import board_id_of, board_not_found, board_viewer, signed_in, to_login

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(login.router)
router.include_router(webhooks.router)
router.include_router(insights.router)
router.include_router(retro.router)
router.include_router(settings.router)
router.include_router(people.router)


@router.get("/")
async def home(request: Request) -> Response:
    """The board list when signed in, the sign-in form otherwise."""
    target = "/boards" if await signed_in(request) is not None else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/boards")
async def boards(request: Request, db: Db) -> Response:
    """The boards the signed-in person can open, and a "New board" form for leads and
    admins."""
    viewer = await signed_in(request)
    if viewer is None:
        return to_login(request)
    user, session = viewer
    rows = await db.read(service.visible_boards, actor=user)
    hooks = await db.read(webhook_data.may_use_webhooks, actor=user)
    context = {
        "title": "Boards",
        "user": user,
        "csrf": session.csrf,
        "boards": rows,
        "webhooks_link": hooks,
        # The roles that may create boards (POST /api/boards) see the "New board" form.
        "can_create": user.role in MANAGE,
    }
    return await render("boards.html", context)


@router.get("/boards/{board_id}")
async def board(board_id: str, request: Request, db: Db) -> Response:
    """The live board page: columns, lanes and cards, rendered on the server."""
    viewer = await board_viewer(request, board_id)
    if isinstance(viewer, Response):
        return viewer
    user, session, bid = viewer.user, viewer.session, viewer.board_id
    try:
        data = await db.read(service.board_page, actor=user, board_id=bid)
    except BoardNotFound:
        return await board_not_found(user, session)
    context = {"title": data["name"], "user": user, "csrf": session.csrf, "board": data}
    return await render("board.html", context)


@router.get("/boards/{board_id}/fragment")
async def board_fragment(board_id: str, request: Request, db: Db) -> Response:
    """The board's columns alone, for the page to re-render after a resync."""
    viewer = await signed_in(request)
    if viewer is None:
        return PlainTextResponse("Sign in again.", status_code=401)
    user, _ = viewer
    bid = board_id_of(board_id)
    try:
        if bid is None:
            raise BoardNotFound("no such board")
        data = await db.read(service.board_page, actor=user, board_id=bid)
    except BoardNotFound:
        return PlainTextResponse("Board not found.", status_code=404)
    return await render(
        "_board.html", {"board": data}, headers={"X-Last-Seq": str(data["last_seq"])}
    )
