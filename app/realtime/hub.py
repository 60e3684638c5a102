"""The per-process hub: which sockets watch which board, and fan-out of new events.

A broker tells the hub "board B has events up to seq S". The hub reads what it has not
yet delivered from the event log (once per board, not once per socket), serialises each
event once, and offers the text to every subscriber's bounded queue. A subscriber whose
queue is full is cut off with a resync marker instead of growing memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RESYNC", "BoardChannel", "Hub", "Subscriber", "encode"]

log = logging.getLogger(__name__)

# Queue item meaning "you fell behind: close with the resync code".
RESYNC = (-1, "")

ReadSince = Callable[[int, int], Awaitable[list[dict[str, Any]]]]
ReadLastSeq = Callable[[int], Awaitable[int]]


def encode(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class Subscriber:
    """One socket's bounded queue of ``(seq, json_text)``."""

    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(maxsize)
        self.overflowed = False

    def offer(self, seq: int, text: str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait((seq, text))
        except asyncio.QueueFull:
            # Drop what is queued (the client resyncs from the board anyway) and leave
            # only the marker, so memory stays bounded by the queue size.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)


@dataclass
class BoardChannel:
    last_seq: int = 0
    subscribers: set[Subscriber] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    """Subscriptions of this process, by board."""

    def __init__(
        self, *, read_since: ReadSince, read_last_seq: ReadLastSeq, page: int = 500
    ) -> None:
        self._read_since = read_since
        self._read_last_seq = read_last_seq
        self._page = page
        self.channels: dict[int, BoardChannel] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def subscribe(self, board_id: int, sub: Subscriber) -> None:
        channel = self.channels.get(board_id)
        if channel is not None:
            channel.subscribers.add(sub)
            return
        channel = BoardChannel()
        channel.subscribers.add(sub)
        self.channels[board_id] = channel
        # Taken before any await, so a notification racing this waits for last_seq.
        async with channel.lock:
            channel.last_seq = await self._read_last_seq(board_id)

    def unsubscribe(self, board_id: int, sub: Subscriber) -> None:
        channel = self.channels.get(board_id)
        if channel is None:
            return
        channel.subscribers.discard(sub)
        if not channel.subscribers:
            del self.channels[board_id]

    async def notify(
        self, board_id: int, seq: int | None, events: list[dict[str, Any]] | None = None
    ) -> None:
        """Deliver the board's events up to ``seq`` (``None``: up to the newest)."""
        channel = self.channels.get(board_id)
        if channel is None:
            return
        async with channel.lock:
            if seq is not None and seq <= channel.last_seq:
                return  # already delivered: notifications coalesce naturally
            if events and events[0]["seq"] == channel.last_seq + 1:
                self._fan_out(channel, events)  # in-process: the committed envelopes
            else:
                while True:
                    page = await self._read_since(board_id, channel.last_seq)
                    self._fan_out(channel, page)
                    if len(page) < self._page or (seq is not None and channel.last_seq >= seq):
                        break

    def schedule(self, board_id: int, seq: int, events: list[dict[str, Any]] | None = None) -> None:
        """Notify in a task of its own (from a broker's listener, or after a commit)."""
        if board_id not in self.channels:
            return
        task = asyncio.get_running_loop().create_task(self.notify(board_id, seq, events))
        self._tasks.add(task)  # keep a reference until done, or it may be collected
        task.add_done_callback(self._tasks.discard)

    async def catch_up_all(self) -> None:
        """After a broker reconnect: deliver whatever was committed meanwhile."""
        for board_id in list(self.channels):
            try:
                await self.notify(board_id, None)
            except Exception:
                log.exception("catch-up of board %s failed", board_id)

    @staticmethod
    def _fan_out(channel: BoardChannel, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["seq"] <= channel.last_seq:
                continue
            text = encode(event)  # once per event, shared by every socket
            for sub in channel.subscribers:
                sub.offer(event["seq"], text)
            channel.last_seq = event["seq"]
