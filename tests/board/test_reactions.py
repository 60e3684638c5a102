"""Board's reactions and policies are registered at wiring, and a reopen is a move.

Without wiring a card change fails instead of skipping the insight gate, the swarm load
or a reaction; wiring twice registers nothing twice. A reopen goes through the same move
path as a person's move, recording (not refusing) every limit it breaks.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app import wiring
from app.board import reactions
from app.confirm.service import REOPEN_REASON
from tests import factories
from tests.confirm.helpers import BLANK, card, last_seq, make_board, move, path_of, requested


def test_installing_twice_registers_each_reaction_once():
    wiring.install()
    before = {kind: list(fns) for kind, fns in reactions._registry.subscribers.items()}
    checks, sources = reactions._registry.ready_checks, reactions._registry.load_sources

    wiring.install()

    assert {k: list(v) for k, v in reactions._registry.subscribers.items()} == before
    assert reactions._registry.ready_checks == checks and len(checks) == 1
    assert reactions._registry.load_sources == sources and len(sources) == 1
    with pytest.raises(RuntimeError, match="at wiring"):
        reactions.subscribe("card.moved", lambda *_: None)


def test_without_wiring_the_gate_the_load_and_the_reactions_refuse_to_run(monkeypatch):
    monkeypatch.setattr(reactions, "_registry", reactions._Registry())
    session = Session()
    facts = reactions.CardFacts(
        card_id=1,
        board_id=1,
        stage="done",
        was="active",
        external_ref=None,
        customer_id=None,
        at=None,  # type: ignore[arg-type]
    )
    with pytest.raises(reactions.WiringMissing):
        reactions.publish(session, facts, [{"type": "card.moved", "data": {}}])
    with pytest.raises(reactions.WiringMissing):
        reactions.check_ready(session, card_id=1, card={}, column_name="Ready")
    with pytest.raises(reactions.WiringMissing):
        reactions.load_sources()


def test_an_unknown_event_type_cannot_be_subscribed_to(monkeypatch):
    monkeypatch.setattr(reactions, "_registry", reactions._Registry())
    with pytest.raises(ValueError, match=r"card\.teleported"):
        reactions.subscribe("card.teleported", lambda *_: None)


async def test_a_soft_limit_the_reopen_breaks_is_recorded_with_the_reason_by_nobody(
    client, as_user
):
    board_id, cols = await make_board(
        client,
        columns=[
            {"name": "Investigating", "stage": "active", "wip_limit": 1, "wip_policy": "soft"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    closed = await factories.create_card(client, board_id, column_id=cols["Investigating"])
    await move(client, closed["id"], cols["Resolved"])
    path = path_of((await requested(client, board_id, closed["id"]))["data"]["url"])
    await factories.create_card(client, board_id, column_id=cols["Investigating"])
    seq = await last_seq(client, board_id)

    assert (await as_user(None).post(path, data={**BLANK, "solved": "no"})).status_code == 303

    logged = await factories.events(client, board_id, since=seq)
    assert [e["type"] for e in logged] == [
        "customer.rejected",
        "card.reopened",
        "wip.exceeded",
        "alert.raised",
    ]
    assert logged[1]["data"]["reason"] == REOPEN_REASON
    assert logged[2]["actor"]["kind"] == "customer"
    assert logged[2]["data"] == {
        "scope": "column",
        "card_id": closed["id"],
        "column_id": cols["Investigating"],
        "limit": 1,
        "count": 1,
        "reason": REOPEN_REASON,
        "by": None,
    }


async def test_a_reopen_is_not_the_first_response_and_leaves_the_lane(client, as_user):
    board = await factories.create_board(client, lanes=[{"name": "Expedite"}])
    board_id, lane = board["id"], board["lanes"][0]["id"]
    cols = {c["name"]: c["id"] for c in board["columns"]}
    # Straight from the backlog to done: nobody ever started work on it.
    created = await factories.create_card(client, board_id, column_id=cols["Triage"], lane_id=lane)
    await move(client, created["id"], cols["Resolved"])
    path = path_of((await requested(client, board_id, created["id"]))["data"]["url"])
    before = await card(client, created["id"])

    assert (await as_user(None).post(path, data={**BLANK, "solved": "no"})).status_code == 303

    reopened = await card(client, created["id"])
    assert reopened["column_id"] == cols["Investigating"] and reopened["lane_id"] == lane
    assert reopened["first_response_at"] is None
    assert reopened["reopen_count"] == 1 and reopened["version"] == before["version"] + 1
