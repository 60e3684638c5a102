"""A personal WIP refusal speaks to you when you are the one at your limit."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_member, create_board, create_card, create_user


async def _board_with_person(
    client: httpx.AsyncClient,
) -> tuple[dict[str, Any], int, int, dict[str, Any], str]:
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 10},
        ],
    )
    triage, doing = board["columns"][0]["id"], board["columns"][1]["id"]
    person, token = await create_user(client, role="agent", wip_limit=1)
    await add_member(client, board["id"], person["id"])
    # They already carry one active card.
    await create_card(client, board["id"], column_id=doing, assignee_ids=[person["id"]])
    return board, triage, doing, person, token


async def test_assigning_yourself_over_your_limit_says_you(client, as_user):
    board, _, doing, person, token = await _board_with_person(client)
    other = await create_card(client, board["id"], column_id=doing)

    r = await as_user(token).patch(
        f"/api/cards/{other['id']}", json={"assignee_ids": [person["id"]]}
    )

    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("person-wip-limit-exceeded")
    assert r.json()["detail"] == (
        "You already carry 1 active cards and swarms; your WIP limit is 1."
    )


async def test_moving_your_own_card_into_an_active_column_says_you(client, as_user):
    board, _, doing, person, token = await _board_with_person(client)
    waiting = await create_card(client, board["id"], assignee_ids=[person["id"]])

    r = await as_user(token).post(f"/api/cards/{waiting['id']}/move", json={"column_id": doing})

    assert r.status_code == 409, r.text
    assert r.json()["detail"].startswith("You already carry 1 active cards and swarms")


async def test_someone_else_at_their_limit_is_named_in_the_third_person(client, as_user):
    board, _, doing, person, _ = await _board_with_person(client)
    lead, lead_token = await create_user(client, role="lead")
    await add_member(client, board["id"], lead["id"])
    other = await create_card(client, board["id"], column_id=doing)

    r = await as_user(lead_token).patch(
        f"/api/cards/{other['id']}", json={"assignee_ids": [person["id"]]}
    )

    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"{person['name']} already carries 1 active cards and swarms; their WIP limit is 1."
    )
