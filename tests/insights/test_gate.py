"""The definition of ready: a column that takes only actionable insights."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories
from tests.insights.helpers import ALL_PARTS, PROBLEM, insight, patch, png, upload


async def _ready_board(client: httpx.AsyncClient) -> tuple[dict[str, Any], int]:
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Ready for product", "stage": "backlog"},
            {"name": "Delegated", "stage": "active"},
        ],
    )
    ready = board["columns"][1]["id"]
    r = await client.patch(f"/api/columns/{ready}", json={"requires_insight": True})
    assert r.status_code == 200, r.text
    assert r.json()["requires_insight"] is True
    return board, ready


async def _refused(client: httpx.AsyncClient, card: dict[str, Any], column_id: int) -> list[str]:
    """Try the move; it must be refused with nothing written. Returns what is missing."""
    before = await factories.events(client, card["board_id"])
    r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": column_id})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("insight-incomplete")
    assert problem["card_id"] == card["id"]
    assert "Ready for product" in problem["detail"]
    assert (await client.get(f"/api/cards/{card['id']}")).json()["column_id"] == card["column_id"]
    assert await factories.events(client, card["board_id"]) == before
    return list(problem["missing"])


async def test_only_a_complete_insight_enters_the_ready_column(client):
    board, ready = await _ready_board(client)
    card = await factories.create_card(client, board["id"])

    assert await _refused(client, card, ready) == ALL_PARTS
    assert (await insight(client, card["id"]))["missing"] == ALL_PARTS

    # Each part supplied shrinks the list, in the drawer's order, until nothing is missing.
    steps: list[tuple[str, Any]] = [
        ("owner_team", "Payments"),
        ("evidence", None),
        ("problem_statement", "Refunds to expired cards bounce silently"),
        ("effort_hours", 6),
        ("suggested_fix", "Fall back to store credit"),
    ]
    expected = list(ALL_PARTS)
    for part, value in steps:
        if part == "evidence":
            assert (await upload(client, card["id"], png())).status_code == 201
        else:
            await patch(client, card["id"], **{part: value})
        expected.remove(part)
        assert await _refused(client, card, ready) == expected
        assert (await insight(client, card["id"]))["missing"] == expected
    assert expected == ["impact_per_month"]

    await patch(client, card["id"], impact_per_month=4000)
    shown = await insight(client, card["id"])
    assert (shown["missing"], shown["complete"]) == ([], True)
    moved = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": ready})
    assert moved.status_code == 200, moved.text
    assert moved.json()["column_id"] == ready
    last = (await factories.events(client, board["id"]))[-1]
    assert (last["type"], last["data"]["to_column_id"]) == ("card.moved", ready)


async def test_blank_text_and_removed_evidence_count_as_missing(client):
    board, ready = await _ready_board(client)
    card = await factories.create_card(client, board["id"])
    await patch(
        client,
        card["id"],
        problem_statement="   ",
        suggested_fix="Retry with backoff",
        impact_per_month=0,
        effort_hours=1,
        owner_team="Infra",
    )
    shot = (await upload(client, card["id"], png())).json()

    # An impact of zero is an estimate; a blank statement is not.
    assert await _refused(client, card, ready) == ["problem_statement"]
    assert (await client.delete(f"/api/evidence/{shot['id']}")).status_code == 204
    await patch(client, card["id"], problem_statement="Webhook retries hammer the gateway")
    assert await _refused(client, card, ready) == ["evidence"]
    await patch(client, card["id"], owner_team=None)
    assert await _refused(client, card, ready) == ["evidence", "owner_team"]


async def test_a_card_cannot_be_created_straight_into_the_ready_column(client):
    board, ready = await _ready_board(client)
    before = await factories.events(client, board["id"])

    r = await client.post(
        f"/api/boards/{board['id']}/cards", json={"title": "Skip the line", "column_id": ready}
    )

    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("insight-incomplete")
    assert r.json()["missing"] == ALL_PARTS
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["cards"] == []
    assert await factories.events(client, board["id"]) == before


async def test_a_column_without_the_flag_takes_any_card(client):
    board, ready = await _ready_board(client)
    card = await factories.create_card(client, board["id"])
    r = await client.patch(f"/api/columns/{ready}", json={"requires_insight": False})
    assert r.json()["requires_insight"] is False

    moved = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": ready})

    assert moved.status_code == 200, moved.text
    assert moved.json()["column_id"] == ready
