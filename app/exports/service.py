"""Exports: who may export, which cards are in one, and the batched stream that the API
and the command line both write out.

**Which cards:** those whose life overlaps the range: created before the range ends,
and not finished, or finished on or after its first day. The range picks cards; each
card is exported with its whole history (dates after the range included).

**Constant memory:** cards are read in keyset batches by id (events in windows of
sequence numbers), each batch in one read transaction that also encodes it, and the
stream yields one encoded chunk per batch. Open stays, blocked spells and waits are
counted up to one instant fixed when the export starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import access
from app.board.exceptions import BoardNotFound
from app.core.db import Database, settings_of
from app.core.models import utcnow
from app.exports import aa_csv, events_csv, ndjson, repository
from app.exports.records import CardRecord, ExportContext
from app.exports.schemas import ExportKind
from app.metrics import repository as metrics_repository
from app.metrics.filters import DateRange
from app.metrics.params import Scope
from app.metrics.timeline import Timeline, build

__all__ = [
    "CARD_BATCH",
    "EVENT_BATCH",
    "Chunk",
    "board_context",
    "card_chunk",
    "count_total",
    "event_chunk",
    "open_export",
    "stream",
]

CARD_BATCH = 1_000
EVENT_BATCH = 5_000

Progress = Callable[[int, int], None]  # (cards or events looked at, rows written)
CardEncoder = Callable[[ExportContext, Sequence[CardRecord]], bytes]
_CARD_ENCODERS: dict[str, CardEncoder] = {"aa-csv": aa_csv.encode, "ndjson": ndjson.encode}


@dataclass(frozen=True, slots=True)
class Chunk:
    data: bytes
    scanned: int  # candidate cards, or events, this batch looked at
    rows: int  # rows it wrote
    last: int  # the keyset position to continue after
    exhausted: bool


def _context(session: Session, board_id: int, role: str = "admin") -> ExportContext:
    return ExportContext(
        board_id=board_id,
        columns=metrics_repository.columns(session, board_id),
        lanes=repository.lanes(session, board_id),
        waiting=repository.waiting_columns(session, board_id),
        public_url=settings_of(session).public_url,
        now=utcnow().timestamp(),
        last_seq=repository.last_seq(session, board_id),
        role=role,
    )


def open_export(session: Session, *, actor: Principal, board_id: int) -> ExportContext:
    """The board as an export sees it; any member may export, others get a 404.

    The caller's role goes with it: a role that may not contact the customer gets the
    confirmation links in ``events.csv`` redacted (:mod:`app.events.redaction`)."""
    role = access.board_role(session, actor=actor, board_id=board_id)
    return _context(session, board_id, role)


def board_context(session: Session, *, board_id: int) -> ExportContext:
    """The board as an export sees it, for the command line (no caller to check)."""
    if not repository.board_exists(session, board_id):
        raise BoardNotFound(f"Board {board_id} does not exist.")
    return _context(session, board_id)


def _bounds(period: DateRange) -> tuple[datetime, datetime]:
    return (
        datetime.fromtimestamp(period.start_ts, UTC),
        datetime.fromtimestamp(period.end_ts, UTC),
    )


def count_total(session: Session, *, ctx: ExportContext, scope: Scope, kind: ExportKind) -> int:
    """How many cards (created before the range ends) or events an export looks at."""
    if kind == "events":
        start, end = _bounds(scope.period)
        return repository.count_events(session, board_id=ctx.board_id, start=start, end=end)
    return repository.count_cards(
        session, board_id=ctx.board_id, filters=scope.filters, created_before=scope.period.end_ts
    )


def card_chunk(
    session: Session,
    *,
    ctx: ExportContext,
    scope: Scope,
    kind: ExportKind,
    after_id: int,
    limit: int,
) -> Chunk:
    """The next batch of cards after ``after_id``, filtered to the range and encoded."""
    rows = metrics_repository.card_batch(
        session, board_id=ctx.board_id, filters=scope.filters, after_id=after_id, limit=limit
    )
    if not rows:
        return Chunk(b"", 0, 0, after_id, True)
    start_ts, end_ts = scope.period.start_ts, scope.period.end_ts
    cards = [dict(zip(metrics_repository.CARD_FIELDS, row, strict=True)) for row in rows]
    candidates = [c for c in cards if c["created"] < end_ts]
    stays = metrics_repository.stays_for(session, [c["id"] for c in candidates])
    kept: list[tuple[dict[str, object], Timeline]] = []
    for card in candidates:
        card_id = int(card["id"])
        timeline = build(card_id, card["created"], stays.get(card_id, []), ctx.by_id, ctx.now)
        if timeline.finish is None or timeline.finish >= start_ts:
            kept.append((card, timeline))
    ids = [tl.card_id for _, tl in kept]
    swarmed = repository.swarmed(session, ids)
    confirmations = repository.latest_confirmations(session, ids) if kind == "ndjson" else {}
    outcomes = repository.outcomes(session, ids) if kind == "ndjson" else {}
    records = [
        CardRecord(
            card=card,
            stays=stays.get(tl.card_id, []),
            timeline=tl,
            swarmed=tl.card_id in swarmed,
            confirmation=confirmations.get(tl.card_id),
            outcome=outcomes.get(tl.card_id),
        )
        for card, tl in kept
    ]
    data = _CARD_ENCODERS[kind](ctx, records)
    return Chunk(data, len(candidates), len(records), int(rows[-1][0]), len(rows) < limit)


def event_chunk(
    session: Session, *, ctx: ExportContext, period: DateRange, after_seq: int, upto: int
) -> Chunk:
    """The events in the range with ``after_seq < seq <= upto``, encoded."""
    start, end = _bounds(period)
    rows = repository.event_batch(
        session, board_id=ctx.board_id, start=start, end=end, after_seq=after_seq, upto=upto
    )
    data = events_csv.encode(rows, role=ctx.role)
    return Chunk(data, len(rows), len(rows), upto, upto >= ctx.last_seq)


async def _pipelined(read: Callable[[int], Awaitable[Chunk]]) -> AsyncGenerator[Chunk, None]:
    """Chunks from ``read(after)`` in order; the next one is read while the current one
    is sent, so the database and the socket work at the same time (two in memory)."""
    pending: asyncio.Future[Chunk] = asyncio.ensure_future(read(0))
    try:
        while True:
            chunk = await pending
            if not chunk.exhausted:
                pending = asyncio.ensure_future(read(chunk.last))
            yield chunk
            if chunk.exhausted:
                return
    finally:  # the client went away: do not leave a read running for nobody
        if not pending.done():
            pending.cancel()


async def stream(
    db: Database,
    *,
    ctx: ExportContext,
    scope: Scope,
    kind: ExportKind,
    progress: Progress | None = None,
) -> AsyncGenerator[bytes, None]:
    """The export's bytes, one chunk per batch, each batch read through ``db.read``."""

    def read_events(after: int) -> Awaitable[Chunk]:
        upto = min(after + EVENT_BATCH, ctx.last_seq)
        return db.read(event_chunk, ctx=ctx, period=scope.period, after_seq=after, upto=upto)

    def read_cards(after: int) -> Awaitable[Chunk]:
        return db.read(
            card_chunk, ctx=ctx, scope=scope, kind=kind, after_id=after, limit=CARD_BATCH
        )

    if kind == "events":
        yield events_csv.header()
    elif kind == "aa-csv":
        yield aa_csv.header(ctx)
    chunks = _pipelined(read_events if kind == "events" else read_cards)
    try:
        async for chunk in chunks:
            if chunk.data:
                yield chunk.data
            if progress is not None:
                progress(chunk.scanned, chunk.rows)
    finally:
        await chunks.aclose()
