"""No text input may contain NUL (U+0000): one check in front of every route.

PostgreSQL cannot store NUL in text (asyncpg refuses it with an error the handlers
never see coming), so a ``?product=%00`` used to end as a 500 or an export cut off
mid-stream. :class:`NulGuard` refuses it with a 422 ``validation-error`` naming the
field, before any handler runs, on every database:

* the path, every query parameter (name or value) and every header;
* a JSON body (any ``*json`` type, or none: FastAPI reads those as JSON), anywhere in
  the document, keys included, and a urlencoded form, read whole (``max_body_bytes``
  bounds them) and handed on unchanged;
* a multipart body as it streams by: its part headers (field names, file names) and
  the values of its non-file fields. A file's bytes are data and may hold NUL. The
  body is refused when the handler reads that far, so an upload still streams, and
  the handler's reading fails before it has written anything.

A browser asking for a page (``Accept: text/html``, outside ``/api``) gets the styled
error page, still with status 422.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_page_for, problem_response

__all__ = ["BODY_CHECKED_ELSEWHERE", "NulGuard", "NulRefused", "first_nul"]

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Paths whose JSON body another layer checks for NUL: /mcp speaks JSON-RPC, and a
# problem+json answer to its request is not one its clients can read, so the MCP layer
# refuses a NUL in a tool's arguments as a tool error instead (app/agents/mcp_server.py).
BODY_CHECKED_ELSEWHERE = frozenset({"/mcp"})
_MESSAGE = "must not contain a NUL character (U+0000)"


class NulRefused(Exception):
    """A text input holds NUL; ``where`` is query, path, header, body or form."""

    def __init__(self, field: str, where: str) -> None:
        super().__init__(f"{where} {field}")
        self.field = field
        self.where = where


def _name(raw: str) -> str:
    return raw.replace("\x00", "\\0")


def _check_urlencoded(text: bytes, where: str) -> None:
    """A query string, or a form body in the same encoding."""
    if b"\x00" not in text and b"%00" not in text:
        return
    for name, value in parse_qsl(text.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            raise NulRefused(_name(name), where)


def _check_headers(headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if b"\x00" in name or b"\x00" in value:
            raise NulRefused(_name(name.decode("latin-1")), "header")


def _walk_json(value: Any, path: list[str]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise NulRefused(".".join(path) or "body", "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                raise NulRefused(".".join([*path, _name(key)]), "body")
            _walk_json(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_json(item, [*path, str(index)])


def _check_json(body: bytes) -> None:
    # A raw NUL byte is not valid JSON (the handler answers that); only the escape is text.
    if b"\\u0000" not in body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON: the route says so with its own 400
    _walk_json(document, [])


class _MultipartWatch:
    """Watches a multipart body go by; raises :class:`NulRefused` on a NUL in a part's
    headers or in a text field's value. A part with a file name, or with a
    Content-Type other than text, is a file: its bytes are data."""

    def __init__(self, boundary: bytes) -> None:
        self.header = b""
        self.headers: dict[bytes, bytes] = {}
        self.field = ""
        self.is_file = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_name,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
            },
        )

    def _part_begin(self) -> None:
        self.header = b""
        self.headers = {}
        self.field, self.is_file = "", False

    def _header_name(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        name = self.header.lower()
        self.headers[name] = self.headers.get(name, b"") + data[start:end]

    def _header_end(self) -> None:
        self.header = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.field = options.get(b"name", b"").decode("utf-8", "replace")
        for name, value in self.headers.items():
            if b"\x00" in name or b"\x00" in value:
                raise NulRefused(_name(self.field) or "part header", "form")
        kind = self.headers.get(b"content-type", b"text/plain").strip().lower()
        self.is_file = b"filename" in options or not kind.startswith(b"text/")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.is_file and b"\x00" in data[start:end]:
            raise NulRefused(self.field, "form")

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.write(chunk)
        except NulRefused:
            raise
        except Exception:
            pass  # an unreadable body is the handler's to refuse


def _content_type(scope: Scope) -> bytes | None:
    """The Content-Type as sent (a multipart boundary is case-sensitive)."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return bytes(value)
    return None


class NulGuard:
    """Pure ASGI: refuse NUL in the path, query, headers and body of every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if "\x00" in scope.get("path", ""):
                raise NulRefused("path", "path")
            _check_urlencoded(scope.get("query_string", b""), "query")
            _check_headers(scope.get("headers", []))
            receive = await self._checked_body(scope, receive)
        except NulRefused as refused:
            await _refuse(scope, receive, send, refused)
            return

        refusal: NulRefused | None = None
        started = False
        watch = _watch_for(scope)

        async def watched_receive() -> Message:
            nonlocal refusal
            message = await receive()
            if watch is not None and message["type"] == "http.request" and refusal is None:
                try:
                    watch.feed(message.get("body", b""))
                except NulRefused as refused:
                    refusal = refused
                    raise
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None:
                return  # whatever the handler answers, the client gets the 422
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, watched_receive if watch else receive, guarded_send)
        except NulRefused:
            if started:
                raise
        if refusal is not None and not started:
            await _refuse(scope, receive, send, refusal)

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        """The body read and checked when it is JSON or a urlencoded form; then a
        ``receive`` that hands it on. Other bodies are not read here."""
        if scope.get("method") not in _BODY_METHODS:
            return receive
        if scope.get("path") in BODY_CHECKED_ELSEWHERE:
            return receive
        kind = _content_type(scope)
        kind = kind.lower() if kind is not None else None
        is_form = kind is not None and kind.startswith(b"application/x-www-form-urlencoded")
        if not (kind is None or b"json" in kind or is_form):
            return receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(b"".join(chunks), receive, first=message)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if is_form:
            _check_urlencoded(body, "form")
        else:
            _check_json(body)
        return _replay(body, receive)


def _replay(body: bytes, receive: Receive, first: Message | None = None) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first or {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def first_nul(value: object, path: str = "") -> str | None:
    """Where a JSON value holds NUL in a string or a key (a dotted path), or None."""
    if isinstance(value, str):
        return path or "value" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = first_nul(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = first_nul(item, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
    return None


def _watch_for(scope: Scope) -> _MultipartWatch | None:
    if scope.get("method") not in _BODY_METHODS:
        return None
    kind = _content_type(scope)
    if kind is None or not kind.lower().startswith(b"multipart/form-data"):
        return None
    _, options = parse_options_header(kind)
    boundary = options.get(b"boundary")
    return _MultipartWatch(boundary) if boundary else None


async def _refuse(scope: Scope, receive: Receive, send: Send, refused: NulRefused) -> None:
    where = {"query": "query parameter", "form": "form field", "body": "field"}.get(
        refused.where, refused.where
    )
    detail = f"The {where} “{refused.field}” {_MESSAGE}."
    request = Request(scope, receive)
    page = await error_page_for(request, 422, "Invalid request", detail)
    if page is None:
        page = problem_response(
            422,
            "validation-error",
            "Invalid request",
            detail,
            errors=[{"field": refused.field, "in": refused.where, "message": _MESSAGE}],
        )
    await page(scope, receive, send)
