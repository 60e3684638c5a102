"""The write side of ``bench/capacity.py``: boards, a steady rate of moves, one step's figures.

Moves go out evenly spaced (or as a Poisson process) over random boards, through a
pool of keep-alive connections (``bench/httpclient.py``). A card never has two moves
in flight, so the k-th event of a card on its board belongs to the card's k-th
successful move; that is how an event's arrival at the last socket is tied to the
response of the move that made it.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.capacity_clients import StepDelivery
from bench.common import Server
from bench.fanout import Board, make_board, pct, sample_cpu
from bench.httpclient import RawClient

__all__ = ["Move", "Mover", "StepResult", "make_boards", "summarise"]

LATE_AFTER = 0.010  # a move that starts this long after its slot counts as late (s)


async def make_boards(port: int, token: str, n: int, cards: int) -> list[Board]:
    """B boards through the API, a few at a time (fanout's board: A and B, no WIP limit)."""
    gate = asyncio.Semaphore(4)

    async def one() -> Board:
        async with gate:
            return await make_board(port, token, cards)

    return list(await asyncio.gather(*(one() for _ in range(n))))


@dataclass(slots=True)
class Move:
    board: int
    card: int
    due: float  # time.monotonic() of its slot in the schedule
    start: float  # when the request was written
    response: float  # when the whole response had arrived
    status: int


class Mover:
    """A pool of keep-alive connections that moves cards at a given rate."""

    def __init__(self, server: Server, token: str, boards: list[Board], connections: int):
        self.server = server
        self.boards = boards
        self.clients = [
            RawClient(server.port, {"Authorization": f"Bearer {token}"}) for _ in range(connections)
        ]
        self.where = {c: b.col_a for b in boards for c in b.cards}
        self.in_flight: set[int] = set()
        self.rng = random.Random(20)

    async def last_seqs(self) -> dict[int, int]:
        """Every board's last seq, read through the API."""
        client, out = self.clients[0], {}
        await client.close()  # idle since the last step: uvicorn may have closed it
        for board in self.boards:
            status, body = await client.request("GET", f"/api/boards/{board.id}")
            if status != 200:
                raise RuntimeError(f"GET /api/boards/{board.id}: {status} {body[:200]!r}")
            out[board.id] = int(json.loads(body)["last_seq"])
        return out

    def _pick(self) -> tuple[Board, int] | None:
        for _ in range(50):
            board = self.boards[self.rng.randrange(len(self.boards))]
            free = [c for c in board.cards if c not in self.in_flight]
            if free:
                return board, self.rng.choice(free)
        return None

    async def _move(self, client: RawClient, due: float, moves: list[Move]) -> None:
        picked = self._pick()
        if picked is None:
            moves.append(Move(0, 0, due, time.monotonic(), time.monotonic(), -1))
            return
        board, card = picked
        self.in_flight.add(card)
        target = board.col_b if self.where[card] == board.col_a else board.col_a
        body = json.dumps({"column_id": target}).encode()
        start = time.monotonic()
        try:
            status, _ = await client.request("POST", f"/api/cards/{card}/move", body)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
        moves.append(Move(board.id, card, due, start, time.monotonic(), status))
        self.in_flight.discard(card)
        if status == 200:
            self.where[card] = target
        else:
            self.server.check_alive()  # a dead server ends the run now

    async def drive(
        self, rate: float, warmup: float, seconds: float, poisson: bool, pids: dict[str, int]
    ) -> tuple[list[Move], float, float, dict[str, float]]:
        """Moves at ``rate``/s for warm-up + measured time; the window and its CPU use."""
        queue: asyncio.Queue[float | None] = asyncio.Queue()
        moves: list[Move] = []
        # Enough connections for a slow p99, few enough that none idles past uvicorn's
        # 5 s keep-alive (a request on a connection the server just closed would fail);
        # fresh ones each step for the same reason.
        pool = self.clients[: max(2, min(len(self.clients), math.ceil(rate / 4)))]
        for client in self.clients:
            await client.close()

        async def connection(client: RawClient) -> None:
            while (due := await queue.get()) is not None:
                await self._move(client, due, moves)

        t0 = time.monotonic() + 0.05
        t_measure, t_end = t0 + warmup, t0 + warmup + seconds
        cpu = asyncio.create_task(sample_cpu(pids, t_measure, t_end))
        workers = [asyncio.create_task(connection(c)) for c in pool]
        try:
            due = t0
            while due < t_end:
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                queue.put_nowait(due)  # waits for a free connection if all are busy
                due += self.rng.expovariate(rate) if poisson else 1 / rate
            for _ in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers)
            return moves, t_measure, t_end, await cpu
        finally:
            for task in [*workers, cpu]:
                task.cancel()

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


@dataclass(slots=True)
class StepResult:
    rate: float
    achieved: float
    moves: int  # measured moves
    writes: int  # measured moves that succeeded
    span: float  # the measured window (s)
    late: int
    move_p50: float
    move_p99: float
    move_max: float
    delivery_p50: float  # response to the last socket of the board
    delivery_p99: float
    delivered: int  # messages over the measured moves
    errors: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # % of one core
    server_cpu_s: float = 0.0
    settle_s: float = 0.0

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())

    def passed(self, p99_ms: float) -> bool:
        # A server that cannot keep up shows as a shortfall, not as a pass at a lower rate.
        return (
            self.error_total == 0 and self.move_p99 < p99_ms and self.achieved >= 0.95 * self.rate
        )


def summarise(
    rate: float,
    moves: list[Move],
    window: tuple[float, float],
    cpu: dict[str, float],
    starts: dict[int, int],
    finals: dict[int, int],
    seen: StepDelivery | None,
) -> StepResult:
    t_measure, t_end = window
    errors: Counter[str] = Counter()
    for m in moves:
        if m.status != 200:
            errors[f"failed move, status {m.status} (0: connection, -1: no free card)"] += 1
    measured = [m for m in moves if t_measure <= m.start < t_end]
    times = [(m.response - m.start) * 1000 for m in measured]
    ok_by_card: dict[tuple[int, int], list[Move]] = {}
    for m in sorted(moves, key=lambda m: m.start):
        if m.status == 200:
            ok_by_card.setdefault((m.board, m.card), []).append(m)
    per_board = Counter(m.board for m in moves if m.status == 200)
    for board, final in finals.items():
        if final - starts[board] != per_board[board]:
            errors["board seqs advanced != its successful moves"] += 1
    delivery: list[float] = []
    delivered = 0
    if seen is not None:
        errors["missing"] += seen.missing
        errors["duplicate"] += seen.duplicates
        errors["out of order"] += seen.out_of_order
        errors.update(seen.unexpected)
        for board, events in seen.events.items():
            by_card: dict[Any, list[float]] = {}
            for _seq, card, last in events:
                by_card.setdefault(card, []).append(last)
            for (b, card), ok in ok_by_card.items():
                if b != board:
                    continue
                for m, last in zip(ok, by_card.get(card, []), strict=False):
                    if t_measure <= m.start < t_end:
                        delivery.append((last - m.response) * 1000)
                        delivered += seen.open_sockets.get(board, 0)
    span = t_end - t_measure
    writes = sum(1 for m in measured if m.status == 200)
    return StepResult(
        rate=rate,
        achieved=writes / span,
        moves=len(measured),
        writes=writes,
        span=span,
        late=sum(1 for m in measured if m.start - m.due > LATE_AFTER),
        move_p50=pct(times[:], 0.5),
        move_p99=pct(times[:], 0.99),
        move_max=max(times, default=float("nan")),
        delivery_p50=pct(delivery[:], 0.5),
        delivery_p99=pct(delivery[:], 0.99),
        delivered=delivered,
        errors=+errors,
        cpu=cpu,
        server_cpu_s=cpu.get("server", 0.0) / 100 * span,
        settle_s=seen.settle_seconds if seen else 0.0,
    )
