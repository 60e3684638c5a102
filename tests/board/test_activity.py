"""A card's activity: its history in human terms, newest first, a page at a time."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.alerts.helpers import later, listed, scan
from tests.confirm.helpers import BLANK, path_of
from tests.factories import add_member, create_board, create_card, create_user
from tests.insights.helpers import png
from tests.swarm.helpers import ask, person

PROBLEM = "application/problem+json"
NOT_SOLVED = "The customer said the problem is not solved."
COMMENT = (
    "The toner cartridge was replaced twice already and the fuser still smells of smoke "
    "after ten pages."
)


async def _activity(client: httpx.AsyncClient, card_id: int, **params: Any) -> list[dict]:
    """Every item of the card's activity, following the cursor to the end."""
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"/api/cards/{card_id}/activity", params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def _ok(r: Any, status: int = 200) -> dict[str, Any]:
    response = await r
    assert response.status_code == status, response.text
    return dict(response.json()) if response.content else {}


async def _history(client: httpx.AsyncClient, app: Any, as_user: Any) -> dict[str, Any]:
    """A printer ticket's week: worked, swarmed, alerted, closed, rejected by the
    customer, archived and restored."""
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Doing", "stage": "active", "wip_limit": 1, "stall_after_seconds": 600},
            {"name": "Done", "stage": "done"},
        ],
    )
    bid = board["id"]
    triage, doing, done = (c["id"] for c in board["columns"])
    ines, ines_token = await create_user(client, role="agent", name="Ines Duarte")
    maya, maya_token = await create_user(client, role="lead", name="Maya Patel")
    viewer, viewer_token = await create_user(client, role="viewer", name="Vera Viewer")
    for someone in (ines, maya, viewer):
        await add_member(client, bid, someone["id"])
    sam, sam_token = await person(client, bid, skills={"printers": 3})
    agent, lead = as_user(ines_token), as_user(maya_token)

    card = await _ok(
        agent.post(
            f"/api/boards/{bid}/cards",
            json={"title": "Printer on fire", "column_id": triage, "channel": "email"},
        ),
        201,
    )
    cid = card["id"]
    await create_card(client, bid, column_id=doing, title="Someone else's card")
    url = f"/api/cards/{cid}"
    await _ok(lead.post(f"{url}/move", json={"column_id": doing, "override_reason": "VIP"}))
    for change in (
        {"title": "Printer on fire in room 4"},
        {"description": "Smoke from the back panel"},
        {"priority": "high"},
        {"assignee_ids": [ines["id"]]},
    ):
        await _ok(agent.patch(url, json=change))
    await _ok(lead.patch(url, json={"owner_id": maya["id"]}))
    await _ok(agent.patch(url, json={"blocked": True, "blocked_reason": "Waiting on vendor"}))
    await _ok(agent.patch(url, json={"blocked": False}))
    await _ok(agent.post(f"{url}/comments", json={"body": COMMENT}), 201)
    r = await ask(agent, cid, ["printers"], question="Which fuser part fits?")
    assert r.status_code == 201, r.text
    await _ok(as_user(sam_token).post(f"/api/swarms/{r.json()['id']}/join"))
    await scan(app, later(700))
    [alert] = [a for a in await listed(client, bid) if a["card_id"] == cid]
    await _ok(agent.post(f"/api/alerts/{alert['id']}/ack"))
    await _ok(
        agent.post(
            f"{url}/interactions",
            json={"kind": "agent_reply", "actor_kind": "user", "body": "We are on it"},
        ),
        201,
    )
    await _ok(agent.patch(url, json={"assignee_ids": []}))
    await _ok(agent.post(f"{url}/evidence", files={"file": ("smoke.png", png(), "image/png")}), 201)
    await _ok(agent.post(f"{url}/move", json={"column_id": done}))
    asked = next(i for i in await _activity(client, cid) if i["type"] == "confirmation.requested")
    link = asked["data"]["url"]
    r = await as_user(None).post(path_of(link), data={**BLANK, "solved": "no"})
    assert r.status_code == 303, r.text
    await _ok(lead.post(f"{url}/archive"))
    await _ok(lead.post(f"{url}/restore", json={"override_reason": "Back for the retro"}))
    return {
        "card_id": cid,
        "ines": ines,
        "sam": sam,
        "maya": maya,
        "agent": agent,
        "viewer": as_user(viewer_token),
    }


async def test_a_cards_history_reads_as_what_happened_newest_first(client, app, as_user):
    world = await _history(client, app, as_user)

    items = await _activity(world["agent"], world["card_id"])

    lines = [(i["actor"]["name"], i["summary"]) for i in reversed(items)]
    sam = world["sam"]["name"]
    assert lines == [
        ("Ines Duarte", "Created in Triage"),
        ("Maya Patel", "Moved from Triage to Doing"),
        ("Maya Patel", "Moved to Doing over its WIP limit: VIP"),
        ("Ines Duarte", "Renamed to “Printer on fire in room 4”"),
        ("Ines Duarte", "Edited the description"),
        ("Ines Duarte", "Set priority to High"),
        ("Ines Duarte", "Assigned Ines Duarte"),
        ("Maya Patel", "Made Maya Patel the owner"),
        ("Ines Duarte", "Blocked: Waiting on vendor"),
        ("Ines Duarte", "Unblocked"),
        (
            "Ines Duarte",
            "Commented: “The toner cartridge was replaced twice already and the fuser still "
            "smells of…”",
        ),
        ("Ines Duarte", "Asked the swarm for help: “Which fuser part fits?”"),
        ("Ines Duarte", f"Invited {sam} to the swarm"),
        (sam, "Accepted the invitation to the swarm"),
        (sam, "Joined the swarm as helper"),
        ("Swarmboard", "Alert raised: Stalled"),
        ("Ines Duarte", "Alert acknowledged: Stalled"),
        ("Ines Duarte", "Customer contacted by email"),
        ("Ines Duarte", "Unassigned Ines Duarte"),
        ("Ines Duarte", "Added evidence: smoke.png"),
        ("Ines Duarte", "Moved from Doing to Done"),
        ("Swarmboard", "Asked the customer to confirm it is solved"),
        ("Customer", "Customer says it is not solved"),
        ("Customer", f"Reopened into Doing: {NOT_SOLVED}"),
        ("Customer", f"Moved to Doing over its WIP limit: {NOT_SOLVED}"),
        ("Swarmboard", "Alert raised: Customer says it is not solved"),
        ("Maya Patel", "Archived"),
        ("Maya Patel", "Cancelled the swarm: The card was archived."),
        ("Swarmboard", "Alert resolved: Stalled (the card was archived)"),
        ("Swarmboard", "Alert resolved: Customer says it is not solved (the card was archived)"),
        ("Maya Patel", "Restored to Doing"),
        ("Maya Patel", "Moved to Doing over its WIP limit: Back for the retro"),
    ]
    newest = items[0]
    assert newest["type"] == "wip.overridden" and newest["data"]["reason"] == "Back for the retro"
    assert newest["actor"] == {"id": world["maya"]["id"], "kind": "user", "name": "Maya Patel"}
    assert [i["seq"] for i in items] == sorted((i["seq"] for i in items), reverse=True)
    assert all(i["at"].endswith("Z") for i in items)


async def test_activity_pages_by_cursor_and_refuses_a_forged_one(client, app, as_user):
    world = await _history(client, app, as_user)
    cid, agent = world["card_id"], world["agent"]
    everything = await _activity(agent, cid)

    r = await agent.get(f"/api/cards/{cid}/activity", params={"limit": 5})
    first = r.json()
    assert [i["seq"] for i in first["items"]] == [i["seq"] for i in everything[:5]]
    assert first["next_cursor"] is not None
    assert await _activity(agent, cid, limit=5) == everything
    assert await _activity(agent, cid, limit=200) == everything
    for bad in ("nope", "c2VxOi0x", "c2VxOmFiYw", "Zm9v", "\x7f§s!iô", "c2VxOjk5OTk5OTk5OTk5"):
        r = await agent.get(f"/api/cards/{cid}/activity", params={"cursor": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
        assert any(e["field"] == "cursor" for e in r.json()["errors"])
    for limit in ("0", "201"):
        r = await agent.get(f"/api/cards/{cid}/activity", params={"limit": limit})
        assert r.status_code == 422


async def test_a_viewer_reads_the_activity_without_the_customers_link(client, app, as_user):
    world = await _history(client, app, as_user)
    cid = world["card_id"]

    seen_by_viewer = await _activity(world["viewer"], cid)
    seen_by_agent = await _activity(world["agent"], cid)

    def asked(items: list[dict]) -> dict:
        return next(i for i in items if i["type"] == "confirmation.requested")

    assert asked(seen_by_agent)["data"]["url"].startswith("http")
    assert asked(seen_by_viewer)["data"]["url"] is None
    assert asked(seen_by_viewer)["data"]["redacted"] == ["url"]
    # The same history otherwise, line for line.
    assert [i["summary"] for i in seen_by_viewer] == [i["summary"] for i in seen_by_agent]


async def test_someone_not_on_the_board_gets_404(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    _, outsider = await create_user(client, role="agent")

    r = await as_user(outsider).get(f"/api/cards/{card['id']}/activity")

    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM)


async def test_a_linked_ticket_and_insight_fields_read_in_human_terms(client):
    board = await create_board(client)
    older = await create_card(client, board["id"], title="Invoices are blank")
    newer = await create_card(client, board["id"], title="Blank invoice again")
    r = await client.post(
        f"/api/cards/{newer['id']}/links", json={"card_id": older["id"], "kind": "repeat"}
    )
    assert r.status_code == 201, r.text
    r = await client.patch(
        f"/api/cards/{newer['id']}",
        json={
            "problem_statement": "PDF renderer drops fonts",
            "impact_per_month": 1200,
            "effort_hours": 6,
            "owner_team": "Billing",
        },
    )
    assert r.status_code == 200, r.text
    r = await client.delete(f"/api/cards/{newer['id']}/links/{older['id']}")
    assert r.status_code == 204, r.text

    lines = [i["summary"] for i in reversed(await _activity(client, newer["id"]))]

    assert lines == [
        "Created in Triage",
        f"Marked as a repeat of card #{older['id']}",
        "Edited the problem statement; set the impact to 1,200 a month; "
        "set the effort to 6 hours; set owning team to Billing",
        f"No longer a repeat of card #{older['id']}",
    ]


async def test_a_page_names_its_people_and_columns_in_as_many_statements_as_a_short_one(
    client,
):
    board = await create_board(client)
    bid, cols = board["id"], [c["id"] for c in board["columns"]]
    card = await create_card(client, bid)
    people = []
    for n in range(8):
        someone, _ = await create_user(client, role="agent", name=f"Agent {n}")
        await add_member(client, bid, someone["id"])
        people.append(someone)
        r = await client.patch(f"/api/cards/{card['id']}", json={"assignee_ids": [someone["id"]]})
        assert r.status_code == 200, r.text
        r = await client.post(f"/api/cards/{card['id']}/move", json={"column_id": cols[n % 3]})
        assert r.status_code == 200, r.text
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Only statements that read people, columns or lanes (the listener is global).
        if re.search(r"\b(users|board_columns|lanes)\b", statement):
            statements.append(statement)

    async def page(limit: int) -> tuple[int, list[dict]]:
        before = len(statements)
        r = await client.get(f"/api/cards/{card['id']}/activity", params={"limit": limit})
        assert r.status_code == 200, r.text
        return len(statements) - before, r.json()["items"]

    event.listen(Engine, "before_cursor_execute", count)
    try:
        short, few = await page(1)
        long, many = await page(20)
    finally:
        event.remove(Engine, "before_cursor_execute", count)

    assert len(few) == 1 and len(many) == 20
    lines = " / ".join(i["summary"] for i in many)
    assert "Assigned Agent 7; unassigned Agent 6" in lines
    assert len({n for n in range(8) if f"Agent {n}" in lines}) >= 6  # many people named
    assert short == long, statements
