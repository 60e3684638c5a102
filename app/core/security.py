"""Web security for every response and request: headers, body-size limits, sign-in
throttling (installed by :func:`install_security`).

* Every HTTP response gets a strict Content-Security-Policy (a route's own CSP, such
  as the sandboxing one of evidence files, is kept), ``nosniff``, a same-origin
  referrer, ``X-Frame-Options: DENY`` and a Permissions-Policy that turns off the
  powerful features the pages never use.
* A request body larger than ``max_body_bytes`` (evidence uploads: their own limit plus
  multipart framing) is refused with 413 ``payload-too-large``: at once when
  Content-Length says so, otherwise as soon as the streamed body grows past it. The
  handler never gets the rest, and its response, if any, is replaced by the 413.
* Text inputs holding NUL (U+0000) are refused with 422 before any handler runs
  (:class:`app.core.nul.NulGuard`, inside the body limits).
* :class:`LoginThrottle` counts failed sign-ins per email and per client address.
  It lives in this replica's memory (each replica counts its own) and remembers a
  bounded number of keys.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import PROBLEM_BASE
from app.core.nul import NulGuard

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "BodyTooLarge",
    "LoginThrottle",
    "SecurityMiddleware",
    "install_security",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
)
# Evidence uploads are limited by storage.receive (the file plus 64 KiB of framing);
# this allowance sits above that, so its more specific 413 answers first.
EVIDENCE_OVERHEAD_BYTES = 128 * 1024
_EVIDENCE_UPLOAD = re.compile(r"/api/cards/[^/]+/evidence/?")


class BodyTooLarge(HTTPException):
    """The request body outgrew its limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit))


def _too_large_detail(limit: int) -> str:
    return f"The request body may be at most {limit} bytes."


_Problem = tuple[list[tuple[bytes, bytes]], bytes]


def _problem(status: int, type_: str, title: str, detail: str, **extra: Any) -> _Problem:
    problem = {"type": PROBLEM_BASE + type_, "title": title, "status": status, "detail": detail}
    body = json.dumps({**problem, **extra}).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return headers, body


def _add_headers(message: Message) -> None:
    headers = MutableHeaders(raw=list(message.get("headers", [])))
    for name, value in _HEADERS:
        key = name.decode()
        if key not in headers:
            headers.append(key, value.decode())
    message["headers"] = headers.raw


class SecurityMiddleware:
    """Pure ASGI: security headers on every response, body-size limits on every request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, evidence_max_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.evidence_body_bytes = evidence_max_bytes + EVIDENCE_OVERHEAD_BYTES

    def limit_for(self, scope: Scope) -> int:
        if scope.get("method") == "POST" and _EVIDENCE_UPLOAD.fullmatch(scope.get("path", "")):
            return self.evidence_body_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        started = refused = False

        async def send_problem(status: int, problem: _Problem) -> None:
            nonlocal started
            headers, body = problem
            start: Message = {"type": "http.response.start", "status": status, "headers": headers}
            _add_headers(start)
            started = True
            await send(start)
            await send({"type": "http.response.body", "body": body})

        async def send_413() -> None:
            detail = _too_large_detail(limit)
            problem = _problem(
                413, "payload-too-large", "Payload too large", detail, max_bytes=limit
            )
            await send_problem(413, problem)

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_413()
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # whatever the app answers, the client gets the 413
            if message["type"] == "http.response.start":
                _add_headers(message)
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if started:
                raise
        except Exception:
            # Starlette's outermost error middleware answers an unhandled error past every
            # other middleware, without these headers: answer first, here. The error goes
            # on up, to be logged; a response already started is not answered twice.
            if not started:
                detail = "An unexpected error occurred."
                problem = _problem(500, "internal-error", "Internal server error", detail)
                await send_problem(500, problem)
            raise
        if refused and not started:
            await send_413()


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class LoginThrottle:
    """Failed sign-ins per key (an email or an address) within a sliding window.

    Each key keeps at most ``max_failures`` timestamps, and at most ``max_keys`` keys
    are kept (the least recently failed are forgotten first), so memory stays bounded.
    """

    def __init__(
        self,
        *,
        max_failures: int,
        window_seconds: float,
        max_keys: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        found = self._failures.get(key)
        if found is None:
            return None
        while found and found[0] <= now - self.window:
            found.popleft()
        if not found:
            del self._failures[key]
            return None
        return found

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None when it is not locked out."""
        now = self.clock()
        found = self._recent(key, now)
        if found is None or len(found) < self.max_failures:
            return None
        return max(found[0] + self.window - now, 1.0)

    def fail(self, key: str) -> None:
        now = self.clock()
        found = self._recent(key, now)
        if found is None:
            found = self._failures[key] = deque(maxlen=self.max_failures)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(key)
        found.append(now)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def clear(self) -> None:
        self._failures.clear()

    def __len__(self) -> int:
        return len(self._failures)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the security middleware to ``app`` and its sign-in throttles to its state."""
    # Added first, so it runs inside SecurityMiddleware: the bodies it reads are
    # already limited, and its refusals get the security headers.
    app.add_middleware(NulGuard)
    app.add_middleware(
        SecurityMiddleware,
        max_body_bytes=settings.max_body_bytes,
        evidence_max_bytes=settings.evidence_max_bytes,
    )
    # Per replica: a client spreading its attempts over N replicas gets N times the tries.
    app.state.login_throttle_email = LoginThrottle(
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_window_seconds,
        max_keys=settings.login_throttle_max_keys,
    )
    app.state.login_throttle_ip = LoginThrottle(
        max_failures=settings.login_max_failures_per_ip,
        window_seconds=settings.login_window_seconds,
        max_keys=settings.login_throttle_max_keys,
    )
