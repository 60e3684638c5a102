"""Creating a board from a preset: the demo's support-swarming board, or a blank one."""

from __future__ import annotations

from tests.factories import events


async def test_the_support_swarming_preset_is_the_demo_board(client):
    r = await client.post("/api/boards", json={"name": "Support", "preset": "support-swarming"})
    assert r.status_code == 201, r.text
    board = r.json()
    cols = [
        (
            c["name"],
            c["stage"],
            c["wip_limit"],
            c["stall_after_seconds"],
            c["requires_insight"],
            c["waits_on_customer"],
        )
        for c in board["columns"]
    ]
    assert cols == [
        ("Triage", "backlog", None, None, False, False),
        ("Investigating", "active", 5, 2 * 86400, False, False),
        ("Swarming", "active", 3, 86400, False, False),
        ("Ready for engineering", "active", None, None, True, False),
        ("Waiting on customer", "active", None, None, False, True),
        ("Resolved", "done", None, None, False, False),
    ]
    assert [(lane["name"], lane["wip_limit"]) for lane in board["lanes"]] == [
        ("Expedite", 1),
        ("Standard", None),
    ]
    policies = (await client.get(f"/api/boards/{board['id']}/sla-policies")).json()
    assert [
        (p["name"], p["priority"], p["channel"], p["frt_seconds"], p["ttr_seconds"])
        for p in policies
    ] == [
        ("Urgent", "urgent", None, 3600, 8 * 3600),
        ("Chat", None, "chat", 900, 86400),
        ("Standard", None, None, 8 * 3600, 3 * 86400),
    ]
    logged = [e["type"] for e in await events(client, board["id"])]
    assert logged.count("board.created") == 1
    assert logged.count("sla_policy.created") == 3


async def test_the_blank_preset_is_to_do_doing_done(client):
    r = await client.post("/api/boards", json={"name": "Team", "preset": "blank"})
    assert r.status_code == 201, r.text
    board = r.json()
    assert [(c["name"], c["stage"], c["wip_limit"]) for c in board["columns"]] == [
        ("To do", "backlog", None),
        ("Doing", "active", None),
        ("Done", "done", None),
    ]
    assert board["lanes"] == []
    assert (await client.get(f"/api/boards/{board['id']}/sla-policies")).json() == []
    logged = [e["type"] for e in await events(client, board["id"])]
    assert logged == ["board.created", "member.added"]


async def test_a_board_needs_columns_or_a_preset_not_both(client):
    before = (await client.get("/api/boards", params={"limit": 1})).json()["total"]
    cases = [
        ({"name": "X", "preset": "kanban"}, "preset"),
        ({"name": "X", "preset": "blank", "columns": [{"name": "A"}]}, "columns"),
        ({"name": "X", "preset": "blank", "lanes": [{"name": "A"}]}, "lanes"),
        ({"name": "X"}, "columns"),
        ({"name": "X", "columns": None}, "columns"),
    ]
    for body, field in cases:
        r = await client.post("/api/boards", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == [field], (body, r.json())
    assert (await client.get("/api/boards", params={"limit": 1})).json()["total"] == before
