"""Receivers that are down, gone or failing: retries until they come back, giving up
(dead), 410 and 3 days of failure disabling an endpoint, and resuming it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.core.models import utcnow
from app.webhooks.relay import Relay
from app.webhooks.repository import endpoints
from tests.factories import create_board, create_card
from tests.webhooks.helpers import (
    Quiet,
    deliveries,
    delivery,
    endpoint,
    event_ids,
    eventually,
    settled,
    subscribe,
    verify,
)
from tests.webhooks.receiver import ok, script

SHORT = "0,0.1,0.1"


async def test_events_sent_while_the_receiver_is_down_all_arrive_once_it_is_back(client, receiver):
    await receiver.stop()  # the port is closed: every attempt is refused
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    for _ in range(3):
        await create_card(client, board["id"])

    down = await eventually(
        lambda: deliveries(client, hook["id"]),
        lambda ds: len(ds) == 3 and all(d["attempts"] >= 3 for d in ds),
        what="three failed attempts of each delivery",
    )
    assert {d["state"] for d in down} == {"failed"}
    assert all(d["last_status"] is None and d["last_error"] for d in down)
    assert (await endpoint(client, hook["id"]))["failing_since"] is not None

    await receiver.start()  # back, on the same port
    done = await settled(client, hook["id"], 3, within=20)

    created = await event_ids(client, board["id"], "card.created")
    assert [d["event_id"] for d in done] == created
    assert sorted(set(receiver.ids)) == sorted(created)
    for request in receiver.requests:
        verify(hook["secret"], request)
    assert all(d["attempts"] >= 4 for d in done)
    assert (await endpoint(client, hook["id"]))["failing_since"] is None  # a success clears it


async def test_a_delivery_that_fails_every_attempt_of_the_schedule_is_dead(quiet: Quiet, receivers):
    # A relay with a three-attempt schedule (each retry otherwise waits for the relay's
    # 1 s idle poll: the eight attempts of the test schedule would take eight seconds).
    client = quiet.client
    settings = quiet.settings.model_copy(update={"webhook_retry_schedule": SHORT})
    relay = Relay(quiet.app.state.db, settings)
    receiver = await receivers(lambda _: (500, {}, b"broken"))
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    await create_card(client, board["id"])
    await relay.start()
    try:
        relay.wake()
        [dead] = await settled(client, hook["id"], 1, states=("dead",))
    finally:
        await relay.stop()

    attempts = len(SHORT.split(","))
    assert dead["attempts"] == attempts and dead["next_attempt_at"] is None
    log = (await delivery(client, hook["id"], dead["id"]))["attempt_log"]
    assert [a["status_code"] for a in log] == [500] * attempts
    assert receiver.ids == [dead["event_id"]] * attempts
    shown = await endpoint(client, hook["id"])
    assert shown["enabled"] is True  # one dead delivery does not disable an endpoint
    assert shown["deliveries"] == {"dead": 1}


async def test_410_disables_the_endpoint_until_it_is_enabled_again(client, receivers):
    gone = await receivers(script((410, {}, b"gone")))
    control = await receivers()
    board = await create_board(client)
    hook = await subscribe(client, gone.url, ["card.created"], board["id"])
    watcher = await subscribe(client, control.url, ["card.created"], board["id"])
    await create_card(client, board["id"])

    [dead] = await settled(client, hook["id"], 1, states=("dead",))
    assert (dead["attempts"], dead["last_status"]) == (1, 410)
    shown = await endpoint(client, hook["id"])
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]

    # While disabled: a redelivery waits in the queue, and a new event is not sent.
    r = await client.post(f"/api/webhooks/{hook['id']}/deliveries/{dead['id']}/redeliver")
    assert r.status_code == 202, r.text
    queued = r.json()
    await create_card(client, board["id"])
    await settled(client, watcher["id"], 2)  # the relay has sent what was due since
    assert [(d["id"], d["state"], d["attempts"]) for d in await deliveries(client, hook["id"])] == [
        (dead["id"], "dead", 1),
        (queued["id"], "pending", 0),
    ]
    assert gone.ids == [dead["event_id"]]

    r = await client.patch(f"/api/webhooks/{hook['id']}", json={"enabled": True})
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is True and r.json()["disabled_reason"] is None
    await settled(client, hook["id"], 2, states=("dead", "succeeded"))
    third = await create_card(client, board["id"])
    log = await settled(client, hook["id"], 3, states=("dead", "succeeded"))

    assert [d["state"] for d in log] == ["dead", "succeeded", "succeeded"]
    assert gone.ids == [dead["event_id"], dead["event_id"], log[2]["event_id"]]
    assert gone.requests[2].json["data"]["card_id"] == third["id"]


def _failing_for_three_days(session: Session, endpoint_id: int) -> None:
    since = utcnow() - timedelta(days=3, minutes=1)
    session.execute(
        update(endpoints).where(endpoints.c.id == endpoint_id).values(failing_since=since)
    )


async def test_three_days_of_failures_disable_the_endpoint_and_enabling_resumes_it(
    client, app, receivers
):
    receiver = await receivers(lambda _: (500, {}, b"down"))
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    await create_card(client, board["id"])
    failing = await eventually(
        lambda: endpoint(client, hook["id"]),
        lambda ep: ep["failing_since"] is not None,
        what="a first failure",
    )
    assert failing["enabled"] is True

    await app.state.db.write(_failing_for_three_days, hook["id"])
    shown = await eventually(
        lambda: endpoint(client, hook["id"]),
        lambda ep: not ep["enabled"],
        what="the endpoint being disabled",
    )

    assert "3 days" in shown["disabled_reason"] and "HTTP 500" in shown["disabled_reason"]
    [waiting] = await deliveries(client, hook["id"])
    assert waiting["state"] == "failed" and waiting["next_attempt_at"] is not None

    receiver.respond = ok
    r = await client.patch(f"/api/webhooks/{hook['id']}", json={"enabled": True})
    assert r.status_code == 200, r.text
    assert r.json()["failing_since"] is None and r.json()["disabled_reason"] is None
    [done] = await settled(client, hook["id"], 1)
    assert done["id"] == waiting["id"] and done["attempts"] > waiting["attempts"]
    assert receiver.requests[-1].status == 200
    assert receiver.requests[-1].webhook_id == waiting["event_id"]
