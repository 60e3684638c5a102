"""Signing in and out with email and password (form posts, CSRF-checked).

Failed sign-ins are throttled per email and per client address (the throttles of
:mod:`app.core.security`, in this replica's memory): past the limit the form answers
429 with Retry-After and says when to try again; a success clears the email's count.
"""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from app.auth import lifecycle
from app.auth.session import (
    WebSession,
    clear_session,
    csrf_matches,
    new_session,
    principal_of,
    read_session,
    write_session,
)
from app.core.deps import Db
from app.core.security import LoginThrottle
from app.web import service
from app.web.templating import render

__all__ = ["read_form", "router", "safe_next"]

router = APIRouter(include_in_schema=False)

DEFAULT_NEXT = "/boards"
BAD_CREDENTIALS = "That email and password don't match an account."
EXPIRED_FORM = "Your sign-in form expired. Please try again."
TOO_MANY = "Too many failed sign-ins. Please wait {wait} and try again."


def safe_next(target: object) -> str:
    """A same-site path to go to after signing in; anything else becomes ``/boards``.

    Only a plain relative path is allowed: no scheme, no host, no ``//`` or ``/\\``
    (which browsers read as another host), no control characters.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return DEFAULT_NEXT
    if target.startswith(("//", "/\\")) or "\\" in target:
        return DEFAULT_NEXT
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return DEFAULT_NEXT
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("/login"):
        return DEFAULT_NEXT
    return target


async def read_form(request: Request) -> dict[str, str] | None:
    """The posted form's text fields, or None when the body is not a readable form."""
    try:
        form = await request.form(max_files=0, max_fields=20)
    except HTTPException:
        return None
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _login_page(
    session: WebSession, *, next_url: str, email: str, error: str | None, status: int
) -> Response:
    context = {
        "title": "Sign in",
        "user": None,
        "csrf": session.csrf,
        "next_url": next_url,
        "email": email[:320],
        "error": error,
    }
    return await render("login.html", context, status=status)


def _throttles(request: Request) -> tuple[LoginThrottle, LoginThrottle]:
    state = request.app.state
    return state.login_throttle_email, state.login_throttle_ip


def _client_address(request: Request) -> str:
    # uvicorn puts the X-Forwarded-For address here only when the proxy is trusted
    # (--forwarded-allow-ips); an untrusted header never picks the bucket.
    return request.client.host if request.client is not None else "unknown"


def _minutes(seconds: int) -> str:
    if seconds < 60:
        return "a minute"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes" if minutes > 1 else "a minute"


@router.get("/login")
async def login_form(
    request: Request, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """The sign-in form (signed-in people go straight on)."""
    target = safe_next(next_url)
    session = read_session(request)
    if session is not None and await principal_of(request, session) is not None:
        return RedirectResponse(target, status_code=303)
    # Reuse an anonymous session; a stale signed-in one is replaced.
    fresh = session is None or session.user_id is not None
    if fresh:
        session = new_session()
    assert session is not None
    response = await _login_page(session, next_url=target, email="", error=None, status=200)
    if fresh:
        write_session(response, request, session)
    return response


@router.post("/login")
async def login_submit(request: Request, db: Db) -> Response:
    """Sign in with email and password; sets the session cookie and goes on to `next`."""
    form = await read_form(request) or {}
    target = safe_next(form.get("next"))
    email = form.get("email", "")
    session = read_session(request)
    if session is None or not csrf_matches(session, form.get("csrf_token")):
        fresh = new_session()
        response = await _login_page(
            fresh, next_url=target, email=email, error=EXPIRED_FORM, status=403
        )
        write_session(response, request, fresh)
        return response
    by_email, by_ip = _throttles(request)
    email_key, ip_key = email.strip().lower()[:320], _client_address(request)
    wait = max(by_email.retry_after(email_key) or 0, by_ip.retry_after(ip_key) or 0)
    if wait:
        seconds = math.ceil(wait)
        response = await _login_page(
            session,
            next_url=target,
            email=email,
            error=TOO_MANY.format(wait=_minutes(seconds)),
            status=429,
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    found = await service.authenticate(db, email=email, password_text=form.get("password", ""))
    if found is None:
        by_email.fail(email_key)
        by_ip.fail(ip_key)
        return await _login_page(
            session, next_url=target, email=email, error=BAD_CREDENTIALS, status=401
        )
    by_email.reset(email_key)
    principal, _ = found
    # A row per session, so signing out (or a password change) can end it server-side;
    # None when the person was deactivated between the password check and now.
    session_id = await db.write(lifecycle.open_session, user_id=principal.id)
    if session_id is None:
        return await _login_page(
            session, next_url=target, email=email, error=BAD_CREDENTIALS, status=401
        )
    response = RedirectResponse(target, status_code=303)
    # A new CSRF token on every sign-in: one planted before it is worthless after.
    write_session(response, request, new_session(principal.id, session_id))
    return response


@router.post("/logout")
async def logout(request: Request, db: Db) -> Response:
    """Sign out (a CSRF-checked form post): ends the session on the server (the old
    cookie stops working everywhere) and clears the cookie."""
    form = await read_form(request) or {}
    session = read_session(request)
    if session is not None and not csrf_matches(session, form.get("csrf_token")):
        context = {
            "title": "Sign-out failed",
            "user": None,
            "csrf": "",
            "status": 403,
            "message": "The sign-out form was stale. Reload the page and sign out again.",
        }
        return await render("error.html", context, status=403)
    if session is not None and session.session_id:
        await db.write(lifecycle.end_session, session_id=session.session_id)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response
