"""Repeat and duplicate links: how often a problem comes back, as the board sees it."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import update

from app.board.repository import cards
from app.tickets import repository
from tests import factories
from tests.tickets.helpers import PROBLEM, last_seq, member, take_in, typed


async def _cards(client: Any, n: int) -> tuple[int, list[int]]:
    """A board with ``n`` tickets, oldest first."""
    board = await factories.create_board(client)
    made = [await take_in(client, board["id"]) for _ in range(n)]
    return int(board["id"]), [int(c["id"]) for c in made]


async def _link(client: Any, newer: int, earlier: int, kind: str = "repeat") -> Any:
    return await client.post(f"/api/cards/{newer}/links", json={"card_id": earlier, "kind": kind})


async def test_frequency_counts_the_tickets_linked_to_an_earlier_one(client, app):
    bid, (a, b, c, d) = await _cards(client, 4)

    first = await _link(client, b, a)
    assert first.status_code == 201, first.text
    assert first.json()["frequency"] == 2
    assert (first.json()["card_id"], first.json()["target_id"]) == (b, a)
    assert (await _link(client, c, a, "duplicate")).json()["frequency"] == 3
    # A target that itself repeats an earlier ticket is fine; frequency is direct links.
    assert (await _link(client, d, b)).json()["frequency"] == 2

    on_a = (await client.get(f"/api/cards/{a}/links")).json()
    assert on_a["frequency"] == 3 and on_a["links_to"] == []
    assert [(x["card_id"], x["kind"]) for x in on_a["linked_from"]] == [
        (b, "repeat"),
        (c, "duplicate"),
    ]
    on_b = (await client.get(f"/api/cards/{b}/links")).json()
    assert [x["target_id"] for x in on_b["links_to"]] == [a]
    assert [x["card_id"] for x in on_b["linked_from"]] == [d]
    assert on_b["frequency"] == 2
    linked = await typed(client, bid, "card.linked")
    assert [
        (e["data"]["card_id"], e["data"]["target_id"], e["data"]["kind"], e["data"]["frequency"])
        for e in linked
    ] == [(b, a, "repeat", 2), (c, a, "duplicate", 3), (d, b, "repeat", 2)]
    # Other packages (insight ranking, exports) read frequencies in one call.
    freq = await app.state.db.read(repository.frequencies, [a, b, c, d, a])
    assert freq == {a: 3, b: 2, c: 1, d: 1}
    assert await app.state.db.read(repository.frequencies, []) == {}


async def test_concurrent_links_to_one_ticket_each_report_a_distinct_frequency(client):
    bid, (a, *later) = await _cards(client, 6)

    results = await asyncio.gather(*(_link(client, card, a) for card in later))

    assert [r.status_code for r in results] == [201] * 5, [r.text for r in results]
    assert sorted(r.json()["frequency"] for r in results) == [2, 3, 4, 5, 6]
    logged = [e["data"]["frequency"] for e in await typed(client, bid, "card.linked")]
    assert logged == [2, 3, 4, 5, 6]  # in commit order, each one more
    assert (await client.get(f"/api/cards/{a}/links")).json()["frequency"] == 6


async def test_links_that_make_no_sense_are_refused_and_nothing_is_written(client):
    bid, (a, b) = await _cards(client, 2)
    other_bid, (elsewhere,) = await _cards(client, 1)
    assert (await _link(client, b, a)).status_code == 201
    seq, other_seq = await last_seq(client, bid), await last_seq(client, other_bid)

    cases = {
        "itself": await _link(client, b, b),
        "other board": await _link(client, b, elsewhere),
        "missing card": await _link(client, b, 2_147_483_000),
        "older to newer": await _link(client, a, b),
    }
    for name, r in cases.items():
        assert r.status_code == 422, (name, r.text)
        assert r.headers["content-type"] == PROBLEM
        assert r.json()["type"].endswith("/invalid-link"), name
        assert r.json()["errors"][0]["field"] == "card_id"
    assert "itself" in cases["itself"].json()["detail"]
    assert "same board" in cases["other board"].json()["detail"]
    assert "link the newer ticket to the earlier one" in cases["older to newer"].json()["detail"]
    for kind in ("repeat", "duplicate"):
        again = await _link(client, b, a, kind)
        assert again.status_code == 409 and again.json()["type"].endswith("/link-exists")
    bad_kind = await _link(client, b, a, "related")
    assert bad_kind.status_code == 422 and bad_kind.json()["type"].endswith("/validation-error")

    assert await last_seq(client, bid) == seq
    assert await last_seq(client, other_bid) == other_seq
    assert (await client.get(f"/api/cards/{a}/links")).json()["frequency"] == 2


async def test_with_equal_creation_times_the_lower_id_is_the_earlier(client, app):
    _, (a, b) = await _cards(client, 2)

    def same_moment(session: Any) -> None:
        created = session.execute(cards.select().where(cards.c.id == a)).one().created_at
        session.execute(update(cards).where(cards.c.id == b).values(created_at=created))

    await app.state.db.write(same_moment)
    assert (await _link(client, a, b)).status_code == 422
    assert (await _link(client, b, a)).status_code == 201


async def test_unlinking_lowers_the_frequency_and_is_logged(client):
    bid, (a, b, c) = await _cards(client, 3)
    await _link(client, b, a)
    await _link(client, c, a, "duplicate")

    r = await client.delete(f"/api/cards/{c}/links/{a}")

    assert r.status_code == 204, r.text
    unlinked = await typed(client, bid, "card.unlinked")
    assert [e["data"] for e in unlinked] == [
        {"card_id": c, "target_id": a, "kind": "duplicate", "frequency": 2}
    ]
    assert (await client.get(f"/api/cards/{a}/links")).json()["frequency"] == 2
    seq = await last_seq(client, bid)
    for newer, earlier in ((c, a), (a, b)):
        gone = await client.delete(f"/api/cards/{newer}/links/{earlier}")
        assert gone.status_code == 404 and gone.json()["type"].endswith("/link-not-found")
    assert await last_seq(client, bid) == seq
    # The pair can be linked again once unlinked.
    assert (await _link(client, c, a)).status_code == 201


async def test_members_read_links_workers_change_them_outsiders_see_nothing(client, as_user):
    bid, (a, b) = await _cards(client, 2)
    await _link(client, b, a)
    _, outsider = await factories.create_user(client, role="agent")
    _, viewer = await member(client, bid, role="viewer")
    _, agent = await member(client, bid)
    c = (await take_in(client, bid))["id"]
    body = {"card_id": a, "kind": "repeat"}

    for r in (
        await as_user(outsider).get(f"/api/cards/{a}/links"),
        await as_user(outsider).post(f"/api/cards/{c}/links", json=body),
        await as_user(outsider).delete(f"/api/cards/{b}/links/{a}"),
    ):
        assert r.status_code == 404 and r.json()["type"].endswith("/card-not-found")
    for r in (
        await as_user(viewer).post(f"/api/cards/{c}/links", json=body),
        await as_user(viewer).delete(f"/api/cards/{b}/links/{a}"),
    ):
        assert r.status_code == 403 and r.json()["type"].endswith("/role-forbidden")
    assert (await as_user(viewer).get(f"/api/cards/{a}/links")).json()["frequency"] == 2
    assert (await as_user(agent).post(f"/api/cards/{c}/links", json=body)).status_code == 201
    assert (await as_user(agent).delete(f"/api/cards/{b}/links/{a}")).status_code == 204
    assert (await client.get(f"/api/cards/{a}/links")).json()["frequency"] == 2
