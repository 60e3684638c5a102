"""A real HTTP receiver on loopback for webhook tests (asyncio streams, no framework)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # What the receiver answered (None while the request is held, or if it never was).
    status: int | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


def ok(_: Received) -> Response:
    return 200, {}, b"ok"


def script(*answers: Response, then: Response = (200, {}, b"ok")) -> Callable[[Received], Response]:
    """Answer with ``answers`` in turn, then always with ``then``."""
    queue = list(answers)

    def respond(_: Received) -> Response:
        return queue.pop(0) if queue else then

    return respond


@dataclass
class Receiver:
    """Records every request; answers with ``respond(request) -> (status, headers, body)``
    (200 by default). :meth:`hold` keeps every request open, unanswered, until
    :meth:`release`. :meth:`stop` closes the port *and* every open connection, so a
    stopped receiver is really down (no keep-alive connection still answers)."""

    respond: Callable[[Received], Response] = field(default=ok)
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"
    _server: asyncio.Server | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _gate: asyncio.Event = field(default_factory=asyncio.Event)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._gate.set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    @property
    def ids(self) -> list[str]:
        """The webhook-id of every request, in arrival order."""
        return [r.webhook_id for r in self.requests]

    def counts(self) -> Counter[str]:
        return Counter(self.ids)

    def hold(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    async def start(self) -> Receiver:
        """Listen (again, on the same port once one was chosen)."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        self._gate.set()  # held handlers find their connection closed and end
        if server is not None:
            await server.wait_closed()

    async def wait_for(self, count: int, within: float = 15) -> list[Received]:
        """Until ``count`` requests have arrived (fails after ``within`` seconds)."""
        await self.wait_until(lambda reqs: len(reqs) >= count, within)
        return self.requests

    async def wait_until(
        self, done: Callable[[list[Received]], bool], within: float = 15
    ) -> list[Received]:
        """Until ``done(requests)`` holds, checked as each request arrives."""

        async def check() -> None:
            while not done(self.requests):
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(check(), within)
        return self.requests

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                req = Received(path=path, headers=headers, body=body)
                self.requests.append(req)
                self._arrived.set()
                await self._gate.wait()
                if writer.is_closing():
                    return
                status, extra, payload = self.respond(req)
                out = [f"HTTP/1.1 {status} X", f"content-length: {len(payload)}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                req.status = status
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
