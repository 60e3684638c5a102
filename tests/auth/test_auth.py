"""Authentication, people and API tokens, as an admin and a support team see them."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.factories import add_member, create_board, create_user

PROBLEM = "application/problem+json"


def _email(prefix: str = "person") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _assert_unauthenticated(r) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == 401
    assert body["type"].startswith("https://")
    assert body["detail"]


async def test_missing_token_is_a_401_problem_with_a_bearer_challenge(as_user):
    r = await as_user(None).get("/api/users/me")
    _assert_unauthenticated(r)
    assert "Bearer" in r.json()["detail"]


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"])
async def test_malformed_authorization_header_is_a_401(as_user, header):
    c = as_user(None)
    r = await c.get("/api/users/me", headers={"Authorization": header})
    _assert_unauthenticated(r)


async def test_unknown_token_is_a_401(as_user):
    r = await as_user(f"sb_{uuid.uuid4().hex}").get("/api/users/me")
    _assert_unauthenticated(r)
    assert "unknown" in r.json()["detail"]


async def test_a_401_on_a_write_changes_nothing(client, as_user):
    before = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    email = _email()
    r = await as_user("sb_not_a_real_token").post(
        "/api/users", json={"name": "Eve", "email": email, "role": "admin"}
    )
    _assert_unauthenticated(r)
    assert (await client.get("/api/users", params={"limit": 1})).json()["total"] == before
    # The email is still free.
    ok = await client.post("/api/users", json={"name": "Eve", "email": email})
    assert ok.status_code == 201, ok.text


async def test_created_users_token_identifies_them(client, as_user):
    user, token = await create_user(client, role="agent", team="Frontline", wip_limit=4)
    assert token.startswith("sb_")
    assert "token" not in (await client.get(f"/api/users/{user['id']}")).json()

    r = await as_user(token).get("/api/users/me")

    assert r.status_code == 200, r.text
    me = r.json()
    assert me["id"] == user["id"]
    assert (me["role"], me["team"], me["wip_limit"]) == ("agent", "Frontline", 4)
    assert "token" not in me


async def test_only_an_admin_can_create_users(client, as_user):
    _, lead_token = await create_user(client, role="lead")
    before = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    email = _email("sneaky")

    r = await as_user(lead_token).post(
        "/api/users", json={"name": "Sneaky", "email": email, "role": "admin"}
    )

    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == 403
    after = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    assert after == before
    # A real admin can still create that exact email: nothing was reserved.
    ok = await client.post("/api/users", json={"name": "Fine", "email": email})
    assert ok.status_code == 201, ok.text


async def test_agent_cannot_create_users_either(client, as_user):
    _, token = await create_user(client, role="agent")
    r = await as_user(token).post("/api/users", json={"name": "X", "email": _email()})
    assert r.status_code == 403


async def test_duplicate_email_is_a_409_case_insensitively(client):
    email = _email("Dup")
    first = await client.post("/api/users", json={"name": "First", "email": email})
    assert first.status_code == 201, first.text
    assert first.json()["email"] == email.lower()
    before = (await client.get("/api/users", params={"limit": 1})).json()["total"]

    r = await client.post("/api/users", json={"name": "Second", "email": email.upper()})

    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"].endswith("email-taken")
    assert email.lower() in body["detail"]
    after = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    assert after == before


async def test_concurrent_sign_ups_with_one_email_create_exactly_one_user(client):
    email = _email("race")
    before = (await client.get("/api/users", params={"limit": 1})).json()["total"]

    results = await asyncio.gather(
        *(client.post("/api/users", json={"name": f"R{i}", "email": email}) for i in range(5))
    )

    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
    after = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    assert after == before + 1


async def test_user_creation_validates_fields(client):
    before = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    r = await client.post(
        "/api/users", json={"name": "", "email": "not-an-email", "role": "overlord"}
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "email", "role"} <= fields
    assert (await client.get("/api/users", params={"limit": 1})).json()["total"] == before


async def test_a_user_can_issue_a_second_token_for_themselves(client, as_user):
    user, token = await create_user(client, role="agent")

    r = await as_user(token).post(f"/api/users/{user['id']}/tokens", json={"name": "laptop"})

    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["name"] == "laptop"
    assert issued["token"] != token and issued["token"].startswith("sb_")
    for t in (token, issued["token"]):  # both work
        me = await as_user(t).get("/api/users/me")
        assert me.status_code == 200 and me.json()["id"] == user["id"]


async def test_admin_can_issue_a_token_for_anyone(client, as_user):
    user, _ = await create_user(client, role="viewer")
    r = await client.post(f"/api/users/{user['id']}/tokens", json={})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "default"
    me = await as_user(r.json()["token"]).get("/api/users/me")
    assert me.json()["id"] == user["id"]


async def test_a_non_admin_cannot_issue_tokens_for_someone_else(client, as_user):
    _, lead_token = await create_user(client, role="lead")
    victim, _ = await create_user(client, role="agent")

    r = await as_user(lead_token).post(f"/api/users/{victim['id']}/tokens", json={"name": "x"})

    assert r.status_code == 403
    assert r.headers["content-type"] == PROBLEM
    assert "token" not in r.json()


async def test_token_for_a_missing_user_is_a_404(client):
    r = await client.post("/api/users/2147483647/tokens", json={})
    assert r.status_code == 404
    assert r.json()["type"].endswith("user-not-found")


async def test_unknown_user_profile_is_a_404_problem(client):
    r = await client.get("/api/users/2147483646")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM


async def test_user_list_pages_with_limit_offset_and_total(client):
    made = [(await create_user(client, role="viewer"))[0] for _ in range(3)]
    total = (await client.get("/api/users", params={"limit": 1})).json()["total"]
    assert total >= 3

    # Oldest first, so the three newest users are the last page of three.
    r = await client.get("/api/users", params={"limit": 3, "offset": total - 3})

    assert r.status_code == 200
    page = r.json()
    assert (page["total"], page["limit"], page["offset"]) == (total, 3, total - 3)
    assert [u["id"] for u in page["users"]] == [u["id"] for u in made]
    two = (await client.get("/api/users", params={"limit": 2, "offset": total - 3})).json()
    assert [u["id"] for u in two["users"]] == [u["id"] for u in made[:2]]
    past = (await client.get("/api/users", params={"limit": 5, "offset": total})).json()
    assert past["users"] == [] and past["total"] == total


async def test_user_directory_is_for_leads_and_admins(client, as_user):
    _, lead_token = await create_user(client, role="lead")
    r = await as_user(lead_token).get("/api/users")
    assert r.status_code == 200
    page = r.json()
    assert (page["limit"], page["offset"]) == (50, 0)
    assert len(page["users"]) == min(50, page["total"])
    assert all("token" not in u for u in page["users"])

    _, viewer_token = await create_user(client, role="viewer")
    refused = await as_user(viewer_token).get("/api/users")
    assert refused.status_code == 403


async def test_a_profile_is_visible_to_yourself_and_board_mates_only(client, as_user):
    agent, agent_token = await create_user(client, role="agent")
    stranger, _ = await create_user(client, role="agent")
    mate, _ = await create_user(client, role="agent")
    board = await create_board(client)
    await add_member(client, board["id"], agent["id"])
    await add_member(client, board["id"], mate["id"])
    me = as_user(agent_token)
    assert (await me.get(f"/api/users/{agent['id']}")).status_code == 200
    assert (await me.get(f"/api/users/{mate['id']}")).json()["email"] == mate["email"]
    hidden = await me.get(f"/api/users/{stranger['id']}")
    assert hidden.status_code == 404  # as if the person did not exist


async def test_a_revoked_token_stops_working(client, as_user):
    user, _ = await create_user(client, role="agent")
    r = await client.post(f"/api/users/{user['id']}/tokens", json={"name": "laptop"})
    assert r.status_code == 201
    token = r.json()
    assert (await as_user(token["token"]).get("/api/users/me")).status_code == 200
    gone = await client.delete(f"/api/users/{user['id']}/tokens/{token['id']}")
    assert gone.status_code == 204
    assert (await as_user(token["token"]).get("/api/users/me")).status_code == 401
    again = await client.delete(f"/api/users/{user['id']}/tokens/{token['id']}")
    assert again.status_code == 404
