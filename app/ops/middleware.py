"""The request middleware: a request id per request, one log line and one latency sample.

Pure ASGI (not ``BaseHTTPMiddleware``), so streamed responses and websockets pass
through untouched and the request id context variable is visible to every handler.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.logging import redact_path, request_id_var
from app.ops.prometheus import OpsMetrics

__all__ = ["HEADER", "RequestOpsMiddleware", "incoming_request_id", "route_template"]

HEADER = "x-request-id"
# Letters, digits and a few separators (UUIDs, ULIDs, trace ids), at most 128 of them:
# anything else could forge log lines or bloat them, and is replaced.
_VALID_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
UNMATCHED = "<unmatched>"

access_log = logging.getLogger("swarmboard.access")


def incoming_request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when well-formed, otherwise a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            text: str = value.decode("latin-1")
            if _VALID_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, path: str) -> str | None:
    """The matched route's path template (``/api/boards/{board_id}``), or None."""
    route: Any = scope.get("route")
    if route is not None and not isinstance(route, Mount):
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
        if template:
            return str(template)
    # Mounts (static files) are not always recorded in the scope: match their prefix.
    router = getattr(scope.get("app"), "router", None)
    for mount in getattr(router, "routes", ()):
        if isinstance(mount, Mount) and (path == mount.path or path.startswith(mount.path + "/")):
            return f"{mount.path}/{{path}}"
    return None


class RequestOpsMiddleware:
    """Sets the request id, echoes it, logs the request and times it for ``/metrics``."""

    def __init__(self, app: ASGIApp, metrics: OpsMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        path = str(scope.get("path", ""))  # before routing (a mount may rewrite it)
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", ()) if k != HEADER.encode()]
                headers.append((HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "websocket.accept":
                status = 101
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            status = 500 if status is None else status
            raise
        finally:
            self._finish(scope, path, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _finish(self, scope: Scope, raw_path: str, status: int | None, seconds: float) -> None:
        template = route_template(scope, raw_path)
        final: int | None = status  # a websocket refused before accepting has a status
        if scope["type"] == "http":
            method = str(scope.get("method", ""))
            final = status if status is not None else 500
            self.metrics.observe_request(method, template or UNMATCHED, final, seconds)
        else:
            method = "WS"
        path = template if template is not None else redact_path(raw_path)
        access_log.info(
            "%s %s %s",
            method,
            path,
            final if final is not None else "closed",
            extra={
                "method": method,
                "path": path,
                "status": final,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
