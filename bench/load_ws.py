"""The websocket side of ``bench/load.py``: one separate process holding N live-board sockets.

Each socket (the raw client of ``bench/wsclient.py``) subscribes to one board on one
replica with ``?since=<last_seq at connect>``. Every message is stamped with
``time.monotonic()`` (one clock for all processes) on arrival. Per board and seq the
process keeps the first and last arrival over its sockets and how many sockets got it;
per socket it keeps only its highest seq and the holes below it, so a ten-minute run
costs no memory per message:

* a seq above ``last + 1`` leaves a hole (``last+1 .. seq-1``);
* a seq at or below ``last`` fills a hole (out of order) or is a duplicate;
* at the end, ``missing`` = the holes left at or below the board's final seq, plus
  ``final - last`` when the socket stopped short.

The parent talks to it over a pipe: ``("connected", n, errors)`` once all sockets are
open, ``("status", ...)`` answers to ``"status"`` during the run, and after
``("finish", {board: final_seq})`` it drains (bounded) and sends ``("result", WsResult)``.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import uvloop

from bench import wsclient
from bench.fanout import raise_nofile

__all__ = ["SocketPlan", "WsPlan", "WsResult", "ws_worker"]

CONNECT_CONCURRENCY = 64
DRAIN_TIMEOUT = 30.0


@dataclass(slots=True)
class SocketPlan:
    port: int
    board_id: int
    since: int
    token: str


@dataclass(slots=True)
class WsPlan:
    sockets: list[SocketPlan]
    nofile: int


@dataclass(slots=True)
class WsResult:
    connected: int = 0
    connect_errors: Counter[str] = field(default_factory=Counter)
    # board -> seq -> [first arrival, last arrival, sockets that got it]
    arrivals: dict[int, dict[int, list[float]]] = field(default_factory=dict)
    types: dict[int, dict[int, str]] = field(default_factory=dict)  # board -> seq -> type
    sockets_per_board: Counter[int] = field(default_factory=Counter)
    messages: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    sockets_short: int = 0  # sockets that did not reach the final seq
    unexpected: Counter[str] = field(default_factory=Counter)


class Socket:
    """One subscription's bookkeeping (the connection itself is a ``WsClient``)."""

    __slots__ = ("board_id", "client", "dup", "holes", "last", "ooo")

    def __init__(self, board_id: int, since: int) -> None:
        self.board_id = board_id
        self.last = since
        self.holes: set[int] = set()
        self.dup = 0
        self.ooo = 0
        self.client: wsclient.WsClient | None = None


def _callback(sock: Socket, result: WsResult) -> wsclient.OnMessage:
    arrivals = result.arrivals.setdefault(sock.board_id, {})
    types = result.types.setdefault(sock.board_id, {})
    unexpected = result.unexpected

    def on_message(now: float, text: str) -> None:
        result.messages += 1
        msg = json.loads(text)
        seq = msg.get("seq")
        if not isinstance(seq, int):
            unexpected[f"message {text[:80]}"] += 1
            return
        entry = arrivals.get(seq)
        if entry is None:
            arrivals[seq] = [now, now, 1.0]
            types[seq] = str(msg.get("type"))
        else:
            entry[1] = now
            entry[2] += 1
        last = sock.last
        if seq == last + 1:
            sock.last = seq
        elif seq > last:
            sock.holes.update(range(last + 1, seq))
            sock.last = seq
        elif seq in sock.holes:
            sock.holes.discard(seq)
            sock.ooo += 1
        else:
            sock.dup += 1

    return on_message


async def _run(plan: WsPlan, pipe: Connection) -> None:
    result = WsResult()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    loop = asyncio.get_running_loop()
    sockets: list[Socket] = []

    async def open_one(sp: SocketPlan) -> None:
        sock = Socket(sp.board_id, sp.since)
        on_message = _callback(sock, result)
        async with gate:
            try:
                sock.client = await wsclient.connect(
                    sp.port,
                    f"/ws/boards/{sp.board_id}?since={sp.since}",
                    {"Authorization": f"Bearer {sp.token}"},
                    deflate=False,
                    on_message=on_message,
                )
            except Exception as exc:
                result.connect_errors[repr(exc)[:120]] += 1
                return
        sockets.append(sock)
        result.connected += 1
        result.sockets_per_board[sp.board_id] += 1

    await asyncio.gather(*(open_one(sp) for sp in plan.sockets))
    pipe.send(("connected", result.connected, dict(result.connect_errors)))

    while True:
        command, arg = await loop.run_in_executor(None, pipe.recv)
        if command == "status":
            closed = sum(1 for s in sockets if s.client is not None and s.client.closed.done())
            pipe.send(("status", result.messages, closed))
            continue
        assert command == "finish"
        finals: dict[int, int] = arg
        break

    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:  # until every open socket has its board's final
        pending = [
            s
            for s in sockets
            if s.client is not None and not s.client.closed.done() and s.last < finals[s.board_id]
        ]
        if not pending:
            break
        await asyncio.sleep(0.02)

    for s in sockets:
        final = finals[s.board_id]
        result.missing += sum(1 for h in s.holes if h <= final) + max(0, final - s.last)
        result.sockets_short += s.last < final
        result.duplicates += s.dup
        result.out_of_order += s.ooo
        client = s.client
        assert client is not None
        if client.closed.done():
            result.unexpected[f"closed by server, code {client.close_code}"] += 1
        if client.protocol_errors:
            result.unexpected["protocol error"] += client.protocol_errors
        client.close()
    if sockets:
        await asyncio.wait([s.client.closed for s in sockets if s.client is not None], timeout=5)
    pipe.send(("result", result))


def ws_worker(plan: WsPlan, pipe: Connection) -> None:
    """Entry point of the websocket client process."""
    raise_nofile(plan.nofile)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_run(plan, pipe))
