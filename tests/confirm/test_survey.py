"""Survey answers from an external tool: they fill the open link request, or stand as
their own record, with the same effects as the customer's own answer."""

from __future__ import annotations

from tests import factories
from tests.confirm.helpers import (
    BLANK,
    PROBLEM,
    card,
    closed_card,
    confirmation,
    last_seq,
    make_board,
    types_since,
)
from tests.web.helpers import parse


async def _integration(client, board_id, role="agent"):
    user, token = await factories.create_user(client, role=role)
    await factories.add_member(client, board_id, user["id"])
    return user, token


async def test_a_survey_fills_the_pending_link_and_the_link_shows_it(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    pending = await confirmation(client, card_id)
    tool, token = await _integration(client, board_id)
    seq = await last_seq(client, board_id)

    r = await as_user(token).post(
        f"/api/cards/{card_id}/survey", json={"solved": True, "csat": 4, "nps": 10}
    )

    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["id"], body["source"], body["state"]) == (pending["id"], "link", "confirmed")
    assert (body["csat"], body["ces"], body["nps"], body["comment"]) == (4, None, 10, None)
    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == ["customer.confirmed"]
    assert logged[0]["actor"] == {"id": tool["id"], "kind": "user"}
    # The customer's link now shows that answer and takes no other.
    customer = as_user(None)
    page = await customer.get(path)
    assert page.status_code == 200 and not parse(page.text).find_all("form")
    assert "4 out of 5" in page.text
    again = await customer.post(path, data={**BLANK, "solved": "no"})
    assert again.status_code == 200
    assert await types_since(client, board_id, seq) == ["customer.confirmed"]
    assert (await confirmation(client, card_id))["history"] == []


async def test_a_survey_without_a_pending_link_is_its_own_record(client, as_user):
    board_id, cols = await make_board(client)
    worked = await factories.create_card(client, board_id, column_id=cols["Investigating"])
    _, token = await _integration(client, board_id)
    seq = await last_seq(client, board_id)

    r = await as_user(token).post(
        f"/api/cards/{worked['id']}/survey",
        json={"ces": 2, "comment": "Took three calls", "answered_at": "2026-01-05T10:00:00Z"},
    )

    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["source"], body["state"], body["url"], body["solved"]) == (
        "survey",
        "answered",
        None,
        None,
    )
    assert body["answered_at"].startswith("2026-01-05T10:00:00") and body["expired"] is False
    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == ["survey.recorded"]
    assert logged[0]["data"]["has_comment"] is True and logged[0]["data"]["ces"] == 2
    shown = await confirmation(client, worked["id"])
    assert shown["id"] == body["id"] and shown["comment"] == "Took three calls"
    # Nothing moved: a survey without a yes or no is only recorded.
    assert (await card(client, worked["id"]))["column_id"] == cols["Investigating"]


async def test_a_survey_saying_not_solved_reopens_a_done_card(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    _, token = await _integration(client, board_id, role="lead")
    seq = await last_seq(client, board_id)

    r = await as_user(token).post(f"/api/cards/{card_id}/survey", json={"solved": False})

    assert r.status_code == 201 and r.json()["state"] == "rejected"
    assert await types_since(client, board_id, seq) == [
        "customer.rejected",
        "card.reopened",
        "alert.raised",
    ]
    assert (await card(client, card_id))["column_id"] == cols["Investigating"]
    assert (await as_user(None).get(path)).status_code == 200


async def test_a_survey_after_the_link_was_answered_is_a_new_record(client, as_user):
    board_id, cols = await make_board(client)
    card_id, path = await closed_card(client, board_id, cols)
    await as_user(None).post(path, data={**BLANK, "solved": "yes"})

    r = await client.post(f"/api/cards/{card_id}/survey", json={"nps": 7})

    assert r.status_code == 201 and r.json()["source"] == "survey"
    shown = await confirmation(client, card_id)
    assert shown["id"] == r.json()["id"]
    assert [h["state"] for h in shown["history"]] == ["confirmed"]


async def test_survey_input_is_checked_and_a_refusal_writes_nothing(client):
    board_id, cols = await make_board(client)
    card_id, _ = await closed_card(client, board_id, cols)
    seq = await last_seq(client, board_id)

    for body in (
        {},
        {"answered_at": "2026-01-05T10:00:00Z"},
        {"csat": 6},
        {"ces": 0},
        {"nps": 11},
        {"comment": "x" * 2001},
        {"solved": True, "answered_at": "2999-01-01T00:00:00Z"},
        {"solved": True, "rating": 5},
    ):
        r = await client.post(f"/api/cards/{card_id}/survey", json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == PROBLEM

    assert await types_since(client, board_id, seq) == []
    assert (await confirmation(client, card_id))["state"] == "pending"


async def test_viewers_may_not_record_surveys_and_outsiders_get_404(client, as_user):
    board_id, cols = await make_board(client)
    card_id, _ = await closed_card(client, board_id, cols)
    _, viewer_token = await _integration(client, board_id, role="viewer")
    _, outsider_token = await factories.create_user(client, role="agent")
    seq = await last_seq(client, board_id)

    refused = await as_user(viewer_token).post(f"/api/cards/{card_id}/survey", json={"csat": 5})
    hidden = await as_user(outsider_token).post(f"/api/cards/{card_id}/survey", json={"csat": 5})

    assert refused.status_code == 403 and refused.json()["type"].endswith("/role-forbidden")
    assert hidden.status_code == 404 and hidden.json()["type"].endswith("/card-not-found")
    assert await types_since(client, board_id, seq) == []
    assert (await confirmation(client, card_id))["state"] == "pending"
