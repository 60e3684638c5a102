"""Interactions on a ticket, and the FRT, AHT and automation figures they add up to."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from tests import factories
from tests.tickets.helpers import PROBLEM, last_seq, member, record, summary, take_in, typed


def _created(card: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(card["created_at"])


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _ms(value: datetime) -> datetime:
    """As the event log writes times: to the millisecond."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


async def _ticket(client: Any) -> tuple[int, dict[str, Any]]:
    board = await factories.create_board(client)
    return int(board["id"]), await take_in(client, board["id"])


async def test_frt_comes_from_the_first_human_agent_reply_only(client):
    _, card = await _ticket(client)
    t0 = _created(card)
    for kind, actor in (
        ("customer_message", "user"),
        ("bot_reply", "bot"),
        ("internal_note", "user"),
        ("internal_note", "bot"),
    ):
        r = await record(client, card["id"], kind, actor, at=t0 + timedelta(seconds=5))
        assert r.status_code == 201, r.text
    before = await summary(client, card["id"])
    assert before["first_response_at"] is None and before["frt_seconds"] is None
    assert before["agent_replies"] == 0

    r = await record(client, card["id"], "agent_reply", at=t0 + timedelta(seconds=40))
    assert r.status_code == 201, r.text
    after = await summary(client, card["id"])
    assert after["frt_seconds"] == 40 and after["agent_replies"] == 1

    # A reply sent earlier but recorded later moves the first response back ...
    await record(client, card["id"], "agent_reply", at=t0 + timedelta(seconds=20))
    # ... and a later one does not move it forward.
    await record(client, card["id"], "agent_reply", at=t0 + timedelta(seconds=50))
    final = await summary(client, card["id"])
    assert _at(final["first_response_at"]) == t0 + timedelta(seconds=20)
    assert final["frt_seconds"] == 20 and final["agent_replies"] == 3
    shown = (await client.get(f"/api/cards/{card['id']}")).json()
    assert _at(shown["first_response_at"]) == t0 + timedelta(seconds=20)
    assert shown["agent_replies"] == 3


async def test_a_reply_without_a_time_is_recorded_as_now(client):
    _, card = await _ticket(client)
    r = await record(client, card["id"], "agent_reply")
    assert r.status_code == 201, r.text
    at = _at(r.json()["at"])
    assert at is not None and at >= _created(card)
    assert _at((await summary(client, card["id"]))["first_response_at"]) == at


async def test_the_wrong_actor_for_a_kind_is_refused_and_nothing_is_written(client):
    bid, card = await _ticket(client)
    seq = await last_seq(client, bid)
    for kind, actor in (("agent_reply", "bot"), ("bot_reply", "user"), ("handoff", "user")):
        r = await record(client, card["id"], kind, actor)
        assert r.status_code == 422, (kind, r.text)
        assert r.headers["content-type"] == PROBLEM
        problem = r.json()
        assert problem["type"].endswith("/invalid-interaction")
        assert kind in problem["detail"] and "actor_kind" in problem["detail"]
        assert problem["errors"][0]["field"] == "actor_kind"
    assert await last_seq(client, bid) == seq
    listing = (await client.get(f"/api/cards/{card['id']}/interactions")).json()
    assert listing["total"] == 0 and listing["summary"]["agent_replies"] == 0


async def test_impossible_times_are_refused(client):
    bid, card = await _ticket(client)
    t0 = _created(card)
    seq = await last_seq(client, bid)
    too_early = await record(client, card["id"], "agent_reply", at=t0 - timedelta(minutes=2))
    future = await record(client, card["id"], "agent_reply", at=t0 + timedelta(hours=1))
    for r in (too_early, future):
        assert r.status_code == 422, r.text
        assert r.json()["type"].endswith("/invalid-interaction")
        assert r.json()["errors"][0]["field"] == "at"
    assert "before the card was created" in too_early.json()["detail"]
    assert "future" in future.json()["detail"]
    # Without a UTC offset the time is ambiguous; refused rather than guessed.
    naive = await client.post(
        f"/api/cards/{card['id']}/interactions",
        json={"kind": "agent_reply", "actor_kind": "user", "at": "2030-01-01T10:00:00"},
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "at"
    # Within a minute of creation is clock drift, and accepted.
    drift = await record(client, card["id"], "agent_reply", at=t0 - timedelta(seconds=30))
    assert drift.status_code == 201, drift.text
    assert (await summary(client, card["id"]))["frt_seconds"] == 0
    assert await last_seq(client, bid) == seq + 1


async def test_a_bot_resolution_without_an_agent_reply_is_automated(client):
    _, card = await _ticket(client)
    t0 = _created(card)
    await record(client, card["id"], "customer_message", "user", at=t0)
    await record(client, card["id"], "bot_reply", "bot", at=t0 + timedelta(seconds=2))
    mid = await summary(client, card["id"])
    assert mid["bot_handled"] is True and mid["automated"] is False
    await record(client, card["id"], "resolution", "bot", at=t0 + timedelta(seconds=9))
    await record(client, card["id"], "resolution", "bot", at=t0 + timedelta(seconds=30))
    done = await summary(client, card["id"])
    assert done["automated"] is True
    assert _at(done["bot_resolved_at"]) == t0 + timedelta(seconds=9)
    assert done["handed_off_at"] is None and done["first_response_at"] is None
    # Once a person has answered, the bot did not resolve it alone.
    await record(client, card["id"], "agent_reply", at=t0 + timedelta(seconds=40))
    assert (await summary(client, card["id"]))["automated"] is False


async def test_a_bot_handing_off_to_a_person(client):
    _, card = await _ticket(client)
    t0 = _created(card)
    await record(client, card["id"], "bot_reply", "bot", at=t0 + timedelta(seconds=1))
    await record(client, card["id"], "handoff", "bot", at=t0 + timedelta(seconds=8))
    await record(client, card["id"], "agent_reply", at=t0 + timedelta(seconds=25))
    await record(client, card["id"], "resolution", "user", at=t0 + timedelta(seconds=45))
    result = await summary(client, card["id"])
    assert _at(result["handed_off_at"]) == t0 + timedelta(seconds=8)
    assert result["bot_handled"] is True and result["automated"] is False
    # A person's resolution is not a bot resolution.
    assert result["bot_resolved_at"] is None
    assert result["frt_seconds"] == 25


async def test_handle_time_adds_up_and_is_bounded(client):
    bid, card = await _ticket(client)
    for seconds in (120, 30.5, 0):
        r = await record(client, card["id"], "agent_reply", handle_seconds=seconds)
        assert r.status_code == 201, r.text
    await record(client, card["id"], "internal_note", handle_seconds=60)
    assert (await summary(client, card["id"]))["handle_seconds"] == 210.5
    seq = await last_seq(client, bid)
    for bad in (-1, 604_801, "lots"):
        r = await record(client, card["id"], "agent_reply", handle_seconds=bad)
        assert r.status_code == 422, bad
        assert r.json()["type"].endswith("/validation-error")
        assert r.json()["errors"][0]["field"] == "handle_seconds"
    assert await last_seq(client, bid) == seq
    assert (await summary(client, card["id"]))["handle_seconds"] == 210.5


async def test_concurrent_recordings_all_count(client):
    bid, card = await _ticket(client)
    t0 = _created(card)

    results = await asyncio.gather(
        *(
            record(
                client, card["id"], "agent_reply", at=t0 + timedelta(seconds=s), handle_seconds=10
            )
            for s in range(10, 0, -1)
        ),
        record(client, card["id"], "resolution", "bot", at=t0 + timedelta(seconds=3)),
    )

    assert [r.status_code for r in results] == [201] * 11
    final = await summary(client, card["id"])
    assert (final["agent_replies"], final["handle_seconds"]) == (10, 100)
    assert final["frt_seconds"] == 1 and final["bot_handled"] is True
    assert len(await typed(client, bid, "interaction.recorded")) == 11


async def test_the_event_says_what_happened_but_not_what_was_said(client):
    bid, card = await _ticket(client)
    t0 = _created(card)
    r = await record(
        client,
        card["id"],
        "agent_reply",
        at=t0 + timedelta(seconds=12),
        body="Hi Ada, your card number 4111 is fine.",
        handle_seconds=90,
    )
    interaction = r.json()
    assert interaction["body"] == "Hi Ada, your card number 4111 is fine."
    logged = await typed(client, bid, "interaction.")
    assert len(logged) == 1
    data = logged[0]["data"]
    assert data["card_id"] == card["id"] and data["interaction_id"] == interaction["id"]
    assert (data["kind"], data["actor_kind"], data["handle_seconds"]) == ("agent_reply", "user", 90)
    assert _at(data["at"]) == _ms(t0 + timedelta(seconds=12))
    assert _at(data["first_response_at"]) == _ms(t0 + timedelta(seconds=12))
    assert "4111" not in str(logged[0]) and "body" not in data


async def test_the_list_is_oldest_first_and_paged(client):
    _, card = await _ticket(client)
    t0 = _created(card)
    for offset, kind, actor in (
        (30, "agent_reply", "user"),
        (0, "customer_message", "user"),
        (15, "bot_reply", "bot"),
    ):
        await record(client, card["id"], kind, actor, at=t0 + timedelta(seconds=offset))
    url = f"/api/cards/{card['id']}/interactions"
    page = (await client.get(url, params={"limit": 2})).json()
    assert [i["kind"] for i in page["items"]] == ["customer_message", "bot_reply"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    rest = (await client.get(url, params={"limit": 2, "offset": 2})).json()
    assert [i["kind"] for i in rest["items"]] == ["agent_reply"]


async def test_members_read_workers_record_outsiders_see_nothing(client, as_user):
    bid, card = await _ticket(client)
    _, outsider = await factories.create_user(client, role="agent")
    _, viewer = await member(client, bid, role="viewer")
    _, agent = await member(client, bid)
    url = f"/api/cards/{card['id']}/interactions"
    body = {"kind": "agent_reply", "actor_kind": "user"}

    for r in (await as_user(outsider).get(url), await as_user(outsider).post(url, json=body)):
        assert r.status_code == 404 and r.json()["type"].endswith("/card-not-found")
    r = await as_user(viewer).post(url, json=body)
    assert r.status_code == 403 and r.json()["type"].endswith("/role-forbidden")
    assert (await as_user(viewer).get(url)).json()["total"] == 0
    r = await as_user(agent).post(url, json=body)
    assert r.status_code == 201 and r.json()["recorded_by"] is not None
    assert (await as_user(viewer).get(url)).json()["total"] == 1
    missing = await client.get("/api/cards/2147483000/interactions")
    assert missing.status_code == 404
