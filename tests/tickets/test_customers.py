"""Customers belong to one board: intake on one board can neither read nor change the
customer of the same ``ref`` on another board."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests import factories
from tests.tickets.helpers import member, take_in, ticket_body


async def _board_b_customer(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """Board B with a ticket of customer ``crm-beth``; (board, ticket)."""
    board = await factories.create_board(client)
    ticket = await take_in(
        client,
        board["id"],
        customer={"ref": "crm-beth", "name": "Beth Board-B", "email": "beth@b-customer.io"},
    )
    return board, ticket


async def _requested(client: httpx.AsyncClient, board: dict[str, Any], card_id: int) -> Any:
    """Finish the card and return the customer the ``confirmation.requested`` event names."""
    done = next(c["id"] for c in board["columns"] if c["stage"] == "done")
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": done})
    assert r.status_code == 200, r.text
    asked = [
        e
        for e in await factories.events(client, board["id"])
        if e["type"] == "confirmation.requested" and e["data"]["card_id"] == card_id
    ]
    assert len(asked) == 1
    return asked[0]["data"]["customer"]


async def test_intake_never_returns_another_boards_customer(client, as_user):
    _, theirs = await _board_b_customer(client)
    a = await factories.create_board(client)
    _, token = await member(client, a["id"])  # an agent of board A only

    r = await as_user(token).post(
        f"/api/boards/{a['id']}/tickets", json=ticket_body(customer={"ref": "crm-beth"})
    )

    assert r.status_code == 201, r.text
    customer = r.json()["customer"]
    assert customer["ref"] == "crm-beth"
    assert (customer["name"], customer["email"]) == (None, None)
    assert customer["id"] != theirs["customer"]["id"]
    assert r.json()["customer_id"] == customer["id"]
    # Nor does a repeat of the ticket, or the card read back, carry board B's record.
    again = await as_user(token).post(
        f"/api/boards/{a['id']}/tickets",
        json=ticket_body(external_ref=r.json()["external_ref"], customer={"ref": "crm-beth"}),
    )
    assert again.status_code == 200
    assert "beth@b-customer.io" not in again.text and "Beth Board-B" not in again.text


async def test_intake_on_one_board_cannot_redirect_another_boards_confirmation(client, as_user):
    b, theirs = await _board_b_customer(client)
    a = await factories.create_board(client)
    _, token = await member(client, a["id"])
    hijack = {"ref": "crm-beth", "name": "Mallory", "email": "mallory@evil.example"}

    for _ in range(2):  # once to create, once more to "update"
        r = await as_user(token).post(
            f"/api/boards/{a['id']}/tickets", json=ticket_body(customer=hijack)
        )
        assert r.status_code == 201, r.text
        assert r.json()["customer"]["email"] == "mallory@evil.example"  # board A's own record

    # Board B's customer is untouched: its next confirmation goes to Beth.
    assert await _requested(client, b, theirs["id"]) == {
        "ref": "crm-beth",
        "name": "Beth Board-B",
        "email": "beth@b-customer.io",
    }
    later = await take_in(client, b["id"], customer={"ref": "crm-beth"})
    assert later["customer"] == theirs["customer"]


async def test_a_boards_own_intake_still_updates_its_customer(client):
    board = await factories.create_board(client)
    first = await take_in(client, board["id"], customer={"ref": "c-1", "name": "Old Name"})
    second = await take_in(client, board["id"], customer={"ref": "c-1", "email": "new@x.io"})
    assert second["customer"]["id"] == first["customer"]["id"]
    # A name or email given updates the customer; one left out keeps what was known.
    assert (second["customer"]["name"], second["customer"]["email"]) == ("Old Name", "new@x.io")
    third = await take_in(client, board["id"], customer={"ref": "c-1", "name": "New Name"})
    assert (third["customer"]["name"], third["customer"]["email"]) == ("New Name", "new@x.io")
    assert await _requested(client, board, first["id"]) == {
        "ref": "c-1",
        "name": "New Name",
        "email": "new@x.io",
    }


async def test_one_new_customer_arriving_on_two_boards_at_once_becomes_two(client):
    boards = [await factories.create_board(client) for _ in range(2)]
    bodies = [
        (board["id"], ticket_body(customer={"ref": "crm-race", "email": f"race@{n}.example"}))
        for n, board in enumerate(boards)
        for _ in range(4)
    ]

    results = await asyncio.gather(
        *(client.post(f"/api/boards/{board_id}/tickets", json=body) for board_id, body in bodies)
    )

    assert [r.status_code for r in results] == [201] * 8, [r.text for r in results]
    seen: dict[int, set[int]] = {}
    for r in results:
        seen.setdefault(r.json()["board_id"], set()).add(r.json()["customer"]["id"])
    # One customer per board (the four tickets of a board share it), two in all.
    assert sorted(len(ids) for ids in seen.values()) == [1, 1]
    assert len(seen[boards[0]["id"]] | seen[boards[1]["id"]]) == 2
    for n, board in enumerate(boards):
        settled = await take_in(client, board["id"], customer={"ref": "crm-race"})
        assert settled["customer"]["id"] in seen[board["id"]]
        assert settled["customer"]["email"] == f"race@{n}.example"
