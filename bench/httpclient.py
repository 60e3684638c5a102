"""A minimal HTTP/1.1 keep-alive client on ``asyncio.open_connection``.

The load generator shares the machine with the server under test, so it must cost as
little CPU per request as possible: one persistent connection, request bytes built by
hand, and only the status line and the ``Content-Length`` (or chunked framing) parsed.
It speaks to loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["CLIENT_NAME", "RawClient"]

CLIENT_NAME = "raw asyncio HTTP/1.1 keep-alive"
_HOST = "127.0.0.1"


class RawClient:
    """One persistent connection to ``127.0.0.1:port``; one request in flight at a time."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        fixed = {"Host": f"{_HOST}:{port}", **(headers or {})}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(_HOST, self.port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and return ``(status, body)``."""
        reader, writer = await self._connect()
        head = f"{method} {path} HTTP/1.1\r\n{self._head}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode("latin-1") + b"\r\n" + body)
        try:
            status, payload, close = await self._read_response(reader)
        except BaseException:
            await self.close()
            raise
        if close:
            await self.close()
        return status, payload

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw[:-4].split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if length is not None:
            return status, await reader.readexactly(length), close
        if not chunked:
            raise ConnectionError("response has neither Content-Length nor chunked framing")
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return status, b"".join(parts), close
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
