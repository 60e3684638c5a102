"""The event log as CSV: the same events as the API, in seq order, within the range."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from app.core.models import utcnow
from tests import factories
from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History

EVENTS = "events.csv"


async def _board_with_events(client: httpx.AsyncClient) -> tuple[int, list[int]]:
    board = await factories.create_board(client, columns=h.COLUMNS)
    board_id = int(board["id"])
    cols = [int(c["id"]) for c in board["columns"]]
    for title in ('Refund, "partial"', "Ünïcode\nnewline"):
        card = await factories.create_card(client, board_id, column_id=cols[0], title=title)
        await h.move(client, int(card["id"]), cols[1])
        await h.move(client, int(card["id"]), cols[4])
    return board_id, cols


async def test_round_trip_matches_the_event_api(client: httpx.AsyncClient) -> None:
    board_id, _ = await _board_with_events(client)
    today = utcnow().date()
    r = await h.get_export(client, board_id, EVENTS, to=today.isoformat())
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="swarmboard-board{board_id}-events-'
        f'{(today - timedelta(days=29)).isoformat()}-{today.isoformat()}.csv"'
    )
    rows = h.csv_rows(r.content)
    assert rows[0] == ["seq", "id", "type", "at", "actor_kind", "actor_id", "data"]
    envelopes = await factories.events(client, board_id)
    assert [int(row[0]) for row in rows[1:]] == list(range(1, len(envelopes) + 1))
    for row, env in zip(rows[1:], envelopes, strict=True):
        seq, event_id, type_, at, actor_kind, actor_id, data = row
        assert (int(seq), event_id, type_, at) == (env["seq"], env["id"], env["type"], env["at"])
        assert (actor_kind, actor_id) == (
            env["actor"]["kind"],
            "" if env["actor"]["id"] is None else str(env["actor"]["id"]),
        )
        assert json.loads(data) == env["data"]
    created = [json.loads(row[6]) for row in rows[1:] if row[2] == "card.created"]
    assert {c["title"] for c in created} >= {'Refund, "partial"', "Ünïcode\nnewline"}


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


async def test_data_is_compact_json_with_sorted_keys(client: httpx.AsyncClient) -> None:
    board_id, _ = await _board_with_events(client)
    rows = h.csv_rows((await h.get_export(client, board_id, EVENTS)).content)
    for row in rows[1:]:
        assert row[6] == _compact(json.loads(row[6]))


async def test_only_events_in_the_range(client: httpx.AsyncClient, app: Any) -> None:
    board_id, _ = await _board_with_events(client)
    total = len(await factories.events(client, board_id))
    assert total >= 8
    # Event seq k happened on day k of January 2025.
    await h.spread_events(app, board_id, h.at("2025-01-01 12:00"), timedelta(days=1))
    r = await h.get_export(client, board_id, EVENTS, **{"from": "2025-01-03", "to": "2025-01-06"})
    rows = h.csv_rows(r.content)[1:]
    assert [int(row[0]) for row in rows] == [3, 4, 5, 6]  # contiguous, in order
    assert [row[3] for row in rows] == [f"2025-01-0{d}T12:00:00.000Z" for d in (3, 4, 5, 6)]
    empty = await h.get_export(client, board_id, EVENTS, **MARCH)
    assert h.csv_rows(empty.content)[1:] == []


async def test_history_board_has_no_march_events(
    client: httpx.AsyncClient, history: History
) -> None:
    # Its cards were pinned to March 2025, its events happened when the test ran.
    r = await h.get_export(client, history.board_id, EVENTS, **MARCH)
    assert r.content == b"seq,id,type,at,actor_kind,actor_id,data\r\n"
