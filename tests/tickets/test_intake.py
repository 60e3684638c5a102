"""Ticket intake as a channel integration or bot sees it: one card per ticket, however
often it is sent, never refused for a full column."""

from __future__ import annotations

import asyncio

from tests import factories
from tests.tickets.helpers import PROBLEM, last_seq, member, take_in, ticket_body, typed


async def test_a_ticket_lands_in_the_first_column_with_its_customer(client):
    board = await factories.create_board(
        client,
        columns=[
            {"name": "Inbox", "stage": "backlog"},
            {"name": "Working", "stage": "active"},
        ],
    )
    inbox = board["columns"][0]["id"]
    body = ticket_body(customer={"ref": "crm-77", "name": "Grace Hopper", "email": "G@Navy.MIL"})

    r = await client.post(f"/api/boards/{board['id']}/tickets", json=body)

    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["column_id"] == inbox and ticket["board_id"] == board["id"]
    assert ticket["external_ref"] == body["external_ref"]
    assert (ticket["title"], ticket["channel"], ticket["priority"]) == (
        "Invoice PDF is blank",
        "email",
        "high",
    )
    assert (ticket["product"], ticket["segment"]) == ("Billing", "customer")
    assert ticket["customer"]["ref"] == "crm-77"
    assert ticket["customer"]["name"] == "Grace Hopper"
    assert ticket["customer"]["email"] == "G@navy.mil"  # the domain is case-insensitive
    assert ticket["customer_id"] == ticket["customer"]["id"]
    assert r.headers["etag"] == f'"{ticket["version"]}"'
    # The card is on the board like any other.
    card = (await client.get(f"/api/cards/{ticket['id']}")).json()
    assert card["external_ref"] == body["external_ref"]
    created = await typed(client, board["id"], "card.created")
    assert len(created) == 1
    data = created[0]["data"]
    assert data["card_id"] == ticket["id"] and data["column_id"] == inbox
    assert data["external_ref"] == body["external_ref"]
    assert data["customer_id"] == ticket["customer"]["id"]
    assert "Grace" not in str(created[0])  # the customer's name stays out of the log


async def test_an_active_intake_column_does_not_count_as_a_first_response(client):
    board = await factories.create_board(client, columns=[{"name": "Live", "stage": "active"}])
    ticket = await take_in(client, board["id"])
    assert ticket["first_response_at"] is None


async def test_a_repeat_returns_the_same_card_whatever_it_says(client):
    board = await factories.create_board(client)
    first = await take_in(client, board["id"])
    seq = await last_seq(client, board["id"])
    changed = ticket_body(
        external_ref=first["external_ref"],
        title="Something else entirely",
        channel="chat",
        customer={"ref": "someone-else", "name": "Mallory", "email": "m@evil.example"},
    )

    again = await client.post(f"/api/boards/{board['id']}/tickets", json=changed)

    assert again.status_code == 200, again.text
    assert again.json() == first
    assert await last_seq(client, board["id"]) == seq  # no event, nothing changed
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert [c["id"] for c in detail["cards"]] == [first["id"]]
    # The repeat did not create or touch a customer either.
    other = await take_in(client, board["id"], customer={"ref": "someone-else"})
    assert other["customer"]["name"] is None and other["customer"]["email"] is None


async def test_concurrent_repeats_make_exactly_one_card(client):
    board = await factories.create_board(client)
    body = ticket_body()

    results = await asyncio.gather(
        *(client.post(f"/api/boards/{board['id']}/tickets", json=body) for _ in range(10))
    )

    codes = sorted(r.status_code for r in results)
    assert codes == [200] * 9 + [201], [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    created = await typed(client, board["id"], "card.created")
    assert len(created) == 1
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert len(detail["cards"]) == 1


async def test_one_external_ref_on_two_boards_is_two_tickets_of_two_customers(client):
    a = await factories.create_board(client)
    b = await factories.create_board(client)
    ref = "shared-ref-1"
    first = await take_in(
        client, a["id"], external_ref=ref, customer={"ref": "c-shared", "name": "Old Name"}
    )
    second = await take_in(
        client, b["id"], external_ref=ref, customer={"ref": "c-shared", "email": "new@x.io"}
    )
    assert first["id"] != second["id"]
    # Customers belong to a board: board B's record of c-shared is its own.
    assert first["customer"]["id"] != second["customer"]["id"]
    assert (second["customer"]["name"], second["customer"]["email"]) == (None, "new@x.io")
    again = await take_in(client, a["id"], customer={"ref": "c-shared"})
    assert again["customer"] == first["customer"]


async def test_a_full_hard_limited_intake_column_admits_the_ticket_and_records_it(client, as_user):
    board = await factories.create_board(
        client, columns=[{"name": "Inbox", "stage": "backlog", "wip_limit": 1}]
    )
    inbox = board["columns"][0]["id"]
    await take_in(client, board["id"])
    _, token = await member(client, board["id"])

    # An agent may not override a hard limit, but a customer's ticket is not refused.
    r = await as_user(token).post(f"/api/boards/{board['id']}/tickets", json=ticket_body())

    assert r.status_code == 201, r.text
    overridden = await typed(client, board["id"], "wip.")
    assert [e["type"] for e in overridden] == ["wip.overridden"]
    data = overridden[0]["data"]
    assert data["reason"] == "Ticket intake: customer tickets are never refused"
    assert (data["card_id"], data["column_id"], data["limit"], data["count"]) == (
        r.json()["id"],
        inbox,
        1,
        1,
    )
    detail = (await client.get(f"/api/boards/{board['id']}")).json()
    assert detail["columns"][0]["card_count"] == 2
    # New tickets go to the bottom of the column, after the ones already waiting.
    positions = [c["position"] for c in detail["cards"]]
    assert positions == sorted(positions) and detail["cards"][-1]["id"] == r.json()["id"]


async def test_a_full_soft_limited_intake_column_records_a_breach(client):
    board = await factories.create_board(
        client,
        columns=[{"name": "Inbox", "stage": "backlog", "wip_limit": 0, "wip_policy": "soft"}],
    )
    ticket = await take_in(client, board["id"])
    breaches = await typed(client, board["id"], "wip.")
    assert [e["type"] for e in breaches] == ["wip.exceeded"]
    assert breaches[0]["data"]["card_id"] == ticket["id"]
    assert breaches[0]["data"]["reason"] == "Ticket intake: customer tickets are never refused"


async def test_invalid_tickets_are_refused_with_the_field_named_and_nothing_written(client):
    board = await factories.create_board(client)
    seq = await last_seq(client, board["id"])
    good = ticket_body()
    bad = {
        "channel": {**good, "channel": "fax"},
        "external_ref": {k: v for k, v in good.items() if k != "external_ref"},
        "title": {**good, "title": "x" * 301},
        "customer.email": {**good, "customer": {"ref": "c1", "email": "not-an-address"}},
        "customer.ref": {**good, "customer": {"name": "No ref"}},
        "priority": {**good, "priority": "asap"},
        "owner_id": {**good, "owner_id": 1},
    }
    for field, body in bad.items():
        r = await client.post(f"/api/boards/{board['id']}/tickets", json=body)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"] == PROBLEM
        problem = r.json()
        assert problem["type"].endswith("/validation-error")
        assert field in {e["field"] for e in problem["errors"]}, (field, problem)
    missing_channel = {k: v for k, v in good.items() if k != "channel"}
    r = await client.post(f"/api/boards/{board['id']}/tickets", json=missing_channel)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "channel"
    for address in ("bob", "bob@", "@x.io", "bob@localhost", "a b@x.io", "bob@x..io"):
        body = {**good, "customer": {"ref": "c1", "email": address}}
        r = await client.post(f"/api/boards/{board['id']}/tickets", json=body)
        assert r.status_code == 422, address
    assert await last_seq(client, board["id"]) == seq
    assert (await client.get(f"/api/boards/{board['id']}")).json()["cards"] == []


async def test_only_people_who_work_the_board_take_in_tickets(client, as_user):
    board = await factories.create_board(client)
    ticket = await take_in(client, board["id"])
    _, outsider = await factories.create_user(client, role="agent")
    _, viewer = await member(client, board["id"], role="viewer")
    _, facilitator = await member(client, board["id"], board_role="facilitator")
    _, agent = await member(client, board["id"])
    url = f"/api/boards/{board['id']}/tickets"
    seq = await last_seq(client, board["id"])

    r = await as_user(outsider).post(url, json=ticket_body())
    assert r.status_code == 404 and r.json()["type"].endswith("/board-not-found")
    # Not even a repeat tells an outsider the ticket exists.
    r = await as_user(outsider).post(url, json=ticket_body(external_ref=ticket["external_ref"]))
    assert r.status_code == 404
    for token in (viewer, facilitator):
        r = await as_user(token).post(url, json=ticket_body())
        assert r.status_code == 403 and r.json()["type"].endswith("/role-forbidden")
        assert r.headers["content-type"] == PROBLEM
    assert await last_seq(client, board["id"]) == seq

    r = await as_user(agent).post(url, json=ticket_body())
    assert r.status_code == 201, r.text
