"""The per-process hub: which sockets watch which board, and fan-out of new events.

A broker tells the hub "board B has events up to seq S". The hub reads what it has not
yet delivered from the event log (once per board, not once per socket), serialises each
event once per view (the full envelope, and the redacted one for roles that may not
contact the customer, only when it differs), and offers the text to every subscriber's
bounded queue. A subscriber whose queue is full is cut off with a resync marker instead
of growing memory.

An access event (``access.changed``, ``member.removed``) for a subscriber's person ends
that subscriber: the event is the last thing queued, followed by a marker that closes
the socket with 4408, so the client reconnects and the handshake checks access afresh.
Brokers carry the event to every replica, so this happens wherever the person's sockets
are.

The hub also counts open sockets per person in this process (``claim``/``release``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.events.redaction import may_contact_customer, redact
from app.realtime.access import ACCESS_EVENT_TYPES
from app.realtime.wire import FrameWriter, text_frame

__all__ = [
    "ACCESS_CLOSED",
    "RESYNC",
    "BoardChannel",
    "Hub",
    "Subscriber",
    "encode",
    "ends_access",
]

log = logging.getLogger(__name__)

# Queue item meaning "you fell behind: close with the resync code".
RESYNC = (-1, "")
# Queue item meaning "your access changed: close with the access-changed code".
ACCESS_CLOSED = (-2, "")

ReadSince = Callable[[int, int], Awaitable[list[dict[str, Any]]]]
ReadLastSeq = Callable[[int], Awaitable[int]]


def encode(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def ends_access(event: dict[str, Any], user_id: int) -> bool:
    """True when ``event`` changes ``user_id``'s access to its board."""
    if event.get("type") not in ACCESS_EVENT_TYPES:
        return False
    data = event.get("data") or {}
    return bool(data.get("user_id") == user_id)


class Subscriber:
    """One socket's bounded queue of ``(seq, json_text)``, for one person and board role.

    ``redacted`` subscribers (roles that may not contact the customer) get the redacted
    view of each event.

    While the socket is caught up (its queue empty), its stream sets ``writer`` and the
    hub writes each next event's frame straight to the socket, with no task switch; the
    first event it cannot write that way (a gap, a full write buffer, a closing socket)
    is queued instead, ``writer`` is cleared, and the stream's task sends from the queue
    until it is empty again. ``last_sent`` is the seq of the last event sent either way.
    """

    def __init__(self, maxsize: int, *, user_id: int = 0, role: str = "admin") -> None:
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(maxsize)
        self.user_id = user_id
        self.redacted = not may_contact_customer(role)
        self.overflowed = False
        self.ended = False
        self.last_sent = 0
        self.writer: FrameWriter | None = None

    def deliver(self, seq: int, text: str, frame: bytes) -> bool:
        """Send event ``seq`` now if caught up (True), else queue it for the stream's task."""
        writer = self.writer
        if writer is not None:
            if seq <= self.last_sent:
                return False
            if seq == self.last_sent + 1 and writer(frame):
                self.last_sent = seq
                return True
            self.writer = None
        self.offer(seq, text)
        return False

    def offer(self, seq: int, text: str) -> None:
        if self.overflowed or self.ended:
            return
        try:
            self.queue.put_nowait((seq, text))
        except asyncio.QueueFull:
            # Drop what is queued (the client resyncs from the board anyway) and leave
            # only the marker, so memory stays bounded by the queue size.
            self.overflowed = True
            self._clear()
            self.queue.put_nowait(RESYNC)

    def end_access(self) -> None:
        """Queue the access-changed marker; nothing offered afterwards is queued.

        It goes after what is already queued (events before the change), unless the
        queue is full or cut off, when it replaces it: the close code must get through.
        """
        if self.ended:
            return
        self.ended = True
        self.writer = None
        if self.overflowed:
            self._clear()
        try:
            self.queue.put_nowait(ACCESS_CLOSED)
        except asyncio.QueueFull:
            self._clear()
            self.queue.put_nowait(ACCESS_CLOSED)

    def _clear(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()


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
        self._open: dict[int, int] = {}  # person -> open sockets in this process
        # Events handed to sockets, by path (the /metrics counters): written at once as
        # the shared frame, or queued for a socket still replaying or reading slowly.
        self.sent_direct = 0
        self.sent_queued = 0

    def claim(self, user_id: int, limit: int) -> bool:
        """Count one more open socket for ``user_id``; False (nothing counted) at ``limit``."""
        count = self._open.get(user_id, 0)
        if count >= limit:
            return False
        self._open[user_id] = count + 1
        return True

    def release(self, user_id: int) -> None:
        """The socket counted by :meth:`claim` has closed."""
        count = self._open.get(user_id, 0) - 1
        if count > 0:
            self._open[user_id] = count
        else:
            self._open.pop(user_id, None)

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

    def _fan_out(self, channel: BoardChannel, events: list[dict[str, Any]]) -> None:
        for event in events:
            seq = event["seq"]
            if seq <= channel.last_seq:
                continue
            full = encode(event)  # once per event and view, shared by every socket
            hidden = redact(event)
            restricted = full if hidden is event else encode(hidden)
            full_frame = text_frame(full)
            restricted_frame = full_frame if restricted is full else text_frame(restricted)
            direct = 0
            for sub in channel.subscribers:
                if sub.redacted:
                    direct += sub.deliver(seq, restricted, restricted_frame)
                else:
                    direct += sub.deliver(seq, full, full_frame)
            self.sent_direct += direct
            self.sent_queued += len(channel.subscribers) - direct
            if event["type"] in ACCESS_EVENT_TYPES:
                for sub in channel.subscribers:
                    if ends_access(event, sub.user_id):
                        sub.end_access()
            channel.last_seq = seq
