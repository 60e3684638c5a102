"""Who is looking at a page: the signed-in person and their session, or a sign-in redirect."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import RedirectResponse

from app.auth.service import Principal
from app.auth.session import WebSession, principal_of, read_session

__all__ = ["signed_in", "to_login"]


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
