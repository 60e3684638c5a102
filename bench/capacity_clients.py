"""The websocket side of ``bench/capacity.py``: one process, N sockets over B boards.

The process opens every socket once (``bench/wsclient.py``, the light raw client) and
keeps it across the search's steps. Every message is stamped with ``time.monotonic()``
on arrival (one clock for all processes on the machine). After each step the parent
sends the step's start and final seq of every board; the process waits (bounded) until
each open socket has its board's final event, then checks that every socket got every
event of its board in that range exactly once and in seq order, and answers with the
counts and, per (board, seq), the card moved and the arrival at the LAST socket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing as mp
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import uvloop

from bench import wsclient
from bench.fanout import CONNECT_CONCURRENCY, Workers, raise_nofile

__all__ = ["ClientPlan", "ClientProcess", "StepDelivery"]


@dataclass(slots=True)
class ClientPlan:
    port: int
    token: str
    boards: list[tuple[int, int]]  # (board id, since) per board
    per_board: int  # sockets on each board
    nofile: int


@dataclass(slots=True)
class StepDelivery:
    """What the sockets saw of one step."""

    open_sockets: dict[int, int] = field(default_factory=dict)  # board -> open at the check
    delivered: int = 0  # messages in the step's seq ranges, over all sockets
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)  # closes, stray messages
    # board -> [(seq, card_id, arrival at the last socket that got it)], seq order
    events: dict[int, list[tuple[int, Any, float]]] = field(default_factory=dict)
    settle_seconds: float = 0.0


class _Socket:
    """One client's board and received seqs; ``cursor`` marks what earlier steps checked."""

    __slots__ = ("board", "client", "cursor", "reported_closed", "seqs")

    def __init__(self, board: int) -> None:
        self.board = board
        self.seqs: list[int] = []
        self.cursor = 0
        self.client: wsclient.WsClient | None = None
        self.reported_closed = False


class _Boards:
    """Per board and seq: how many sockets got it, the last arrival, the card it moved."""

    def __init__(self) -> None:
        self.count: dict[int, dict[int, int]] = {}
        self.last: dict[int, dict[int, float]] = {}
        self.card: dict[int, dict[int, Any]] = {}
        self.stray: Counter[str] = Counter()

    def callback(self, sock: _Socket) -> wsclient.OnMessage:
        count = self.count.setdefault(sock.board, {})
        last = self.last.setdefault(sock.board, {})
        card = self.card.setdefault(sock.board, {})
        seqs, stray = sock.seqs, self.stray

        def on_message(now: float, text: str) -> None:
            msg = json.loads(text)
            seq = msg.get("seq")
            if not isinstance(seq, int):
                stray[f"message {text[:80]}"] += 1
                return
            seqs.append(seq)
            if seq in count:
                count[seq] += 1
                if now > last[seq]:
                    last[seq] = now
            else:
                count[seq], last[seq] = 1, now
                card[seq] = (msg.get("data") or {}).get("card_id")

        return on_message


async def _open_all(plan: ClientPlan, boards: _Boards) -> tuple[list[_Socket], Counter[str]]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    headers = {"Authorization": f"Bearer {plan.token}"}
    errors: Counter[str] = Counter()
    sockets = [_Socket(b) for b, _ in plan.boards for _ in range(plan.per_board)]
    since = dict(plan.boards)

    async def open_one(sock: _Socket) -> None:
        path = f"/ws/boards/{sock.board}?since={since[sock.board]}"
        async with gate:
            try:
                sock.client = await wsclient.connect(
                    plan.port, path, headers, deflate=False, on_message=boards.callback(sock)
                )
            except Exception as exc:
                errors[repr(exc)[:120]] += 1

    # Board by board in turn, so a slow connect phase still covers every board.
    order = [s for group in itertools.zip_longest(*_by_board(sockets)) for s in group if s]
    await asyncio.gather(*(open_one(s) for s in order))
    return [s for s in sockets if s.client is not None], errors


def _by_board(sockets: list[_Socket]) -> list[list[_Socket]]:
    groups: dict[int, list[_Socket]] = {}
    for s in sockets:
        groups.setdefault(s.board, []).append(s)
    return list(groups.values())


async def _settle(
    sockets: list[_Socket], starts: dict[int, int], finals: dict[int, int], at_most: float
) -> float:
    """Wait until every open socket holds its board's final seq (or ``at_most`` seconds)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < at_most:
        if all(
            s.client is None
            or s.client.closed.done()
            or finals[s.board] <= starts[s.board]
            or (s.seqs and s.seqs[-1] >= finals[s.board])
            for s in sockets
        ):
            break
        await asyncio.sleep(0.02)
    return time.monotonic() - t0


def _check(
    sockets: list[_Socket],
    boards: _Boards,
    starts: dict[int, int],
    finals: dict[int, int],
) -> StepDelivery:
    out = StepDelivery()
    for s in sockets:
        assert s.client is not None
        if s.client.closed.done():
            if not s.reported_closed:
                s.reported_closed = True
                out.unexpected[f"closed by server, code {s.client.close_code}"] += 1
            continue
        out.open_sockets[s.board] = out.open_sockets.get(s.board, 0) + 1
        start, final = starts[s.board], finals[s.board]
        new, s.cursor = s.seqs[s.cursor :], len(s.seqs)
        got = set(new)
        out.missing += sum(1 for q in range(start + 1, final + 1) if q not in got)
        out.duplicates += len(new) - len(got) + sum(1 for q in got if q <= start)
        out.out_of_order += sum(1 for a, b in itertools.pairwise(new) if b < a)
        if extra := sum(1 for q in got if q > final):
            out.unexpected["seq after the board's final"] += extra
        out.delivered += sum(1 for q in new if start < q <= final)
        if s.client.protocol_errors:
            out.unexpected["protocol error"] += s.client.protocol_errors
            s.client.protocol_errors = 0
    for board, final in finals.items():
        count = boards.count.setdefault(board, {})
        last, card = boards.last.setdefault(board, {}), boards.card.setdefault(board, {})
        out.events[board] = [
            (q, card[q], last[q]) for q in range(starts[board] + 1, final + 1) if q in count
        ]
        for q in [q for q in count if q <= final]:  # bounded memory across steps
            del count[q], last[q], card[q]
    out.unexpected.update(boards.stray)
    boards.stray.clear()
    return out


async def _run(plan: ClientPlan, pipe: Connection) -> None:
    boards = _Boards()
    sockets, errors = await _open_all(plan, boards)
    per_board = Counter(s.board for s in sockets)
    pipe.send(("connected", len(sockets), dict(errors), dict(per_board)))
    loop = asyncio.get_running_loop()
    while True:
        command, *rest = await loop.run_in_executor(None, pipe.recv)
        if command == "check":
            starts, finals, settle = rest
            waited = await _settle(sockets, starts, finals, settle)
            result = _check(sockets, boards, starts, finals)
            result.settle_seconds = waited
            pipe.send(("step", result))
        elif command == "stop":
            for s in sockets:
                assert s.client is not None
                s.client.close()
            await asyncio.wait([s.client.closed for s in sockets if s.client], timeout=5)
            pipe.send(("stopped",))
            return


def client_main(plan: ClientPlan, pipe: Connection) -> None:
    """Entry point of the client process."""
    raise_nofile(plan.nofile)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_run(plan, pipe))


class ClientProcess(Workers):
    """fanout's ``Workers`` (answers, pids, stop), holding one process of this kind."""

    def __init__(self, plan: ClientPlan) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=client_main, args=(plan, child), daemon=True)
        proc.start()
        child.close()
        self.pipes: list[Connection] = [parent]
        self.procs: list[Any] = [proc]

    def send(self, message: tuple[Any, ...]) -> None:
        self.pipes[0].send(message)
