"""Spreadsheet formula injection (OWASP "CSV injection"): a cell that a spreadsheet would
run as a formula is written as text, in every CSV export."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.exports.spreadsheet import neutralise
from tests import factories
from tests.exports import helpers as h

PAYLOADS = ["=1+1", "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB=1+1", "\rCR=1+1"]


async def _cards(client: httpx.AsyncClient, app: Any) -> tuple[int, list[int]]:
    """A card per payload in its title and product. The API strips leading whitespace,
    so the stored values are set directly: older rows, imports and the database itself
    may still hold a leading tab or carriage return."""
    board = await factories.create_board(
        client,
        columns=[
            {"name": '=HYPERLINK("http://x")', "stage": "backlog"},
            {"name": "Doing", "stage": "active"},
            {"name": "Done", "stage": "done"},
        ],
    )
    board_id = int(board["id"])
    cols = [int(c["id"]) for c in board["columns"]]
    ids = []
    for payload in PAYLOADS:
        card = await factories.create_card(
            client, board_id, column_id=cols[1], title=payload, product=payload
        )
        await h.set_card(app, int(card["id"]), title=payload, product=payload)
        ids.append(int(card["id"]))
    return board_id, ids


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_trigger_is_prefixed_with_a_quote(payload: str) -> None:
    assert neutralise(payload) == "'" + payload
    assert neutralise("Refund =1+1") == "Refund =1+1"  # only the first character counts
    assert neutralise(3) == "3" and neutralise(None) == ""


async def test_actionable_agile_titles_products_and_columns_are_text(
    client: httpx.AsyncClient, app: Any
) -> None:
    board_id, ids = await _cards(client, app)
    r = await h.get_export(client, board_id, "actionable-agile.csv")
    rows = h.csv_rows(r.content)
    assert rows[0][3] == '\'=HYPERLINK("http://x")'
    by_id = h.by_id(rows)
    for card_id, payload in zip(ids, PAYLOADS, strict=True):
        # The API kept what was typed; only the spreadsheet cell is neutralised.
        card = (await client.get(f"/api/cards/{card_id}")).json()
        assert card["title"] == payload and card["product"] == payload
        assert by_id[card_id]["Name"] == "'" + payload
        assert by_id[card_id]["Product"] == "'" + payload
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


async def test_events_csv_cells_are_text(client: httpx.AsyncClient, app: Any) -> None:
    board_id, _ = await _cards(client, app)
    rows = h.csv_rows((await h.get_export(client, board_id, "events.csv")).content)
    created = [json.loads(row[6]) for row in rows[1:] if row[2] == "card.created"]
    assert len(created) == len(PAYLOADS)  # titles sit inside the JSON cell ("{...")
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
