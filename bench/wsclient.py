"""A minimal receive-only websocket client (RFC 6455) on an ``asyncio.Protocol``.

The fan-out benchmark runs a thousand of these next to the server under test on a
two-core machine, so each one must cost as little CPU per message as possible: no task
per connection, no per-message future, frames parsed straight out of
``data_received`` and every message of one read stamped with the same arrival time.

What it does: the opening handshake (``Authorization`` header, ``Sec-WebSocket-Accept``
checked, ``permessage-deflate`` offered only when asked for and its negotiation
checked), unmasked server frames of any length, fragmented messages, compressed
messages (RSV1, raw DEFLATE with the ``00 00 ff ff`` tail restored), answering pings
with masked pongs, and the closing handshake. It speaks to loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import time
import zlib
from collections.abc import Callable
from typing import cast

__all__ = ["HandshakeError", "WsClient", "connect"]

_HOST = "127.0.0.1"
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_DEFLATE_TAIL = b"\x00\x00\xff\xff"
OPEN_TIMEOUT = 30.0  # seconds for the TCP connect plus the opening handshake
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10

# Called with (arrival time from time.monotonic(), message text).
OnMessage = Callable[[float, str], None]


class HandshakeError(Exception):
    """The server refused the upgrade or answered it wrongly."""


def _mask(payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    full = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(full, "big")).to_bytes(n, "big")
    return key + masked


def _client_frame(opcode: int, payload: bytes = b"") -> bytes:
    assert len(payload) < 126  # control frames only
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + _mask(payload)


class WsClient(asyncio.Protocol):
    """One connection; ``on_message`` gets every complete text message."""

    def __init__(self, request: bytes, key: bytes, deflate: bool, on_message: OnMessage) -> None:
        self._request = request
        self._accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self._deflate_offered = deflate
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.deflate = False  # negotiated
        self.close_code: int | None = None
        self.protocol_errors = 0
        self._inflate: zlib._Decompress | None = None
        self._buf = bytearray()
        self._fragments: list[bytes] = []
        self._fragment_compressed = False
        self._close_sent = False

    # -- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self._buf += data
        if not self.handshake.done():
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self._buf = bytes(self._buf[:end]), self._buf[end + 4 :]
            try:
                self._check_handshake(head)
            except HandshakeError as exc:
                self.handshake.set_exception(exc)
                self._abort()
                return
            self.handshake.set_result(None)
        self._parse_frames(now)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeError(f"connection lost: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)

    # -- protocol ---------------------------------------------------------------------
    def _check_handshake(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or parts[1] != b"101":
            raise HandshakeError(lines[0].decode("latin-1"))
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"sec-websocket-accept") != self._accept:
            raise HandshakeError("bad Sec-WebSocket-Accept")
        extensions = headers.get(b"sec-websocket-extensions", b"")
        if extensions and not (self._deflate_offered and b"permessage-deflate" in extensions):
            raise HandshakeError(f"unexpected extensions {extensions!r}")
        if extensions:
            # The largest window inflates whatever window size the server chose.
            self.deflate = True
            self._inflate = zlib.decompressobj(-15)

    def _parse_frames(self, now: float) -> None:
        buf = self._buf
        pos, end = 0, len(buf)
        while end - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if end - pos < 4:
                    break
                (length,), head = struct.unpack_from("!H", buf, pos + 2), 4
            elif length == 127:
                if end - pos < 10:
                    break
                (length,), head = struct.unpack_from("!Q", buf, pos + 2), 10
            if b1 & 0x80:  # servers must not mask
                self.protocol_errors += 1
                self._abort()
                return
            if end - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._on_frame(now, b0, payload)
        del buf[:pos]

    def _on_frame(self, now: float, b0: int, payload: bytes) -> None:
        fin, rsv1, opcode = b0 & 0x80, b0 & 0x40, b0 & 0x0F
        if opcode in (OP_TEXT, OP_BINARY):
            self._fragment_compressed = bool(rsv1)
            self._fragments = [payload]
        elif opcode == OP_CONT:
            self._fragments.append(payload)
        elif opcode == OP_PING:
            self._write(_client_frame(OP_PONG, payload))
            return
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self.close()
            return
        else:  # a pong, or something unknown
            return
        if not fin:
            return
        data = b"".join(self._fragments)
        self._fragments = []
        if self._fragment_compressed:
            if self._inflate is None:
                self.protocol_errors += 1
                return
            data = self._inflate.decompress(data + _DEFLATE_TAIL)
        self.on_message(now, data.decode())

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self, code: int = 1000) -> None:
        """Start (or answer) the closing handshake; the server then drops the TCP link."""
        if not self._close_sent:
            self._close_sent = True
            self._write(_client_frame(OP_CLOSE, struct.pack("!H", code)))
        loop = asyncio.get_running_loop()
        loop.call_later(2.0, self._abort)  # bounded: do not wait forever for the server


async def connect(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    deflate: bool,
    on_message: OnMessage,
) -> WsClient:
    """Open one websocket to ``ws://127.0.0.1:port{path}``; raise HandshakeError if refused."""
    async with asyncio.timeout(OPEN_TIMEOUT):
        return await _connect(port, path, headers, deflate, on_message)


async def _connect(
    port: int, path: str, headers: dict[str, str], deflate: bool, on_message: OnMessage
) -> WsClient:
    key = base64.b64encode(os.urandom(16))
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {_HOST}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key.decode()}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    if deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: WsClient(request, key, deflate, on_message), _HOST, port
    )
    await client.handshake
    return client
