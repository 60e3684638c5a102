"""The relay's edges: Retry-After in both forms and its cap, response bodies a database
column cannot hold as they are, and an endpoint removed while its delivery is in flight."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest

from app.core.models import utcnow
from app.webhooks.relay import Relay, _retry_after
from app.webhooks.repository import MAX_RETRY_AFTER, Outcome, _next_try
from tests.factories import create_board, create_card
from tests.webhooks.helpers import Quiet, deliveries, delivery, eventually, settled, subscribe
from tests.webhooks.receiver import Receiver, script

DELAYS = [0.0, 0.2, 0.4]


def _outcome(retry_after: float | None) -> Outcome:
    return Outcome(
        delivery_id=1,
        endpoint_id=1,
        at=utcnow(),
        status=503,
        latency_ms=3,
        response=None,
        error=None,
        retry_after=retry_after,
    )


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    now = utcnow().replace(microsecond=0)
    assert _retry_after("3", now) == 3.0
    assert _retry_after(" 120 ", now) == 120.0
    assert _retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert _retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    for bad in (None, "", "soon", "-5", "1.5e3"):
        assert _retry_after(bad, now) is None


def test_retry_after_only_ever_pushes_the_schedule_back_and_at_most_a_day():
    short = _outcome(retry_after=0.0)
    assert _next_try(short, 1, DELAYS) is not None
    wait = _next_try(short, 1, DELAYS) - short.at  # type: ignore[operator]
    assert timedelta(seconds=0.18) <= wait <= timedelta(seconds=0.22)  # the schedule, ±10%

    huge = _outcome(retry_after=10 * 86_400)
    assert _next_try(huge, 1, DELAYS) == huge.at + MAX_RETRY_AFTER
    assert _next_try(huge, len(DELAYS), DELAYS) is None  # the schedule is over: dead


@pytest.mark.parametrize(
    "body", [b"bad\x00body", b"\xff\xfe\x00\x01 binary", "caf\u00e9 \u2603".encode() * 400]
)
async def test_any_response_body_is_logged_and_the_delivery_moves_on(client, receivers, body):
    # PostgreSQL text cannot hold NUL: a body with one must not stop the attempt (and
    # with it the whole batch) from being recorded.
    receiver = await receivers(script((500, {}, body)))
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    await create_card(client, board["id"])

    [done] = await settled(client, hook["id"], 1)

    assert done["attempts"] == 2 and len(receiver.requests) == 2
    [failed, ok] = (await delivery(client, hook["id"], done["id"]))["attempt_log"]
    assert (failed["status_code"], ok["status_code"]) == (500, 200)
    # The first 1 KB as text, undecodable bytes and NUL as U+FFFD.
    first_kb = body[:1024].decode("utf-8", "replace")
    assert failed["response_body"] == first_kb.replace("\x00", "\ufffd")


async def test_removing_an_endpoint_mid_delivery_does_not_lose_the_others(
    quiet: Quiet, receiver: Receiver
):
    client = quiet.client
    board = await create_board(client)
    # Two endpoints on one receiver: released together, their answers come back together
    # and are recorded in one transaction.
    doomed = await subscribe(client, receiver.url + "?doomed", ["card.created"], board["id"])
    kept = await subscribe(client, receiver.url + "?kept", ["card.created"], board["id"])
    receiver.hold()
    await create_card(client, board["id"])
    # One worker, a long timeout and a long lease: both deliveries go out in one batch,
    # and nothing times out or is claimed again while the test holds them open.
    relay = Relay(
        quiet.app.state.db,
        quiet.settings.model_copy(
            update={
                "webhook_workers": 1,
                "webhook_timeout_seconds": 30,
                "webhook_lease_seconds": 60,
            }
        ),
    )
    await relay.start()
    try:
        relay.wake()
        await receiver.wait_for(2)
        r = await client.delete(f"/api/webhooks/{doomed['id']}")
        assert r.status_code == 204
        receiver.release()

        [done] = await eventually(
            lambda: deliveries(client, kept["id"]),
            lambda ds: ds[0]["state"] != "pending",
            what="the kept endpoint's attempt being recorded",
        )
    finally:
        await relay.stop()

    assert (done["state"], done["attempts"], done["last_status"]) == ("succeeded", 1, 200)
    assert sorted(r.path for r in receiver.requests) == ["/hook?doomed", "/hook?kept"]


async def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(
    quiet: Quiet, receiver: Receiver
):
    client = quiet.client
    board = await create_board(client)
    hook = await subscribe(client, receiver.url, ["card.created"], board["id"])
    receiver.hold()
    await create_card(client, board["id"])
    relay = Relay(
        quiet.app.state.db,
        quiet.settings.model_copy(update={"webhook_workers": 1, "webhook_timeout_seconds": 0.3}),
    )
    await relay.start()
    try:
        relay.wake()
        [timed_out] = await eventually(
            lambda: deliveries(client, hook["id"]),
            lambda ds: ds[0]["attempts"] >= 1,
            what="the attempt timing out",
        )
    finally:
        await relay.stop()
        receiver.release()

    assert timed_out["state"] == "failed" and timed_out["last_status"] is None
    assert timed_out["last_error"] == "timed out"
    assert len(receiver.requests) >= 1
