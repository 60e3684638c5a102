"""Structured logs: one JSON object per line, each carrying the request id it was emitted in.

The request id lives in a context variable set by the request middleware, so every record
emitted while a request is handled (by any logger) carries it. Secrets never reach the
output: request lines hold a route template or a redacted path (no query string, no
headers), and every formatted line also passes through :func:`redact`, a safety net for
API tokens, webhook secrets and confirmation links that a message might quote.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

__all__ = [
    "REQUEST_FIELDS",
    "JsonFormatter",
    "TextFormatter",
    "cap_library_loggers",
    "configure_logging",
    "redact",
    "redact_path",
    "request_id_var",
]

request_id_var: ContextVar[str | None] = ContextVar("swarmboard_request_id", default=None)

# Extra attributes of a record that the formatters print, in this order.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")

# API tokens (sb_ + 43 url-safe characters), webhook secrets (whsec_ + base64) and
# customer confirmation links (/c/<token>).
_SECRETS = re.compile(r"\bsb_[A-Za-z0-9_\-]{20,}|\bwhsec_[A-Za-z0-9+/=]+")
_CONFIRM = re.compile(r"/c/(?!\{token\})[^\s/?#\"']+")
ELLIPSIS = "…"
MAX_PATH = 200


def redact(text: str) -> str:
    """``text`` with anything shaped like a token, a secret or a confirmation link hidden."""
    return _CONFIRM.sub("/c/" + ELLIPSIS, _SECRETS.sub(ELLIPSIS, text))


def redact_path(path: str) -> str:
    """A raw request path fit for a log: confirmation tokens hidden, length bounded."""
    if path == "/c" or path.startswith("/c/"):
        return "/c/" + ELLIPSIS
    path = redact(path)
    return path if len(path) <= MAX_PATH else path[:MAX_PATH] + ELLIPSIS


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id and the
    request fields when present (exception text under ``exc_info``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A human line: ``time level logger [request id] message``, redacted like the JSON."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        line = super().format(record)
        if request_id:
            line = f"{line} [{request_id}]"
        return redact(line)


def configure_logging(fmt: Literal["json", "text"] = "json", level: str = "info") -> None:
    """Send every logger to one stderr handler in ``fmt`` (``swarmboard serve`` calls it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Uvicorn's own loggers go through the root handler; its access log is off (it
    # prints raw paths, query strings included), our request log replaces it.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    cap_library_loggers()
    # Whatever else Python would print on stderr goes through the same handler, so in
    # JSON mode every line stays JSON: warnings, uncaught exceptions (in the main thread
    # and others) and exceptions ignored during clean-up.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_exception
    sys.unraisablehook = _log_unraisable


_crash_log = logging.getLogger("swarmboard")


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        _crash_log.info("interrupted")
        return
    _crash_log.critical("stopped by an uncaught %s", kind.__name__, exc_info=(kind, exc, tb))


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    _crash_log.error(
        "uncaught %s in thread %s",
        args.exc_type.__name__,
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _log_unraisable(unraisable: Any) -> None:
    exc = unraisable.exc_value
    info = (type(exc), exc, unraisable.exc_traceback) if exc is not None else None
    _crash_log.error(
        "%s: %r", unraisable.err_msg or "exception ignored in", unraisable.object, exc_info=info
    )


# Libraries whose INFO or DEBUG records carry secrets: SQLAlchemy logs statements with
# their parameters (webhook secrets, token hashes), httpx every URL it calls (webhook
# URLs may carry their owners' keys), websockets and httpcore request headers.
_CAPPED = ("sqlalchemy", "httpx", "httpcore", "websockets", "hpack", "multipart")
# Alembic 1.18+ logs a "setup plugin" line per built-in plugin at INFO on every start;
# the lines that say which migrations ran (alembic.runtime.migration) stay.
_QUIET = ("alembic.runtime.plugins",)


def cap_library_loggers() -> None:
    """Keep the libraries that would log secrets at warnings and above, whatever the
    level of the root logger."""
    for name in (*_CAPPED, *_QUIET):
        logging.getLogger(name).setLevel(logging.WARNING)
