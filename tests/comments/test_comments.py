"""The comment thread of a card: writing, reading a page at a time, editing, deleting,
who may do each, and what the board's log records."""

from __future__ import annotations

import pytest

from tests.comments.helpers import comment, person, team, thread
from tests.factories import add_member, create_board, create_card, events

FIELDS = {
    "id",
    "card_id",
    "board_id",
    "author_id",
    "author_name",
    "body",
    "created_at",
    "edited_at",
    "deleted",
    "mentions",
}


@pytest.fixture
async def t(client, as_user):
    return await team(client, as_user)


async def test_an_agent_comments_and_everyone_on_the_board_reads_it(t):
    created = await comment(t.clients["agent"], t.card_id, "  Customer sent logs.\n ")
    assert set(created) == FIELDS
    assert created["card_id"] == t.card_id and created["board_id"] == t.board_id
    assert created["author_id"] == t.id("agent")
    assert created["author_name"] == t.users["agent"]["name"]
    assert created["body"] == "Customer sent logs."  # surrounding whitespace trimmed
    assert created["edited_at"] is None and created["deleted"] is False
    assert created["mentions"] == [] and created["created_at"]
    for who in ("admin", "lead", "agent", "facilitator", "viewer"):
        assert await thread(t.clients[who], t.card_id) == {"items": [created], "next_cursor": None}


async def test_the_thread_pages_oldest_first_with_an_opaque_cursor(t):
    bodies = [f"note {i}" for i in range(7)]
    for i, body in enumerate(bodies):
        await comment(t.clients["agent" if i % 2 else "lead"], t.card_id, body)
    # A comment on another card never shows in this thread.
    other = await create_card(t.clients["admin"], t.board_id)
    await comment(t.clients["agent"], other["id"], "elsewhere")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await thread(t.clients["viewer"], t.card_id, **params)
        pages += 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 3 and not cursor.isdigit()
    assert pages == 3
    assert [c["body"] for c in seen] == bodies
    assert [c["id"] for c in seen] == sorted(c["id"] for c in seen)
    # The default page holds them all.
    assert [c["body"] for c in (await thread(t.clients["agent"], t.card_id))["items"]] == bodies


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "at least 1"), (" \n\t ", "at least 1"), ("x" * 5001, "at most 5000")],
    ids=["empty", "whitespace", "too-long"],
)
async def test_an_empty_or_overlong_body_is_a_422_naming_body_and_writes_nothing(t, body, message):
    before = await events(t.clients["admin"], t.board_id)
    r = await t.clients["agent"].post(f"/api/cards/{t.card_id}/comments", json={"body": body})
    problem = t.problem(r, 422, "validation-error")
    assert "body" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert message in problem["errors"][0]["message"]
    assert (await thread(t.clients["agent"], t.card_id))["items"] == []
    assert await events(t.clients["admin"], t.board_id) == before


async def test_exactly_5000_characters_is_accepted(t):
    created = await comment(t.clients["agent"], t.card_id, "y" * 5000)
    assert len(created["body"]) == 5000


async def test_a_non_text_body_or_an_unknown_field_is_a_422(t):
    url = f"/api/cards/{t.card_id}/comments"
    for sent in ({"body": 5}, {"body": "ok", "pinned": True}, {}):
        r = await t.clients["agent"].post(url, json=sent)
        t.problem(r, 422, "validation-error")
    assert (await thread(t.clients["agent"], t.card_id))["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "WzAsMV0"},  # base64 of [0,1]: a JSON list, but not one we gave out
        {"cursor": "WyJ4Il0"},  # ["x"]
        {"cursor": "WzBd"},  # [0]
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
    ],
    ids=["garbage", "two-ids", "string-id", "zero-id", "limit-0", "limit-201", "limit-text"],
)
async def test_a_bad_cursor_or_limit_is_a_422_naming_it(t, params):
    await comment(t.clients["agent"], t.card_id, "one")
    r = await t.clients["agent"].get(f"/api/cards/{t.card_id}/comments", params=params)
    problem = t.problem(r, 422, "validation-error")
    (field,) = params
    assert field in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_a_limit_of_200_is_the_largest_page(t):
    await comment(t.clients["agent"], t.card_id, "one")
    assert len((await thread(t.clients["agent"], t.card_id, limit=200))["items"]) == 1


@pytest.mark.parametrize("role", ["facilitator", "viewer"])
async def test_read_only_roles_may_not_comment_and_nothing_is_written(t, role):
    before = await events(t.clients["admin"], t.board_id)
    r = await t.clients[role].post(f"/api/cards/{t.card_id}/comments", json={"body": "hi"})
    problem = t.problem(r, 403, "role-forbidden")
    assert role in problem["detail"]
    assert (await thread(t.clients["lead"], t.card_id))["items"] == []
    assert await events(t.clients["admin"], t.board_id) == before


async def test_someone_not_on_the_board_gets_404_for_the_card_and_its_comments(t):
    mine = await comment(t.clients["agent"], t.card_id, "private")
    outsider = t.clients["outsider"]
    board_name = (await t.clients["admin"].get(f"/api/boards/{t.board_id}")).json()["name"]
    calls = [
        ("GET", f"/api/cards/{t.card_id}/comments", None),
        ("POST", f"/api/cards/{t.card_id}/comments", {"body": "let me in"}),
        ("PATCH", f"/api/comments/{mine['id']}", {"body": "changed"}),
        ("DELETE", f"/api/comments/{mine['id']}", None),
    ]
    for method, url, body in calls:
        r = await outsider.request(method, url, json=body)
        t.problem(r, 404, "comment-not-found" if "/api/comments/" in url else "card-not-found")
        assert "private" not in r.text and board_name not in r.text
    # ... the same answer as for a comment or card that does not exist at all.
    for method, url, body in [
        ("PATCH", "/api/comments/2147483647", {"body": "x"}),
        ("DELETE", "/api/comments/2147483647", None),
    ]:
        t.problem(
            await t.clients["agent"].request(method, url, json=body), 404, "comment-not-found"
        )
    t.problem(await t.clients["agent"].get("/api/cards/2147483647/comments"), 404, "card-not-found")
    assert (await thread(t.clients["agent"], t.card_id))["items"] == [mine]


async def test_the_author_edits_their_comment_and_nobody_else_may(t):
    mine = await comment(t.clients["agent"], t.card_id, "Restarted teh router")
    url = f"/api/comments/{mine['id']}"
    for who in ("agent2", "lead", "admin"):
        r = await t.clients[who].patch(url, json={"body": "hijacked"})
        t.problem(r, 403, "not-comment-author")
    for who in ("facilitator", "viewer"):
        t.problem(await t.clients[who].patch(url, json={"body": "x"}), 403, "role-forbidden")
    r = await t.clients["agent"].patch(url, json={"body": " Restarted the router "})
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["body"] == "Restarted the router"
    assert edited["edited_at"] is not None and edited["created_at"] == mine["created_at"]
    assert {k: v for k, v in edited.items() if k not in ("body", "edited_at")} == {
        k: v for k, v in mine.items() if k not in ("body", "edited_at")
    }
    assert (await thread(t.clients["viewer"], t.card_id))["items"] == [edited]
    t.problem(await t.clients["agent"].patch(url, json={"body": ""}), 422, "validation-error")


async def test_an_edit_that_changes_nothing_records_nothing(t):
    mine = await comment(t.clients["agent"], t.card_id, "Same words")
    before = await events(t.clients["admin"], t.board_id)
    r = await t.clients["agent"].patch(f"/api/comments/{mine['id']}", json={"body": "Same words"})
    assert r.status_code == 200, r.text
    assert r.json() == mine  # not marked as edited
    assert await events(t.clients["admin"], t.board_id) == before


async def test_the_author_deletes_their_comment_and_it_stays_in_the_thread_empty(t):
    first = await comment(t.clients["agent"], t.card_id, "Wrong card, sorry @" + t.local("lead"))
    second = await comment(t.clients["lead"], t.card_id, "No problem")
    r = await t.clients["agent"].delete(f"/api/comments/{first['id']}")
    assert r.status_code == 204 and r.content == b""
    items = (await thread(t.clients["viewer"], t.card_id))["items"]
    assert [c["id"] for c in items] == [first["id"], second["id"]]
    gone = items[0]
    assert gone["deleted"] is True and gone["body"] == "" and gone["mentions"] == []
    assert gone["author_id"] == t.id("agent") and items[1] == second
    # Deleting again, or editing it, is a conflict: the thread still shows it.
    again = await t.clients["agent"].delete(f"/api/comments/{first['id']}")
    t.problem(again, 409, "comment-deleted")
    edit = await t.clients["agent"].patch(f"/api/comments/{first['id']}", json={"body": "x"})
    t.problem(edit, 409, "comment-deleted")
    assert (await thread(t.clients["viewer"], t.card_id))["items"] == items


async def test_a_lead_or_admin_deletes_anyones_comment_but_an_agent_may_not(t):
    c1 = await comment(t.clients["agent"], t.card_id, "off-topic one")
    c2 = await comment(t.clients["agent"], t.card_id, "off-topic two")
    for who in ("agent2", "facilitator", "viewer"):
        r = await t.clients[who].delete(f"/api/comments/{c1['id']}")
        t.problem(r, 403, "not-comment-author" if who == "agent2" else "role-forbidden")
    assert not any(c["deleted"] for c in (await thread(t.clients["agent"], t.card_id))["items"])
    assert (await t.clients["lead"].delete(f"/api/comments/{c1['id']}")).status_code == 204
    assert (await t.clients["admin"].delete(f"/api/comments/{c2['id']}")).status_code == 204
    items = (await thread(t.clients["agent"], t.card_id))["items"]
    assert [(c["deleted"], c["body"]) for c in items] == [(True, ""), (True, "")]


async def test_each_change_is_one_event_in_the_log_with_consecutive_seq(t):
    last = (await events(t.clients["admin"], t.board_id))[-1]["seq"]
    handle = "@" + t.local("agent2")
    made = await comment(t.clients["agent"], t.card_id, f"{handle} can you check?")
    r = await t.clients["agent"].patch(
        f"/api/comments/{made['id']}", json={"body": "Never mind, fixed"}
    )
    assert r.status_code == 200, r.text
    assert (await t.clients["lead"].delete(f"/api/comments/{made['id']}")).status_code == 204
    log = await events(t.clients["admin"], t.board_id, since=last)
    assert [e["seq"] for e in log] == [last + 1, last + 2, last + 3]
    assert [(e["type"], e["actor"]["id"]) for e in log] == [
        ("card.commented", t.id("agent")),
        ("comment.edited", t.id("agent")),
        ("comment.deleted", t.id("lead")),
    ]
    assert [e["data"] for e in log] == [
        {
            "card_id": t.card_id,
            "comment_id": made["id"],
            "body": f"{handle} can you check?",
            "mentions": [t.id("agent2")],
        },
        {"card_id": t.card_id, "comment_id": made["id"], "body": "Never mind, fixed"},
        {"card_id": t.card_id, "comment_id": made["id"]},
    ]
    # A refused change adds nothing to the log.
    t.problem(await t.clients["lead"].delete(f"/api/comments/{made['id']}"), 409, "comment-deleted")
    assert await events(t.clients["admin"], t.board_id, since=last) == log


async def test_mentions_name_members_by_local_part_or_unique_first_name(client, as_user):
    t = await team(client, as_user)
    # Two members share the first name Sam; one member alone is called Priya.
    sam1, _ = await person(client, "agent", first="Sam")
    sam2, _ = await person(client, "agent", first="Sam")
    priya, _ = await person(client, "agent", first="Priya")
    for u in (sam1, sam2, priya):
        await add_member(client, t.board_id, u["id"])
    outsider = t.local("outsider")
    body = (
        f"@{t.local('viewer').upper()} and @priya, @sam, @{outsider}, "
        f"@{t.local('agent')} (me) and @{t.local('viewer')} again"
    )
    made = await comment(t.clients["agent"], t.card_id, body)
    assert made["mentions"] == [t.id("viewer"), priya["id"]]
    assert made["body"] == body  # the text is kept as written
    (logged,) = [e for e in await events(client, t.board_id) if e["type"] == "card.commented"]
    assert logged["data"]["mentions"] == made["mentions"]
    # Someone with an account who is not on the board is never mentioned, by any handle.
    r = await t.clients["agent"].post(
        f"/api/cards/{t.card_id}/comments",
        json={"body": f"@{outsider} @{t.users['outsider']['name'].split()[0]}"},
    )
    assert r.status_code == 201 and r.json()["mentions"] == []
    # Each Sam is still reachable by their own handle.
    both = await comment(
        t.clients["lead"],
        t.card_id,
        f"@{sam1['email'].split('@')[0]} @{sam2['email'].split('@')[0]}",
    )
    assert both["mentions"] == [sam1["id"], sam2["id"]]


async def test_a_removed_member_or_a_deactivated_person_loses_access(client, as_user):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    gone, gone_token = await person(client, "agent")
    off, off_token = await person(client, "agent")
    for u in (gone, off):
        await add_member(client, board["id"], u["id"])
    gone_c, off_c = as_user(gone_token), as_user(off_token)
    theirs = await comment(gone_c, card["id"], "before I left")
    await comment(off_c, card["id"], "before my holiday")

    r = await client.delete(f"/api/boards/{board['id']}/members/{gone['id']}")
    assert r.status_code == 204, r.text
    for r in (
        await gone_c.get(f"/api/cards/{card['id']}/comments"),
        await gone_c.post(f"/api/cards/{card['id']}/comments", json={"body": "still here?"}),
    ):
        assert r.status_code == 404, r.text
    for r in (
        await gone_c.patch(f"/api/comments/{theirs['id']}", json={"body": "edit"}),
        await gone_c.delete(f"/api/comments/{theirs['id']}"),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["type"].endswith("/comment-not-found")

    r = await client.post(f"/api/users/{off['id']}/deactivate")
    assert r.status_code == 200, r.text
    assert (await off_c.get(f"/api/cards/{card['id']}/comments")).status_code == 401
    r = await off_c.post(f"/api/cards/{card['id']}/comments", json={"body": "hello?"})
    assert r.status_code == 401
    items = (await thread(client, card["id"]))["items"]
    assert [c["body"] for c in items] == ["before I left", "before my holiday"]
    # The removed member's comment keeps its author, but they are no longer mentionable.
    assert items[0]["author_id"] == gone["id"] and not items[0]["deleted"]
    handle = gone["email"].split("@")[0]
    assert (await comment(client, card["id"], f"@{handle} left us"))["mentions"] == []
