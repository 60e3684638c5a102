"""events.csv carries the customer's confirmation link only for roles that may contact
the customer (admin, lead, agent); viewers and facilitators get it redacted."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests import factories
from tests.confirm import helpers as confirm
from tests.exports import helpers as h


def _requested(body: bytes, card_id: int) -> dict[str, object]:
    rows = h.csv_rows(body)[1:]
    found = [
        json.loads(row[6])
        for row in rows
        if row[2] == "confirmation.requested" and json.loads(row[6])["card_id"] == card_id
    ]
    assert len(found) == 1
    return dict(found[0])


@pytest.mark.parametrize(("role", "sees_link"), [("viewer", False), ("agent", True)])
async def test_confirmation_link_in_events_csv_by_role(
    client: httpx.AsyncClient,
    as_user: Callable[[str | None], httpx.AsyncClient],
    role: str,
    sees_link: bool,
) -> None:
    board_id, cols = await confirm.make_board(client)
    card_id, path = await confirm.closed_card(client, board_id, cols)
    person, token = await factories.create_user(client, role=role)
    await factories.add_member(client, board_id, person["id"])
    r = await h.get_export(as_user(token), board_id, "events.csv")
    data = _requested(r.content, card_id)
    if sees_link:
        assert isinstance(data["url"], str) and confirm.path_of(data["url"]) == path
        assert "redacted" not in data
    else:
        assert data["url"] is None and data["redacted"] == ["url"]
        assert path not in r.text
    # The card and the event are still there for everyone: only the link is held back.
    assert data["card_id"] == card_id
