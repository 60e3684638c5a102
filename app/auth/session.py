"""The browser session: a signed ``sb_session`` cookie and its CSRF token.

The cookie holds the user id, a CSRF token, the issue time and the random id of the
session's row in ``web_sessions``, signed with the secret key (itsdangerous,
HMAC-SHA256 with a derived key) and refused after :data:`MAX_AGE`. It is HttpOnly and
SameSite=Lax, and Secure over https (or whenever ``SWARMBOARD_PUBLIC_URL`` is https).
Every request checks the row in the database (no cache), so signing out, a password
change, deactivation or losing all access ends the session on every replica at once
(see :mod:`app.auth.lifecycle`). Anonymous sessions (no user id, no row) only carry
the CSRF token of the sign-in form.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.auth import lifecycle
from app.auth.exceptions import CsrfRejected
from app.auth.service import Principal
from app.core.db import Database

__all__ = [
    "COOKIE",
    "MAX_AGE",
    "WebSession",
    "api_principal",
    "clear_session",
    "csrf_matches",
    "new_session",
    "principal_of",
    "read_session",
    "session_principal",
    "write_session",
]

COOKIE = "sb_session"
MAX_AGE = 12 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_COOKIE = 4096


@dataclass(frozen=True, slots=True)
class WebSession:
    csrf: str
    user_id: int | None = None
    # The random id of the session's row (signed-in sessions only).
    session_id: str = ""
    issued_at: int = 0


def new_session(user_id: int | None = None, session_id: str = "") -> WebSession:
    """A fresh session with a new CSRF token (also rotated on every sign-in)."""
    return WebSession(
        csrf=secrets.token_urlsafe(32),
        user_id=user_id,
        session_id=session_id,
        issued_at=int(time.time()),
    )


@functools.lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret, salt="swarmboard.session.v1", signer_kwargs={"digest_method": hashlib.sha256}
    )


def _secret(conn: HTTPConnection) -> str:
    secret: str = conn.app.state.settings.signing_key
    return secret


def read_session(conn: HTTPConnection) -> WebSession | None:
    """The valid, unexpired session of the request's cookie, or None."""
    raw = conn.cookies.get(COOKIE)
    if not raw or len(raw) > _MAX_COOKIE:
        return None
    try:
        data: Any = _serializer(_secret(conn)).loads(raw, max_age=MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    csrf, uid, sid, iat = data.get("c"), data.get("u"), data.get("s", ""), data.get("i", 0)
    if not isinstance(csrf, str) or not csrf or not isinstance(sid, str):
        return None
    if uid is not None and (not isinstance(uid, int) or isinstance(uid, bool)):
        return None
    if not isinstance(iat, int) or iat > time.time() + 60:
        return None
    return WebSession(csrf=csrf, user_id=uid, session_id=sid, issued_at=iat)


def _secure(conn: HTTPConnection) -> bool:
    """Secure over https: the request's scheme (behind a proxy, uvicorn takes it from
    X-Forwarded-Proto only when that proxy is trusted), or an https public address."""
    if conn.url.scheme in ("https", "wss"):
        return True
    public_url: str = conn.app.state.settings.public_url
    return public_url.startswith("https://")


def write_session(response: Response, conn: HTTPConnection, session: WebSession) -> None:
    """Set the signed session cookie on the response."""
    payload = {"c": session.csrf, "u": session.user_id, "s": session.session_id}
    payload["i"] = session.issued_at
    response.set_cookie(
        COOKIE,
        _serializer(_secret(conn)).dumps(payload),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(conn),
    )


def clear_session(response: Response, conn: HTTPConnection) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(conn))


def csrf_matches(session: WebSession, token: object) -> bool:
    """Constant-time comparison of a submitted token with the session's."""
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(token.encode(), session.csrf.encode())


async def principal_of(conn: HTTPConnection, session: WebSession) -> Principal | None:
    """The person behind a signed-in session while its row lives, or None."""
    if session.user_id is None or not session.session_id:
        return None
    db: Database = conn.app.state.db
    return await db.read(
        lifecycle.principal_for_session,
        user_id=session.user_id,
        session_id=session.session_id,
    )


def _same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:  # not a browser: it could not have been tricked into connecting
        return True
    return urlsplit(origin).netloc.lower() == conn.headers.get("host", "").lower()


async def session_principal(conn: HTTPConnection) -> Principal | None:
    """``app.state.session_principal``: the signed-in person of a page or websocket.

    A websocket opened from another site's page is refused (browsers send the cookie
    with a cross-site websocket handshake in some cases; the Origin header tells).
    """
    if conn.scope["type"] == "websocket" and not _same_origin(conn):
        return None
    session = read_session(conn)
    if session is None:
        return None
    return await principal_of(conn, session)


async def api_principal(conn: HTTPConnection) -> Principal | None:
    """The JSON API's browser caller: the session cookie's person, or None.

    A change (POST, PUT, PATCH, DELETE) must carry the session's token in
    ``X-CSRF-Token``; otherwise it is refused with 403 before anything is read.
    """
    session = read_session(conn)
    if session is None or session.user_id is None:
        return None
    method = conn.scope.get("method", "GET")
    if method in UNSAFE_METHODS and not csrf_matches(session, conn.headers.get("x-csrf-token")):
        raise CsrfRejected("Send the page's CSRF token in the X-CSRF-Token header.")
    return await principal_of(conn, session)
