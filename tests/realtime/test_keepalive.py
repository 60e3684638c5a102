"""Keepalive: `swarmboard serve` pings every websocket and drops a peer that went silent."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

import httpx

from tests.conftest import ADMIN_TOKEN, ROOT, free_port
from tests.factories import create_board
from tests.realtime.helpers import raw_ws_handshake


def _frames_until_end(sock: socket.socket, within: float) -> list[int]:
    """Opcodes of the server's frames until it closes the connection (never answering)."""
    sock.settimeout(within)
    opcodes: list[int] = []
    buf = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return opcodes
        if not chunk:
            return opcodes
        buf += chunk
        while len(buf) >= 2:
            length, header = buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    break
                length, header = struct.unpack("!H", buf[2:4])[0], 4
            if len(buf) < header + length:
                break
            opcodes.append(buf[0] & 0x0F)
            buf = buf[header + length :]


def _serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    """``swarmboard serve`` with a 0.5 s ping interval, once it answers /readyz."""
    env = {
        **os.environ,
        "SWARMBOARD_DATABASE_URL": database_url,
        "SWARMBOARD_ADMIN_TOKEN": ADMIN_TOKEN,
        "SWARMBOARD_WS_PING_INTERVAL": "0.5",
        # Its generated secret key lands in a temporary directory, not in the checkout.
        "SWARMBOARD_DATA_DIR": tempfile.mkdtemp(prefix="sb-data-"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("swarmboard serve did not become ready")


async def test_server_pings_and_drops_a_silent_client(client, settings):
    board = await create_board(client)
    port = free_port()
    proc = await asyncio.to_thread(_serve, settings.database_url, port)
    try:
        last = (await client.get(f"/api/boards/{board['id']}")).json()["last_seq"]
        sock = await asyncio.to_thread(raw_ws_handshake, port, board["id"], last)
        try:
            started = time.monotonic()
            opcodes = await asyncio.to_thread(_frames_until_end, sock, 15)
            elapsed = time.monotonic() - started
        finally:
            sock.close()
        assert 0x9 in opcodes  # the server pinged us
        assert elapsed < 15  # and, with no pong ever sent, it hung up on us
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)
