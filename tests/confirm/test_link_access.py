"""Who sees the customer's confirmation link: only roles that may contact the customer
(admins, leads, agents). Viewers and facilitators read the confirmation and the event log
with the link withheld (url null, named in ``redacted``) and cannot answer for the
customer through the survey API."""

from __future__ import annotations

import pytest

from tests import factories
from tests.confirm.helpers import PROBLEM, card, closed_card, last_seq, make_board

READ_ONLY = ["viewer", "facilitator"]
CONTACT = ["agent", "lead", "admin"]


async def _member(client, as_user, board_id, role):
    """A person whose role on the board is ``role`` (admins are admins everywhere)."""
    if role == "admin":
        user, token = await factories.create_user(client, role="admin")
        return as_user(token)
    user, token = await factories.create_user(client, role=role)
    await factories.add_member(client, board_id, user["id"], role)
    return as_user(token)


def _link_events(events):
    return [e for e in events if e["type"] == "confirmation.requested"]


@pytest.mark.parametrize("role", READ_ONLY)
async def test_read_only_roles_get_the_confirmation_and_the_log_without_the_link(
    client, as_user, role
):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    reader = await _member(client, as_user, board_id, role)

    r = await reader.get(f"/api/cards/{card_id}/confirmation")
    assert r.status_code == 200, r.text
    shown = r.json()
    assert (shown["state"], shown["source"]) == ("pending", "link")
    assert shown["url"] is None and shown["redacted"] == ["url"]
    assert path not in r.text

    r = await reader.get(f"/api/boards/{board_id}/events", params={"limit": 1000})
    assert r.status_code == 200, r.text
    asked = _link_events(r.json()["events"])
    assert len(asked) == 1
    assert asked[0]["data"]["url"] is None and asked[0]["data"]["redacted"] == ["url"]
    assert asked[0]["data"]["card_id"] == card_id
    assert path not in r.text


async def test_a_redacted_history_names_the_withheld_link_in_every_request(client, as_user):
    board_id, cols = await make_board(client)
    card_id, first = await closed_card(client, board_id, cols)
    # Taken back and closed again: the first question is withdrawn, a second is asked.
    for column in ("Investigating", "Resolved"):
        r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": cols[column]})
        assert r.status_code == 200, r.text
    viewer = await _member(client, as_user, board_id, "viewer")

    r = await viewer.get(f"/api/cards/{card_id}/confirmation")

    assert r.status_code == 200, r.text
    shown = r.json()
    assert [shown["state"], *(h["state"] for h in shown["history"])] == ["pending", "superseded"]
    for record in (shown, *shown["history"]):
        assert record["url"] is None and record["redacted"] == ["url"]
    assert "/c/" not in r.text and first not in r.text


@pytest.mark.parametrize("role", CONTACT)
async def test_roles_that_contact_the_customer_see_the_link(client, as_user, role):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    worker = await _member(client, as_user, board_id, role)

    r = await worker.get(f"/api/cards/{card_id}/confirmation")
    assert r.status_code == 200, r.text
    assert r.json()["url"].endswith(path) and r.json()["redacted"] == []

    r = await worker.get(f"/api/boards/{board_id}/events", params={"limit": 1000})
    assert r.status_code == 200, r.text
    (asked,) = _link_events(r.json()["events"])
    assert asked["data"]["url"].endswith(path) and "redacted" not in asked["data"]


async def test_a_board_viewer_role_hides_the_link_from_a_global_lead(client, as_user):
    """The board role counts: a lead elsewhere who only views this board sees no link."""
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    user, token = await factories.create_user(client, role="lead")
    await factories.add_member(client, board_id, user["id"], "viewer")

    r = await as_user(token).get(f"/api/cards/{card_id}/confirmation")

    assert r.status_code == 200, r.text
    assert r.json()["url"] is None and path not in r.text


@pytest.mark.parametrize("role", READ_ONLY)
async def test_read_only_roles_cannot_answer_for_the_customer(client, as_user, role):
    board_id, cols = await make_board(client)
    card_id, _ = await closed_card(client, board_id, cols)
    reader = await _member(client, as_user, board_id, role)
    seq = await last_seq(client, board_id)

    r = await reader.post(f"/api/cards/{card_id}/survey", json={"solved": False, "csat": 1})

    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"]
    # Nothing happened: the card is still done, the question still open, no event.
    assert (await card(client, card_id))["column_id"] == cols["Resolved"]
    shown = await client.get(f"/api/cards/{card_id}/confirmation")
    assert shown.json()["state"] == "pending"
    assert await last_seq(client, board_id) == seq
