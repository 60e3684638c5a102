"""Asking the customer: a request when a card is done, withdrawn when it leaves done, and
what board members see of it through the API."""

from __future__ import annotations

from datetime import datetime

from tests import factories
from tests.confirm.helpers import (
    PROBLEM,
    closed_card,
    confirmation,
    make_board,
    move,
    path_of,
    requested,
    types_since,
)


async def test_a_done_card_asks_the_customer_with_a_working_link(client, as_user):
    board_id, cols = await make_board(client)
    card = await factories.create_card(client, board_id, column_id=cols["Investigating"])
    await move(client, card["id"], cols["Resolved"])

    event = await requested(client, board_id, card["id"])
    data = event["data"]
    assert event["actor"] == {"id": None, "kind": "system"}
    assert set(data) == {
        "card_id",
        "confirmation_id",
        "url",
        "expires_at",
        "external_ref",
        "customer",
    }
    assert data["external_ref"] is None and data["customer"] is None
    page = await as_user(None).get(path_of(data["url"]))
    assert page.status_code == 200
    assert "Is your problem solved?" in page.text and card["title"] in page.text

    shown = await confirmation(client, card["id"])
    assert shown["id"] == data["confirmation_id"] and shown["url"] == data["url"]
    assert (shown["state"], shown["source"], shown["expired"]) == ("pending", "link", False)
    assert shown["answered_at"] is None and shown["solved"] is None and shown["history"] == []
    # The link stays open for the configured 14 days.
    asked = datetime.fromisoformat(shown["requested_at"])
    assert (datetime.fromisoformat(shown["expires_at"]) - asked).days == 14


async def test_a_card_created_straight_into_done_asks_too(client):
    board_id, cols = await make_board(client)
    card = await factories.create_card(client, board_id, column_id=cols["Resolved"])
    assert (await confirmation(client, card["id"]))["state"] == "pending"


async def test_leaving_done_before_an_answer_withdraws_the_question(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    seq = (await requested(client, board_id, card_id))["seq"]

    await move(client, card_id, cols["Investigating"])

    assert await types_since(client, board_id, seq) == ["card.moved", "confirmation.withdrawn"]
    withdrawn = (await factories.events(client, board_id, since=seq))[-1]["data"]
    assert withdrawn["card_id"] == card_id and withdrawn["reason"] == "left_done"
    assert (await confirmation(client, card_id))["state"] == "superseded"
    page = await as_user(None).get(path)
    assert page.status_code == 410 and "no longer in use" in page.text


async def test_done_again_asks_again_and_keeps_the_history(client):
    board_id, cols = await make_board(client)
    card_id, _ = await closed_card(client, board_id, cols)
    first = await confirmation(client, card_id)
    await move(client, card_id, cols["Investigating"])
    await move(client, card_id, cols["Resolved"])

    shown = await confirmation(client, card_id)

    assert shown["state"] == "pending" and shown["id"] != first["id"]
    assert [(h["id"], h["state"]) for h in shown["history"]] == [(first["id"], "superseded")]


async def test_moving_within_done_keeps_the_same_question(client):
    board_id, cols = await make_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
            {"name": "Archived", "stage": "done"},
        ],
    )
    card_id, _ = await closed_card(client, board_id, cols)
    before = await confirmation(client, card_id)
    await move(client, card_id, cols["Archived"])
    after = await confirmation(client, card_id)
    assert (after["id"], after["state"]) == (before["id"], "pending")


async def test_a_card_never_asked_has_no_confirmation(client):
    board_id, cols = await make_board(client)
    card = await factories.create_card(client, board_id, column_id=cols["Investigating"])
    r = await client.get(f"/api/cards/{card['id']}/confirmation")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("/confirmation-not-found")


async def test_members_see_the_confirmation_and_others_get_404(client, as_user):
    board_id, cols = await make_board(client)
    card_id, _ = await closed_card(client, board_id, cols)
    viewer, viewer_token = await factories.create_user(client, role="viewer")
    await factories.add_member(client, board_id, viewer["id"])
    _, outsider_token = await factories.create_user(client, role="agent")

    seen = await as_user(viewer_token).get(f"/api/cards/{card_id}/confirmation")
    hidden = await as_user(outsider_token).get(f"/api/cards/{card_id}/confirmation")
    missing = await client.get("/api/cards/2147483000/confirmation")

    assert seen.status_code == 200 and seen.json()["state"] == "pending"
    assert hidden.status_code == 404 and hidden.json()["type"].endswith("/card-not-found")
    assert missing.status_code == 404
