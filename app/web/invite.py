"""The invitation link's page: a new person chooses their password and is signed in.

``GET /invite/{token}`` greets them with the form (its CSRF token in an anonymous
session, as on the sign-in form); ``POST`` stores the password, uses the link up and
signs them in on a new session, then goes to /boards. An unknown, used or expired link
is a 410 page that says so.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.auth import invitations, password
from app.auth.exceptions import InvitationInvalid
from app.auth.password import MAX_LENGTH, MIN_LENGTH
from app.auth.session import WebSession, csrf_matches, new_session, read_session, write_session
from app.core.deps import Db
from app.web.login import DEFAULT_NEXT, EXPIRED_FORM, read_form
from app.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

TOO_SHORT = f"Choose a password of at least {MIN_LENGTH} characters."
TOO_LONG = f"Choose a password of at most {MAX_LENGTH} characters."
MISMATCH = "The two passwords differ; type the same password twice."


async def _invalid(exc: InvitationInvalid, status: int = 410) -> Response:
    context = {
        "title": "Invitation link not valid",
        "user": None,
        "csrf": "",
        "status": status,
        "message": f"{exc.detail} Ask an admin for a new link.",
    }
    return await render("error.html", context, status=status)


async def _form(
    session: WebSession,
    invite: invitations.Invitation,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "title": "Choose your password",
        "user": None,
        "csrf": session.csrf,
        "invite": invite,
        "token": token,
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
        "errors": errors or {},
    }
    return await render("invite.html", context, status=status)


@router.get("/invite/{token}")
async def invite_form(token: str, request: Request, db: Db) -> Response:
    """The invitation's form: choose a password."""
    try:
        invite = await db.read(invitations.lookup, token=token)
    except InvitationInvalid as exc:
        return await _invalid(exc)
    session = read_session(request)
    fresh = session is None
    if session is None:
        session = new_session()
    response = await _form(session, invite, token)
    if fresh:
        write_session(response, request, session)
    return response


def _password_error(chosen: str, again: str) -> dict[str, str]:
    if len(chosen) < MIN_LENGTH:
        return {"password": TOO_SHORT}
    if len(chosen) > MAX_LENGTH:
        return {"password": TOO_LONG}
    if chosen != again:
        return {"password_again": MISMATCH}
    return {}


@router.post("/invite/{token}")
async def invite_submit(token: str, request: Request, db: Db) -> Response:
    """Store the chosen password, use the link up and sign the person in."""
    form = await read_form(request) or {}
    session = read_session(request)
    # Like every form post, one without the session's CSRF token is refused (403) first.
    csrf_ok = session is not None and csrf_matches(session, form.get("csrf_token"))
    try:
        invite = await db.read(invitations.lookup, token=token)
    except InvitationInvalid as exc:
        return await _invalid(exc, status=410 if csrf_ok else 403)
    if session is None or not csrf_ok:
        fresh = new_session()
        response = await _form(fresh, invite, token, errors={"form": EXPIRED_FORM}, status=403)
        write_session(response, request, fresh)
        return response
    chosen, again = form.get("password", ""), form.get("password_again", "")
    errors = _password_error(chosen, again)
    if errors:
        return await _form(session, invite, token, errors=errors, status=422)
    hashed = await password.hash_password_async(chosen)
    try:
        principal, session_id = await db.write(
            invitations.accept, token=token, password_hash=hashed
        )
    except InvitationInvalid as exc:  # used in another tab meanwhile
        return await _invalid(exc)
    response = RedirectResponse(DEFAULT_NEXT, status_code=303)
    write_session(response, request, new_session(principal.id, session_id))
    return response
