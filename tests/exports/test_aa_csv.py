"""The ActionableAgile CSV, parsed back with ``csv`` and checked against March 2025."""

from __future__ import annotations

from typing import Any

import httpx

from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History

AA = "actionable-agile.csv"
HEADER_TAIL = ["Type", "Priority", "Channel", "Product", "Lane", "Swarmed", "Blocked Days"]


async def _rows(client: httpx.AsyncClient, history: History, **params: str) -> dict[int, dict]:
    r = await h.get_export(client, history.board_id, AA, **params)
    return h.by_id(h.csv_rows(r.content))


def _dates(row: dict[str, str], history: History) -> list[str]:
    return [row[name] for name in history.columns]


async def test_header_media_type_and_file_name(client: httpx.AsyncClient, history: History) -> None:
    r = await h.get_export(client, history.board_id, AA, **MARCH)
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="swarmboard-board{history.board_id}-actionable-agile-'
        '2025-03-01-2025-03-31.csv"'
    )
    rows = h.csv_rows(r.content)
    assert rows[0] == ["ID", "Link", "Name", *history.columns, *HEADER_TAIL]
    assert all(len(row) == len(rows[0]) for row in rows)


async def test_a_card_through_every_column(client: httpx.AsyncClient, history: History) -> None:
    rows = await _rows(client, history, **MARCH)
    a = history.cards["A"]
    row = rows[a]
    assert row["Link"] == f"http://127.0.0.1:8000/boards/{history.board_id}#card-{a}"
    assert row["Name"] == "Invoice PDF is blank"
    assert _dates(row, history) == [
        "2025-03-02",
        "2025-03-03",
        "2025-03-05",
        "2025-03-06",
        "2025-03-09",
    ]
    assert {k: row[k] for k in HEADER_TAIL} == {
        "Type": "Ticket",
        "Priority": "high",
        "Channel": "email",
        "Product": "Billing",
        "Lane": "Expedite",
        "Swarmed": "Yes",
        "Blocked Days": "1.5",
    }


async def test_skipped_columns_take_the_next_date(
    client: httpx.AsyncClient, history: History
) -> None:
    row = (await _rows(client, history, **MARCH))[history.cards["B"]]
    # Waiting and Review were skipped: backfilled with the day it reached Resolved.
    assert _dates(row, history) == [
        "2025-03-04",
        "2025-03-04",
        "2025-03-06",
        "2025-03-06",
        "2025-03-06",
    ]
    assert {k: row[k] for k in HEADER_TAIL} == {
        "Type": "Card",
        "Priority": "normal",
        "Channel": "chat",
        "Product": "Mobile app",
        "Lane": "Standard",
        "Swarmed": "No",
        "Blocked Days": "0.0",
    }


async def test_after_a_reopen_dates_restart(client: httpx.AsyncClient, history: History) -> None:
    rows = await _rows(client, history, **MARCH)
    # Done on 03-04, reopened into Investigating on 03-10, done again on 03-12.
    assert _dates(rows[history.cards["C"]], history) == [
        "2025-03-02",
        "2025-03-10",
        "2025-03-11",
        "2025-03-11",
        "2025-03-12",
    ]
    # Moved back from Review to Investigating (never done): the same restart rule.
    assert _dates(rows[history.cards["I"]], history) == [
        "2025-03-05",
        "2025-03-09",
        "2025-03-10",
        "2025-03-10",
        "",
    ]


async def test_columns_not_reached_are_empty(client: httpx.AsyncClient, history: History) -> None:
    rows = await _rows(client, history, **MARCH)
    d = rows[history.cards["D"]]
    assert _dates(d, history) == ["2025-03-20", "2025-03-21", "", "", ""]
    # Half a day of finished spells plus the current one (two days and an hour).
    assert d["Blocked Days"] == "2.5"
    assert (d["Priority"], d["Channel"], d["Lane"], d["Product"]) == ("urgent", "call", "", "")
    h_dates = ["2025-03-25", "2025-03-26", "2025-03-27", "", ""]
    assert _dates(rows[history.cards["H"]], history) == h_dates
    assert _dates(rows[history.cards["J"]], history) == ["2024-06-01", "", "", "", ""]


async def test_no_row_goes_backwards(client: httpx.AsyncClient, history: History) -> None:
    rows = await _rows(client, history, **{"from": "2024-01-01", "to": "2025-12-31"})
    for row in rows.values():
        dates = _dates(row, history)
        reached = [d for d in dates if d]
        assert reached == sorted(reached), row
        # Empty cells only to the right of the last column reached.
        assert dates[: len(reached)] == reached, row


async def test_which_cards_overlap_the_range(client: httpx.AsyncClient, history: History) -> None:
    c = history.cards
    march = await _rows(client, history, **MARCH)
    # E finished before March, F was created after it; G finished at its first instant.
    assert set(march) == {c[k] for k in "ABCDGHIJ"}
    late = await _rows(client, history, **{"from": "2025-03-10", "to": "2025-03-31"})
    assert set(late) == {c[k] for k in "CDHIJ"}
    april = await _rows(client, history, **{"from": "2025-04-01", "to": "2025-04-30"})
    assert set(april) == {c[k] for k in "DFHIJ"}
    before = await _rows(client, history, **{"from": "2024-01-01", "to": "2024-05-31"})
    assert before == {}


async def test_filters(client: httpx.AsyncClient, history: History) -> None:
    c = history.cards
    email = await _rows(client, history, channel="email", **MARCH)
    assert set(email) == {c["A"], c["C"], c["H"]}
    lane = await _rows(client, history, lane=str(history.lanes["Expedite"]), **MARCH)
    assert set(lane) == {c["A"]}
    assert set(await _rows(client, history, segment="partner", **MARCH)) == {c["H"]}
    assert set(await _rows(client, history, priority="urgent", **MARCH)) == {c["D"]}
    assert set(await _rows(client, history, product="Billing", **MARCH)) == {c["A"]}


async def test_repeated_stages_carry_their_last_entry(client: httpx.AsyncClient, app: Any) -> None:
    """ActionableAgile's rule over several days: a stage entered more than once has the
    last date it was entered, and a move back erases the later stages until re-entered."""
    board = await h.factories.create_board(client, columns=h.COLUMNS)
    board_id = int(board["id"])
    cols = [int(c["id"]) for c in board["columns"]]
    triage, investigating, waiting, review, resolved = range(5)
    # Triage → Investigating → Waiting, back to Triage, then Investigating → Waiting
    # again on later days: every stage its second entry; Review and Resolved not reached.
    back_to_start = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (triage, "2025-03-02 09:00"),
            (investigating, "2025-03-03 09:00"),
            (waiting, "2025-03-04 09:00"),
            (triage, "2025-03-05 09:00"),
            (investigating, "2025-03-07 09:00"),
            (waiting, "2025-03-08 09:00"),
        ],
    )
    # The same, then finished: Review was skipped, so it takes Resolved's day.
    finished = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (triage, "2025-03-02 09:00"),
            (investigating, "2025-03-03 09:00"),
            (waiting, "2025-03-04 09:00"),
            (triage, "2025-03-05 09:00"),
            (investigating, "2025-03-07 09:00"),
            (waiting, "2025-03-08 09:00"),
            (resolved, "2025-03-10 09:00"),
        ],
    )
    # Back to Triage once, later back only to Investigating: Triage keeps its last entry
    # (03-04, not the first, 03-02); Investigating and Review theirs; Waiting backfilled.
    twice = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (triage, "2025-03-02 09:00"),
            (investigating, "2025-03-03 09:00"),
            (triage, "2025-03-04 09:00"),
            (investigating, "2025-03-05 09:00"),
            (review, "2025-03-06 09:00"),
            (investigating, "2025-03-07 09:00"),
            (review, "2025-03-09 09:00"),
            (resolved, "2025-03-10 09:00"),
        ],
    )
    # Done, then moved back to Review: Resolved is erased.
    reopened = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (triage, "2025-03-02 09:00"),
            (investigating, "2025-03-03 09:00"),
            (resolved, "2025-03-04 09:00"),
            (review, "2025-03-06 09:00"),
        ],
    )
    r = await h.get_export(client, board_id, AA, **MARCH)
    rows = h.by_id(h.csv_rows(r.content))
    names = [c["name"] for c in h.COLUMNS]

    def dates(card_id: int) -> list[str]:
        return [rows[card_id][n] for n in names]

    assert dates(back_to_start) == ["2025-03-05", "2025-03-07", "2025-03-08", "", ""]
    assert dates(finished) == [
        "2025-03-05",
        "2025-03-07",
        "2025-03-08",
        "2025-03-10",
        "2025-03-10",
    ]
    assert dates(twice) == [
        "2025-03-04",
        "2025-03-07",
        "2025-03-09",
        "2025-03-09",
        "2025-03-10",
    ]
    assert dates(reopened) == ["2025-03-02", "2025-03-03", "2025-03-06", "2025-03-06", ""]
