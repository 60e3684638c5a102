"""Request dependencies for the caller: an API token or the session cookie."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth import bots
from app.auth import service as auth_service
from app.auth import session as web_session
from app.auth.exceptions import InvalidToken
from app.core.db import Database
from app.core.deps import Db

__all__ = [
    "CurrentUser",
    "bearer_token",
    "get_current_user",
    "principal_for_token",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def principal_for_token(
    state: Any, db: Database, token: str
) -> auth_service.Principal | None:
    """Resolve an API token in the database, on every request.

    There is deliberately no in-process cache: a cached token kept working on other
    replicas for the cache's lifetime after it was revoked or its owner deactivated.
    The lookup is one indexed read (token hash, then the user's primary key), run outside
    a transaction: on PostgreSQL one round trip, not three.
    """
    return await db.lookup(auth_service.principal_for_token, auth_service.hash_token(token))


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; 401 otherwise."""
    if not header:
        raise InvalidToken("Send an API token as 'Authorization: Bearer <token>'.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("The Authorization header must be 'Bearer <token>'.")
    return token


async def get_current_user(request: Request, db: Db) -> auth_service.Principal:
    """The caller behind ``Authorization: Bearer <token>`` or, from a browser without that
    header, the session cookie (changes then need ``X-CSRF-Token``); 401 otherwise."""
    header = request.headers.get("authorization")
    if not header:
        principal = await web_session.api_principal(request)
        if principal is not None:
            return principal
    token = bearer_token(header)
    principal = await principal_for_token(request.app.state, db, token)
    if principal is None:
        raise InvalidToken("The API token is unknown or revoked.")
    if request.method not in _SAFE_METHODS:
        bots.refuse_if_stopped(principal)  # the kill switch: a stopped bot changes nothing
    return principal


CurrentUser = Annotated[auth_service.Principal, Depends(get_current_user)]
