"""Real websocket clients for the live-board tests."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def ws_connect(
    base_ws_url: str, board_id: int, since: int = 0, token: str = ADMIN_TOKEN, **kwargs: Any
) -> Any:
    return connect(
        f"{base_ws_url}/ws/boards/{board_id}?since={since}",
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
        **kwargs,
    )


async def receive(ws: ClientConnection, count: int, within: float = 10) -> list[dict[str, Any]]:
    """The next ``count`` messages, decoded; fails if they do not come in time."""
    out = []
    for _ in range(count):
        out.append(json.loads(await asyncio.wait_for(ws.recv(), within)))
    return out


async def http_move(base_url: str, card_id: int, column_id: int) -> httpx.Response:
    async with httpx.AsyncClient(headers=AUTH, timeout=10) as http:
        return await http.post(
            f"{base_url}/api/cards/{card_id}/move", json={"column_id": column_id}
        )


def raw_ws_handshake(port: int, board_id: int, since: int) -> socket.socket:
    """Open a websocket by hand on a socket with a tiny receive buffer; return it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws/boards/{board_id}?since={since} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)  # byte by byte: leave every frame in the kernel buffer
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """Read one unmasked server frame off a raw socket: (opcode, payload)."""

    def exact(n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection ended mid-frame or before the expected frames")
            buf += chunk
        return buf

    b0, b1 = exact(2)
    length = b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", exact(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", exact(8))[0]
    return b0 & 0x0F, exact(length)


def read_frames_until_close(sock: socket.socket) -> list[tuple[int, bytes]]:
    """Read unmasked server frames until a close frame; return (opcode, payload) pairs."""
    frames = []
    while True:
        frames.append(read_frame(sock))
        if frames[-1][0] == 0x8:
            return frames


async def until_closed(
    ws: ClientConnection, within: float = 10
) -> tuple[list[dict[str, Any]], int | None]:
    """Every message up to the server's close, decoded, and the close code.

    Fails if the socket is not closed in time.
    """
    messages: list[dict[str, Any]] = []

    async def drain() -> None:
        try:
            while True:
                messages.append(json.loads(await ws.recv()))
        except ConnectionClosed:
            return

    await asyncio.wait_for(drain(), within)
    return messages, ws.close_code


async def close_code_of(base_ws_url: str, path: str, **headers: str) -> tuple[int | None, str]:
    """Open ``path`` and return the close code and reason the server ends it with."""
    async with connect(base_ws_url + path, additional_headers=headers, open_timeout=10) as ws:
        messages, code = await until_closed(ws)
        assert messages == []  # a refusal carries no data
        return code, ws.close_reason or ""


async def api_call(
    base_url: str, method: str, path: str, token: str = ADMIN_TOKEN, **kwargs: Any
) -> httpx.Response:
    """One request to a live server as ``token``'s person."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        return await http.request(method, base_url + path, **kwargs)
