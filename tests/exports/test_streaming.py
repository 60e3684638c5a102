"""Exports stream in batches: the bytes do not depend on the batch size, and a board
with more cards than one batch comes out whole, in id order."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import httpx
import pytest

from app.exports import service
from app.metrics.filters import CardFilter, date_range
from app.metrics.params import Scope
from tests import factories
from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History


async def test_small_batches_give_the_same_bytes(
    client: httpx.AsyncClient, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    wide = {"from": "2024-01-01", "to": "2026-12-31"}
    aa = await h.get_export(client, history.board_id, "actionable-agile.csv", **MARCH)
    events = await h.get_export(client, history.board_id, "events.csv", **wide)
    cards = await h.get_export(client, history.board_id, "cards.ndjson", **MARCH)
    monkeypatch.setattr(service, "CARD_BATCH", 2)
    monkeypatch.setattr(service, "EVENT_BATCH", 3)
    small_aa = await h.get_export(client, history.board_id, "actionable-agile.csv", **MARCH)
    assert small_aa.content == aa.content
    assert len(h.csv_rows(aa.content)) == 1 + 8
    small_events = await h.get_export(client, history.board_id, "events.csv", **wide)
    assert small_events.content == events.content
    assert len(h.csv_rows(events.content)) > 20
    small_cards = await h.get_export(client, history.board_id, "cards.ndjson", **MARCH)
    assert list(h.ndjson_lines(small_cards.content)) == list(h.ndjson_lines(cards.content))


async def test_more_cards_than_one_batch(client: httpx.AsyncClient, app: Any) -> None:
    board = await factories.create_board(client, columns=h.COLUMNS)
    board_id, first = int(board["id"]), int(board["columns"][0]["id"])
    n = 2 * service.CARD_BATCH + 345
    await h.bulk_cards(app, board_id, first, n)
    rows = h.csv_rows((await h.get_export(client, board_id, "actionable-agile.csv")).content)
    ids = [int(r[0]) for r in rows[1:]]
    assert len(ids) == n and ids == sorted(set(ids))
    today = rows[1][3]
    assert all(r[3] == today and r[4:8] == ["", "", "", ""] for r in rows[1:])
    lines = h.ndjson_lines((await h.get_export(client, board_id, "cards.ndjson")).content)
    assert list(lines) == ids
    assert {line["stage"] for line in lines.values()} == {"backlog"}


async def test_progress_counts_what_the_total_promised(
    app: Any, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CARD_BATCH", 3)
    db = app.state.db
    scope = Scope(date_range(date(2025, 3, 1), date(2025, 3, 31)), CardFilter())
    ctx = await db.read(service.board_context, board_id=history.board_id)
    total = await db.read(service.count_total, ctx=ctx, scope=scope, kind="aa-csv")
    seen: list[tuple[int, int]] = []
    body = b"".join(
        [
            chunk
            async for chunk in service.stream(
                db, ctx=ctx, scope=scope, kind="aa-csv", progress=lambda s, r: seen.append((s, r))
            )
        ]
    )
    # Created before April: every card but F; in the range: all of those but E.
    assert total == sum(s for s, _ in seen) == 9
    assert sum(r for _, r in seen) == 8 == body.count(b"\r\n") - 1


async def test_a_stream_closed_early_stops_reading(
    app: Any, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CARD_BATCH", 1)
    db = app.state.db
    scope = Scope(date_range(date(2025, 3, 1), date(2025, 3, 31)), CardFilter())
    ctx = await db.read(service.board_context, board_id=history.board_id)
    chunks = service.stream(db, ctx=ctx, scope=scope, kind="ndjson")
    assert isinstance(chunks, AsyncGenerator)
    first = await anext(chunks)
    assert first.endswith(b"\n")
    await chunks.aclose()  # as when the client goes away: the read ahead is cancelled
    with pytest.raises(StopAsyncIteration):
        await anext(chunks)
