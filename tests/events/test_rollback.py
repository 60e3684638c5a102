"""An event appended by a change that then fails is never visible."""

from __future__ import annotations

import pytest

from app.core.errors import Conflict
from app.events import service as events_service
from tests.factories import create_board, events


async def test_an_event_from_a_rolled_back_transaction_never_appears(app, client):
    board = await create_board(client)
    before = await events(client, board["id"])

    def append_then_fail(session):
        events_service.append(
            session,
            board_id=board["id"],
            type="card.created",
            actor=events_service.ActorRef(id=None, kind="system"),
            data={"card_id": 0},
        )
        raise Conflict("refused after the event was appended")

    with pytest.raises(Conflict):
        await app.state.db.write(append_then_fail)

    assert await events(client, board["id"]) == before
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["last_seq"] == before[-1]["seq"]
    # The next real change takes the next number: no gap where the failed one was.
    r = await client.post(f"/api/boards/{board['id']}/cards", json={"title": "next"})
    assert r.status_code == 201
    assert (await events(client, board["id"]))[-1]["seq"] == before[-1]["seq"] + 1
