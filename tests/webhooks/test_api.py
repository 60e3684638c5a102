"""Subscribing: who may subscribe to what, the secret shown once, event-type patterns,
and reading, changing and removing endpoints."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests import factories
from tests.factories import add_member, create_board, create_user
from tests.webhooks.helpers import PROBLEM, subscribe

URL = "http://127.0.0.1:9/hook"  # never sent to: nothing happens on these boards after


async def test_create_returns_a_unique_secret_that_no_read_shows_again(client):
    board = await create_board(client)

    first = await subscribe(
        client, URL, ["card.*", "alert.raised"], board["id"], description="CRM sync"
    )
    second = await subscribe(client, URL, ["card.moved"], board["id"])

    assert first["id"] != second["id"]
    assert first["board_id"] == board["id"] and first["owner_id"] is not None
    assert first["event_types"] == ["card.*", "alert.raised"]
    assert first["description"] == "CRM sync"
    assert first["enabled"] is True and first["disabled_reason"] is None
    for created in (first, second):
        assert created["secret"].startswith("whsec_")
        assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert first["secret"] != second["secret"]

    one = await client.get(f"/api/webhooks/{first['id']}")
    listing = await client.get("/api/webhooks", params={"limit": 200})
    assert one.status_code == 200 and listing.status_code == 200
    assert "secret" not in one.json() and "previous_secret" not in one.json()
    assert first["secret"] not in one.text
    for item in listing.json()["endpoints"]:
        assert "secret" not in item and "previous_secret" not in item
    assert first["secret"] not in listing.text and second["secret"] not in listing.text


async def test_an_admin_may_subscribe_to_every_board(client):
    created = await subscribe(client, URL, ["board.created"])
    assert created["board_id"] is None


async def test_a_lead_subscribes_only_to_boards_they_lead_and_an_agent_not_at_all(client, as_user):
    mine, other = await create_board(client), await create_board(client)
    lead, lead_token = await create_user(client, role="lead")
    agent, agent_token = await create_user(client, role="agent")
    await add_member(client, mine["id"], lead["id"])
    await add_member(client, mine["id"], agent["id"])
    as_lead, as_agent = as_user(lead_token), as_user(agent_token)
    body: dict[str, Any] = {"url": URL, "event_types": ["card.*"]}

    r = await as_lead.post("/api/webhooks", json={**body, "board_id": mine["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["owner_id"] == lead["id"]

    r = await as_lead.post("/api/webhooks", json={**body, "board_id": other["id"]})
    assert r.status_code in (403, 404), r.text
    assert r.headers["content-type"] == PROBLEM
    r = await as_lead.post("/api/webhooks", json=body)  # every board: admins only
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == PROBLEM
    for extra in ({"board_id": mine["id"]}, {}):
        r = await as_agent.post("/api/webhooks", json={**body, **extra})
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == PROBLEM


async def test_a_board_that_does_not_exist_is_not_found_even_for_an_admin(client):
    r = await client.post(
        "/api/webhooks", json={"url": URL, "event_types": ["card.*"], "board_id": 2_000_000_000}
    )
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "types", [["card.moved"], ["card.*"], ["*"], ["alert.raised", "swarm.*", "sla_policy.*"]]
)
async def test_exact_types_prefixes_and_star_are_accepted(client, types):
    created = await subscribe(client, URL, types, (await create_board(client))["id"])
    assert created["event_types"] == types


@pytest.mark.parametrize(
    "types",
    [[], ["card"], ["Card.moved"], ["*.moved"], ["card.**"], ["card.*.x"], [""], ["card moved"]],
)
async def test_bad_event_type_patterns_are_a_422_problem(client, types):
    r = await client.post("/api/webhooks", json={"url": URL, "event_types": types})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"].endswith("validation-error")
    assert any("event_types" in e["field"] for e in problem["errors"])


async def test_list_is_paginated_and_a_lead_sees_only_their_own(client, as_user):
    board = await create_board(client)
    lead, token = await create_user(client, role="lead")
    await add_member(client, board["id"], lead["id"])
    as_lead = as_user(token)
    admins = [await subscribe(client, URL, ["card.*"], board["id"]) for _ in range(2)]
    leads = [await subscribe(as_lead, URL, ["card.*"], board["id"]) for _ in range(3)]

    r = await as_lead.get("/api/webhooks", params={"limit": 2, "offset": 0})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 3 and (page["limit"], page["offset"]) == (2, 0)
    r = await as_lead.get("/api/webhooks", params={"limit": 2, "offset": 2})
    rest = r.json()
    assert [e["id"] for e in page["endpoints"] + rest["endpoints"]] == [e["id"] for e in leads]

    everything = (await client.get("/api/webhooks", params={"limit": 200})).json()
    ids = [e["id"] for e in everything["endpoints"]]
    assert {e["id"] for e in admins + leads} <= set(ids)  # an admin sees every endpoint
    assert everything["total"] >= 5

    # Someone else's endpoint is not there for a lead, whatever the verb.
    theirs = admins[0]["id"]
    for verb, extra in (("GET", {}), ("PATCH", {"json": {"description": "x"}}), ("DELETE", {})):
        r = await as_lead.request(verb, f"/api/webhooks/{theirs}", **extra)
        assert r.status_code == 404, (verb, r.text)
        assert r.json()["type"].endswith("webhook-not-found")


async def test_patch_changes_only_what_is_sent_and_delete_removes_it(client):
    board = await create_board(client)
    created = await subscribe(client, URL, ["card.*"], board["id"], description="before")
    path = f"/api/webhooks/{created['id']}"

    r = await client.patch(path, json={"event_types": ["alert.*", "card.moved"]})
    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == ["alert.*", "card.moved"]
    assert r.json()["description"] == "before" and r.json()["url"] == URL

    r = await client.patch(path, json={"url": "http://127.0.0.1:10/other", "description": "after"})
    assert r.status_code == 200, r.text
    assert (r.json()["url"], r.json()["description"]) == ("http://127.0.0.1:10/other", "after")

    r = await client.patch(path, json={"enabled": False})
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is False and r.json()["disabled_reason"]
    r = await client.patch(path, json={"enabled": True})
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is True and r.json()["disabled_reason"] is None

    r = await client.patch(path, json={"event_types": ["nope"]})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "secret" not in (await client.get(path)).json()

    r = await client.delete(path)
    assert r.status_code == 204
    assert (await client.get(path)).status_code == 404
    assert (await client.get(f"{path}/deliveries")).status_code == 404


async def test_a_lead_removed_from_the_board_stops_receiving_its_events(client, as_user, receiver):
    """Subscriptions follow board access: no member, no events."""
    board = await factories.create_board(client)
    lead, token = await factories.create_user(client, role="lead")
    await factories.add_member(client, board["id"], lead["id"])
    async with as_user(token) as me:
        r = await me.post(
            "/api/webhooks",
            json={"url": receiver.url, "event_types": ["card.*"], "board_id": board["id"]},
        )
    assert r.status_code == 201, r.text
    await factories.create_card(client, board["id"])
    await receiver.wait_for(1)
    gone = await client.delete(f"/api/boards/{board['id']}/members/{lead['id']}")
    assert gone.status_code == 204, gone.text
    await factories.create_card(client, board["id"])
    deliveries = (await client.get(f"/api/webhooks/{r.json()['id']}/deliveries")).json()
    assert deliveries["total"] == 1  # only the card created while they were a member
