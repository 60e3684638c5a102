"""Domain errors and their RFC 9457 ``application/problem+json`` rendering.

Every error a client can see is a :class:`DomainError` subclass carrying its HTTP
status and a stable problem ``type``; one set of handlers renders them::

    DomainError
    ├── BadRequest            400  bad-request
    ├── Unauthenticated       401  unauthenticated
    ├── Forbidden             403  forbidden
    ├── NotFound              404  not-found
    ├── Conflict              409  conflict
    │   └── (domain conflicts: wip-limit-exceeded, version-conflict, ...)
    ├── PreconditionFailed    412  precondition-failed
    └── ValidationFailed      422  validation-error

Services raise these; they never raise ``HTTPException``.

A browser asking for a page (``Accept: text/html``, a path outside ``/api``) that does
not exist, or with a method the page does not take, gets the styled error page with
the same 404 or 405 instead: the web layer puts its renderer in ``app.state.error_page``
(see :func:`error_page_for`). API clients always get problem+json.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

__all__ = [
    "PROBLEM_BASE",
    "BadRequest",
    "Conflict",
    "DomainError",
    "ErrorPage",
    "Forbidden",
    "NotFound",
    "PreconditionFailed",
    "Unauthenticated",
    "ValidationFailed",
    "error_page_for",
    "install_error_handlers",
    "problem_response",
    "wants_page",
]

PROBLEM_BASE = "https://swarmboard.dev/problems/"
_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}
log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every client-visible error."""

    status: int = 400
    type: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(DomainError):
    status, type, title = 400, "bad-request", "Bad request"


class Unauthenticated(DomainError):
    status, type, title = 401, "unauthenticated", "Authentication required"


class Forbidden(DomainError):
    status, type, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, type, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, type, title = 409, "conflict", "Conflict"


class PreconditionFailed(DomainError):
    status, type, title = 412, "precondition-failed", "Precondition failed"


class ValidationFailed(DomainError):
    status, type, title = 422, "validation-error", "Invalid request"


def problem_response(
    status: int,
    type_: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    sent = dict(headers or {})
    if status == 401:
        sent.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=sent or None
    )


ErrorPage = Callable[[Request, int, str, str], Awaitable[Response]]
"""Renders an error page: ``(request, status, title, message)``."""


def wants_page(request: Request) -> bool:
    """A browser asking for a page: HTML accepted, and not a path of the API."""
    path = request.url.path
    if path == "/api" or path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


async def error_page_for(
    request: Request, status: int, title: str, message: str
) -> Response | None:
    """The styled error page when a browser asks for a page and one is installed, or None."""
    render: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if render is None or not wants_page(request):
        return None
    return await render(request, status, title, message)


_PAGE_ERRORS = {
    404: ("Page not found", "There is no page at this address. Check the link you followed."),
    405: ("Not allowed here", "This page cannot be used that way."),
}

_STATUS_TYPES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Invalid request"),
    428: ("precondition-required", "Precondition required"),
    429: ("too-many-requests", "Too many requests"),
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        # "body"/"query"/"path" prefixes tell where, the rest is the field path.
        errors.append(
            {
                "field": ".".join(loc[1:]) or loc[0] if loc else "",
                "in": loc[0] if loc else "",
                "message": err.get("msg", "invalid"),
            }
        )
    return errors


async def _domain_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(exc.status, exc.type, exc.title, exc.detail, **exc.extra)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return problem_response(
            400, "invalid-json", "Bad request", "The request body is not valid JSON."
        )
    errors = _field_errors(exc)
    fields = ", ".join(sorted({e["field"] for e in errors if e["field"]})) or "request"
    return problem_response(
        422, "validation-error", "Invalid request", f"Invalid value for: {fields}", errors=errors
    )


def _documented_methods(app: Any) -> list[tuple[int, re.Pattern[str], set[str]]]:
    cached = getattr(app.state, "documented_methods", None)
    if cached is None:
        cached = []
        for template, operations in app.openapi().get("paths", {}).items():
            params = template.count("{")
            pattern = re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$")
            methods = {m.upper() for m in operations} & _HTTP_METHODS
            cached.append((params, pattern, methods | ({"HEAD"} if "GET" in methods else set())))
        app.state.documented_methods = cached
    return cached


def _allowed_methods(request: Request) -> str:
    # Starlette's 405 lists only the first route whose path matched, but GET and POST
    # on one path are two routes; the OpenAPI paths know them all. A literal path
    # (/users/me) wins over a template (/users/{user_id}), as in routing.
    path = request.url.path
    matches = [
        (n, methods)
        for n, pattern, methods in _documented_methods(request.app)
        if pattern.match(path)
    ]
    if not matches:
        return ""
    fewest = min(n for n, _ in matches)
    return ", ".join(sorted(set().union(*(m for n, m in matches if n == fewest))))


async def _http_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _STATUS_TYPES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    # Keep the exception's headers; a 405 must list every Allowed method (RFC 9110).
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    if exc.status_code in _PAGE_ERRORS:
        page = await error_page_for(request, exc.status_code, *_PAGE_ERRORS[exc.status_code])
        if page is not None:
            page.headers.update(headers)
            return page
    return problem_response(exc.status_code, type_, title, detail, headers=headers)


async def _integrity_handler(request: Request, exc: Exception) -> JSONResponse:
    # A unique or foreign-key violation that slipped past a service check is still the
    # client's conflict, not a server fault; the transaction has already rolled back.
    log.info("integrity error rendered as 409: %s", exc)
    return problem_response(409, "conflict", "Conflict", "The change conflicts with existing data.")


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "internal-error", "Internal server error", "An unexpected error occurred."
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(IntegrityError, _integrity_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
