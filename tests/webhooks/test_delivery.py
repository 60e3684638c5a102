"""What a consumer receives: signed envelopes (one signature, two during a rotation),
pings, retries with the same webhook-id and their log, Retry-After, redirects refused,
redelivery, filtering by event type, and deliveries written only for committed events."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session
from standardwebhooks import Webhook, WebhookVerificationError

from app.alerts.models import Alert
from app.board.models import Card
from app.core.models import table_of, utcnow
from tests.alerts.helpers import age_card
from tests.factories import create_board, create_card
from tests.swarm.helpers import ask, person
from tests.webhooks.helpers import (
    ENVELOPE_KEYS,
    PROBLEM,
    board_events,
    deliveries,
    delivery,
    endpoint,
    eventually,
    settled,
    subscribe,
    verify,
)
from tests.webhooks.receiver import script


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _other_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def _move(client: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
    assert r.status_code == 200, r.text


# -- signatures and the envelope -------------------------------------------------------


async def test_each_delivery_is_the_event_envelope_signed_with_the_endpoint_secret(
    client, receiver
):
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])
    card = await create_card(client, board["id"])
    await _move(client, card["id"], board["columns"][1]["id"])

    got = await receiver.wait_for(2)
    log = {e["id"]: e for e in await board_events(client, board["id"])}
    # Delivery order is not promised (two workers may send side by side); seq orders.
    in_seq_order = sorted(got, key=lambda r: r.json["seq"])
    assert [r.json["type"] for r in in_seq_order] == ["card.created", "card.moved"]
    for request in got:
        payload = verify(hook["secret"], request)
        assert set(payload) == ENVELOPE_KEYS
        assert payload == log[payload["id"]]  # exactly the event in the board's log
        assert request.headers["webhook-id"] == payload["id"]
        assert request.headers["webhook-timestamp"].isdigit()
        assert request.headers["webhook-signature"].startswith("v1,")
        assert len(request.headers["webhook-signature"].split()) == 1  # one secret, one sig
        assert request.headers["content-type"] == "application/json"
        with pytest.raises(WebhookVerificationError):
            Webhook(_other_secret()).verify(request.body, request.headers)
        tampered = request.body.replace(b'"card.', b'"cards.')
        with pytest.raises(WebhookVerificationError):
            Webhook(hook["secret"]).verify(tampered, request.headers)
    assert got[0].json["data"]["card_id"] == card["id"]
    await settled(client, hook["id"], 2)


async def test_an_all_boards_endpoint_gets_every_boards_events(client, receiver):
    first, second = await create_board(client), await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"])
    await create_card(client, first["id"])
    await create_card(client, second["id"])

    got = await receiver.wait_for(2)

    assert sorted(r.json["board_id"] for r in got) == sorted([first["id"], second["id"]])
    for request in got:
        verify(hook["secret"], request)


async def test_after_a_rotation_both_the_old_and_the_new_secret_verify(client, receiver):
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])

    r = await client.post(f"/api/webhooks/{hook['id']}/rotate-secret")

    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]
    overlap = _when(rotated["previous_secret_expires_at"]) - utcnow()
    assert timedelta(hours=23) < overlap <= timedelta(hours=24)
    shown = await client.get(f"/api/webhooks/{hook['id']}")
    assert "secret" not in shown.json() and rotated["secret"] not in shown.text

    await create_card(client, board["id"])
    [request] = await receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verify(hook["secret"], request) == verify(rotated["secret"], request)
    with pytest.raises(WebhookVerificationError):
        Webhook(_other_secret()).verify(request.body, request.headers)


async def test_ping_sends_a_signed_webhook_ping(client, receiver):
    hook = await subscribe(client, receiver.url, ["card.moved"], (await create_board(client))["id"])

    r = await client.post(f"/api/webhooks/{hook['id']}/ping")

    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["event_type"] == "webhook.ping" and queued["endpoint_id"] == hook["id"]
    [request] = await receiver.wait_for(1)
    payload = verify(hook["secret"], request)
    assert set(payload) == ENVELOPE_KEYS
    assert (payload["type"], payload["seq"], payload["id"]) == (
        "webhook.ping",
        0,
        queued["event_id"],
    )
    assert payload["data"]["endpoint_id"] == hook["id"]
    assert request.headers["webhook-id"] == queued["event_id"]
    [done] = await settled(client, hook["id"], 1)
    assert done["id"] == queued["id"]


# -- retries and their log -------------------------------------------------------------


async def test_two_500s_then_a_200_are_three_attempts_with_one_webhook_id(client, receivers):
    big = b"x" * 5000
    receiver = await receivers(
        script((500, {}, b"E" * 3000), (500, {}, b"oops"), then=(200, {}, big))
    )
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])
    card = await create_card(client, board["id"])

    got = await receiver.wait_for(3)
    [done] = await settled(client, hook["id"], 1)

    [event] = [e for e in await board_events(client, board["id"]) if e["type"] == "card.created"]
    assert event["data"]["card_id"] == card["id"]
    assert [r.webhook_id for r in got] == [event["id"]] * 3
    for request in got:
        assert verify(hook["secret"], request)["id"] == event["id"]
    assert (done["state"], done["attempts"], done["last_status"]) == ("succeeded", 3, 200)
    assert done["event_id"] == event["id"] and done["next_attempt_at"] is None
    assert done["last_response"] == "x" * 1024  # the first 1 KB of a 5 KB body

    detail = await delivery(client, hook["id"], done["id"])
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 500, 200]
    assert [len(a["response_body"]) for a in detail["attempt_log"]] == [1024, 4, 1024]
    times = [_when(a["attempted_at"]) for a in detail["attempt_log"]]
    assert times == sorted(times)
    assert detail["payload"].encode() == got[0].body
    shown = await endpoint(client, hook["id"])
    assert shown["deliveries"] == {"succeeded": 1} and shown["failing_since"] is None


async def test_retry_after_pushes_the_next_attempt_back(client, receivers):
    receiver = await receivers(script((503, {"Retry-After": "3"}, b"busy")))
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])
    await create_card(client, board["id"])

    [failed] = await eventually(
        lambda: deliveries(client, hook["id"]),
        lambda ds: len(ds) == 1 and ds[0]["attempts"] == 1,
        what="the first attempt",
    )

    assert (failed["state"], failed["last_status"]) == ("failed", 503)
    [attempt] = (await delivery(client, hook["id"], failed["id"]))["attempt_log"]
    wait = _when(failed["next_attempt_at"]) - _when(attempt["attempted_at"])
    # The schedule alone would say 0.2 s (±10%); the header says 3 s.
    assert timedelta(seconds=2.99) <= wait <= timedelta(seconds=3.3)
    assert (await endpoint(client, hook["id"]))["failing_since"] is not None


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(client, receivers):
    elsewhere = await receivers()
    receiver = await receivers(lambda _: (302, {"Location": elsewhere.url}, b""))
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])
    await create_card(client, board["id"])

    [tried] = await eventually(
        lambda: deliveries(client, hook["id"]),
        lambda ds: len(ds) == 1 and ds[0]["attempts"] >= 2,
        what="two attempts",
    )

    assert tried["state"] in ("failed", "dead") and tried["last_status"] == 302
    assert "redirect" in tried["last_error"]
    log = (await delivery(client, hook["id"], tried["id"]))["attempt_log"]
    assert {a["status_code"] for a in log} == {302}
    assert len(receiver.requests) >= 2
    assert elsewhere.requests == []  # the Location was never fetched


async def test_redeliver_sends_the_same_webhook_id_again_as_a_new_delivery(client, receiver):
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.*"], board["id"])
    await create_card(client, board["id"])
    [first] = await settled(client, hook["id"], 1)

    r = await client.post(f"/api/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")

    assert r.status_code == 202, r.text
    again = r.json()
    assert again["id"] != first["id"] and again["event_id"] == first["event_id"]
    assert again["attempts"] == 0
    got = await receiver.wait_for(2)
    assert [g.webhook_id for g in got] == [first["event_id"]] * 2
    assert got[0].body == got[1].body
    verify(hook["secret"], got[1])
    log = await settled(client, hook["id"], 2)
    assert [d["id"] for d in log] == [first["id"], again["id"]]
    assert [d["attempts"] for d in log] == [1, 1]

    missing = await client.post(f"/api/webhooks/{hook['id']}/deliveries/999999999/redeliver")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


# -- filtering -------------------------------------------------------------------------


def _drop_card(session: Session, card_id: int) -> None:
    session.execute(delete(table_of(Alert)).where(table_of(Alert).c.card_id == card_id))
    session.execute(delete(table_of(Card)).where(table_of(Card).c.id == card_id))


async def test_endpoints_get_only_the_event_types_they_asked_for(client, app, receivers):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "stall_after_seconds": 600},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    bid, inv = board["id"], board["columns"][1]["id"]
    cards, alerts, moves = await receivers(), await receivers(), await receivers()
    card_hook = await subscribe(client, cards.url, ["card.*"], bid)
    alert_hook = await subscribe(client, alerts.url, ["alert.*"], bid)
    move_hook = await subscribe(client, moves.url, ["card.moved"], bid)
    await person(client, bid, skills={"payments": 3})
    card = await create_card(client, bid)
    try:
        r = await ask(client, card["id"], ["payments"])
        assert r.status_code == 201, r.text
        await _move(client, card["id"], inv)
        await age_card(app, card["id"], 700)
        result = await app.state.alerts.run_once(utcnow())
        assert not result.skipped

        log = await board_events(client, bid)
        assert {"swarm.requested", "swarm.invited", "alert.raised"} <= {e["type"] for e in log}
        want_cards = [e["id"] for e in log if e["type"].startswith("card.")]
        want_alerts = [e["id"] for e in log if e["type"].startswith("alert.")]
        await settled(client, card_hook["id"], len(want_cards))
        await settled(client, alert_hook["id"], len(want_alerts))
        await settled(client, move_hook["id"], 1)
    finally:
        await app.state.db.write(_drop_card, card["id"])

    assert [d["event_id"] for d in await deliveries(client, card_hook["id"])] == want_cards
    assert {r.json["type"] for r in cards.requests} == {"card.created", "card.moved"}
    assert [r.json["type"] for r in alerts.requests] == ["alert.raised"]
    assert alerts.requests[0].json["data"]["card_id"] == card["id"]
    verify(alert_hook["secret"], alerts.requests[0])
    assert [r.json["type"] for r in moves.requests] == ["card.moved"]


# -- the outbox ------------------------------------------------------------------------


async def test_a_refused_change_writes_no_delivery(client, receiver):
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": 1, "wip_policy": "hard"},
        ],
    )
    bid, triage, inv = board["id"], board["columns"][0]["id"], board["columns"][1]["id"]
    hook = await subscribe(client, receiver.url, ["*"], bid)
    since = (await client.get(f"/api/boards/{bid}")).json()["last_seq"]
    await create_card(client, bid, column_id=inv)
    waiting = await create_card(client, bid, column_id=triage)

    refused = [
        await client.post(f"/api/boards/{bid}/cards", json={"title": "x", "column_id": inv}),
        await client.post(f"/api/cards/{waiting['id']}/move", json={"column_id": inv}),
    ]
    r = await client.patch(f"/api/cards/{waiting['id']}", json={"title": "Still waiting"})
    assert r.status_code == 200, r.text

    for r in refused:
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("wip-limit-exceeded")
    committed = [e["id"] for e in await board_events(client, bid) if e["seq"] > since]
    assert len(committed) == 3  # two cards created, one updated
    log = await settled(client, hook["id"], 3)
    assert [d["event_id"] for d in log] == committed
    assert sorted(receiver.ids) == sorted(committed)


async def test_a_transaction_that_fails_after_the_outbox_ran_leaves_no_delivery(
    client, app, receiver
):
    board = await create_board(client)
    bid = board["id"]
    hook = await subscribe(client, receiver.url, ["*"], bid)
    before = await board_events(client, bid)

    outbox_rows: list[int | None] = []

    def fail_this_board(session: Session) -> None:
        # Runs after the outbox wrote its rows, in the same transaction.
        if any(e["board_id"] == bid for e in session.info.get("events", [])):
            outbox_rows.append(session.info.get("webhook_deliveries"))
            raise RuntimeError("the commit fails")

    app.state.db.before_commit.append(fail_this_board)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=client.headers
        ) as failing:
            r = await failing.post(f"/api/boards/{bid}/cards", json={"title": "Lost"})
    finally:
        app.state.db.before_commit.remove(fail_this_board)

    assert r.status_code == 500
    # The delivery had been written (with any other endpoint's), then rolled back.
    assert len(outbox_rows) == 1 and (outbox_rows[0] or 0) >= 1
    assert await board_events(client, bid) == before
    columns = (await client.get(f"/api/boards/{bid}")).json()["columns"]
    assert [c["card_count"] for c in columns] == [0, 0, 0]
    assert await deliveries(client, hook["id"]) == []
    # The next change goes through, and is the only thing ever sent.
    card = await create_card(client, bid)
    [sent] = await settled(client, hook["id"], 1)
    [request] = await receiver.wait_for(1)
    assert request.webhook_id == sent["event_id"]
    assert request.json["data"]["card_id"] == card["id"]
