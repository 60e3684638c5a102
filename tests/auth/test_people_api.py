"""The people API behind /people: search, who may change whose profile, skills in use,
and invitation links (create, open, choose a password, signed in; once, and not expired)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from app.auth.models import UserInvitation
from app.core.models import table_of, utcnow
from tests import factories
from tests.web.helpers import form_csrf


async def test_q_finds_people_by_part_of_name_or_email_in_any_case(client):
    tag = uuid.uuid4().hex[:8]
    ann, _ = await factories.create_user(client, name=f"Ann Zq{tag}")
    bob, _ = await factories.create_user(client, email=f"bob.zq{tag}@example.com")
    await factories.create_user(client, name="Someone else")
    r = await client.get("/api/users", params={"q": f"ZQ{tag.upper()}", "limit": 10})
    assert r.status_code == 200, r.text
    assert [u["id"] for u in r.json()["users"]] == [ann["id"], bob["id"]]
    assert r.json()["total"] == 2
    # % and _ are plain characters, not wildcards.
    assert (await client.get("/api/users", params={"q": f"%{tag}"})).json()["total"] == 0


async def _lead_with_member(client: Any) -> tuple[dict[str, Any], str, dict[str, Any], str]:
    lead, lead_token = await factories.create_user(client, role="lead")
    member, member_token = await factories.create_user(client)
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], lead["id"])
    await factories.add_member(client, board["id"], member["id"])
    return lead, lead_token, member, member_token


async def test_a_lead_edits_their_board_members_working_profile(client, as_user):
    _, lead_token, member, _ = await _lead_with_member(client)
    async with as_user(lead_token) as lead:
        r = await lead.patch(
            f"/api/users/{member['id']}",
            json={"skills": [{"name": "Billing", "level": 2}], "availability": "busy"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["skills"] == [{"name": "Billing", "level": 2}]
        assert r.json()["availability"] == "busy"
        role = await lead.patch(f"/api/users/{member['id']}", json={"role": "lead"})
        assert role.status_code == 403
        assert role.headers["content-type"] == "application/problem+json"
    after = (await client.get(f"/api/users/{member['id']}")).json()
    assert (after["role"], after["availability"]) == ("agent", "busy")


async def test_a_lead_cannot_edit_a_stranger_or_an_admin_on_their_board(client, as_user):
    lead, lead_token, _, _ = await _lead_with_member(client)
    stranger, _ = await factories.create_user(client)
    admin, _ = await factories.create_user(client, role="admin")
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], lead["id"])
    await factories.add_member(client, board["id"], admin["id"])
    async with as_user(lead_token) as me:
        for target in (stranger, admin):
            r = await me.patch(f"/api/users/{target['id']}", json={"availability": "away"})
            assert r.status_code == 403, r.text
            assert r.json()["type"].endswith("/forbidden")
    for target in (stranger, admin):
        got = (await client.get(f"/api/users/{target['id']}")).json()
        assert got["availability"] == "available"


async def test_a_board_role_lead_manages_that_boards_members(client, as_user):
    agent, agent_token = await factories.create_user(client)
    member, _ = await factories.create_user(client)
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], agent["id"], role="lead")
    await factories.add_member(client, board["id"], member["id"])
    async with as_user(agent_token) as me:
        r = await me.patch(f"/api/users/{member['id']}", json={"team": "Payments"})
    assert r.status_code == 200 and r.json()["team"] == "Payments"


async def test_a_board_role_lead_finds_people_to_add_and_other_agents_do_not(client, as_user):
    lead, lead_token = await factories.create_user(client)  # an agent's account
    newcomer, _ = await factories.create_user(client, name="Zanele Newcomer")
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    async with as_user(lead_token) as me:
        r = await me.get("/api/users", params={"q": "zanele"})
        assert r.status_code == 200, r.text
        assert [u["id"] for u in r.json()["users"]] == [newcomer["id"]]
        added = await me.post(
            f"/api/boards/{board['id']}/members", json={"user_id": newcomer["id"]}
        )
        assert added.status_code == 201, added.text
    # The same account as a plain agent on the board leads nothing: no directory.
    await client.patch(f"/api/boards/{board['id']}/members/{lead['id']}", json={"role": None})
    async with as_user(lead_token) as me:
        assert (await me.get("/api/users", params={"q": "zanele"})).status_code == 403


async def test_everyone_edits_their_own_availability_and_skills_but_not_their_role(client, as_user):
    for role in ("agent", "viewer", "facilitator", "lead"):
        me, token = await factories.create_user(client, role=role)
        async with as_user(token) as c:
            r = await c.patch(
                f"/api/users/{me['id']}",
                json={"availability": "away", "skills": [{"name": "SQL", "level": 3}]},
            )
            assert r.status_code == 200, (role, r.text)
            assert r.json()["skills"] == [{"name": "SQL", "level": 3}]
            name = await c.patch(f"/api/users/{me['id']}", json={"name": "New name"})
            assert name.status_code == 403, role
            assert (await c.get("/api/users/me")).json()["name"] == me["name"]


async def test_an_admin_changes_name_email_and_role_and_a_taken_email_is_a_409(client):
    a, _ = await factories.create_user(client)
    b, _ = await factories.create_user(client)
    url = f"/api/users/{a['id']}"
    new_email = f"Renamed-{uuid.uuid4().hex[:8]}@Example.com"
    r = await client.patch(url, json={"name": "Renamed", "email": new_email, "role": "lead"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["email"], r.json()["role"]) == (
        "Renamed",
        new_email.lower(),
        "lead",
    )
    taken = await client.patch(url, json={"email": b["email"].upper(), "team": "X"})
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("/email-taken")
    assert (await client.get(url)).json()["team"] is None  # nothing of it was written
    for body in ({"name": ""}, {"email": "not-an-email"}, {"role": "owner"}):
        bad = await client.patch(url, json=body)
        assert bad.status_code == 422, body
        assert bad.json()["errors"][0]["field"] == next(iter(body))


async def test_an_admin_cannot_change_their_own_role(client):
    me = (await client.get("/api/users/me")).json()
    r = await client.patch(f"/api/users/{me['id']}", json={"role": "agent"})
    assert r.status_code == 403
    assert (await client.get("/api/users/me")).json()["role"] == "admin"


async def test_skill_suggestions_come_only_from_the_people_you_see(client, as_user):
    tag = uuid.uuid4().hex[:6]
    _, lead_token, member, member_token = await _lead_with_member(client)
    await client.patch(
        f"/api/users/{member['id']}",
        json={"skills": [{"name": f"Refunds{tag}"}, {"name": f"Kafka{tag}", "level": 3}]},
    )
    other, _ = await factories.create_user(
        client, skills=[{"name": f"refunds{tag}"}, {"name": f"Secret{tag}"}]
    )
    assert other["id"]

    def names(body: dict[str, Any]) -> dict[str, int]:
        return {s["name"]: s["people"] for s in body["skills"] if tag.lower() in s["name"].lower()}

    admin_view = names((await client.get("/api/skills")).json())
    assert admin_view == {f"Refunds{tag}": 2, f"Kafka{tag}": 1, f"Secret{tag}": 1}
    async with as_user(lead_token) as lead:
        assert names((await lead.get("/api/skills")).json()) == {
            f"Refunds{tag}": 1,
            f"Kafka{tag}": 1,
        }
    async with as_user(member_token) as me:
        assert names((await me.get("/api/skills")).json()) == {
            f"Refunds{tag}": 1,
            f"Kafka{tag}": 1,
        }
    async with as_user(None) as anonymous:
        assert (await anonymous.get("/api/skills")).status_code == 401


async def _invite(client: Any) -> tuple[dict[str, Any], str]:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post(
        "/api/users",
        json={"name": "New Person", "email": email, "invite": True, "skills": [{"name": "SQL"}]},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["invitation_url"].startswith("http") and "/invite/" in body["invitation_url"]
    return body, "/invite/" + body["invitation_url"].rsplit("/invite/", 1)[1]


async def _accept(web: Any, path: str, password: str = "a-good-password") -> Any:
    page = await web.get(path)
    assert page.status_code == 200, page.text
    data = {"csrf_token": form_csrf(page.text), "password": password, "password_again": password}
    return await web.post(path, data=data)


async def test_an_invitation_link_sets_a_password_and_signs_in_once(client, web_client):
    person, path = await _invite(client)
    web = web_client()
    page = await web.get(path)
    assert "New Person" in page.text and person["email"] in page.text
    done = await _accept(web, path)
    assert done.status_code == 303 and done.headers["location"] == "/boards"
    assert (await web.get("/api/users/me")).json()["id"] == person["id"]
    again = await web_client().get(path)
    assert again.status_code == 410
    assert "not valid" in again.text
    # A second use (a form opened before the first) is refused too.
    assert (await _accept_stale(web_client(), path)).status_code == 410


async def _accept_stale(web: Any, path: str) -> Any:
    login = await web.get("/login")
    data = {"csrf_token": form_csrf(login.text), "password": "x" * 12, "password_again": "x" * 12}
    return await web.post(path, data=data)


async def test_an_expired_or_unknown_link_is_a_clear_410_page(client, web_client, app):
    person, path = await _invite(client)
    invitations = table_of(UserInvitation)

    def expire(session: Any) -> None:
        session.execute(
            update(invitations)
            .where(invitations.c.user_id == person["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )

    await app.state.db.write(expire)
    page = await web_client().get(path, headers={"Accept": "text/html"})
    assert page.status_code == 410 and "expired" in page.text
    unknown = await web_client().get("/invite/nothing-like-a-token")
    assert unknown.status_code == 410 and "not valid" in unknown.text


async def test_a_bad_password_on_the_invitation_form_is_explained_and_the_link_kept(
    client, web_client
):
    _, path = await _invite(client)
    web = web_client()
    page = await web.get(path)
    csrf = form_csrf(page.text)
    short = await web.post(
        path, data={"csrf_token": csrf, "password": "short", "password_again": "short"}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    differ = await web.post(
        path,
        data={"csrf_token": csrf, "password": "long-enough-1", "password_again": "other-one-22"},
    )
    assert differ.status_code == 422 and "differ" in differ.text
    no_csrf = await web.post(
        path, data={"password": "long-enough-1", "password_again": "long-enough-1"}
    )
    assert no_csrf.status_code == 403
    assert (await _accept(web, path)).status_code == 303


async def test_an_admin_makes_a_new_link_which_replaces_the_old(client, web_client, as_user):
    person, old_path = await _invite(client)
    r = await client.post(f"/api/users/{person['id']}/invitation")
    assert r.status_code == 201, r.text
    new_path = "/invite/" + r.json()["invitation_url"].rsplit("/invite/", 1)[1]
    assert (await web_client().get(old_path)).status_code == 410
    assert (await _accept(web_client(), new_path)).status_code == 303
    # Once they have a password there is no link to make.
    again = await client.post(f"/api/users/{person['id']}/invitation")
    assert again.status_code == 409 and again.json()["type"].endswith("/already-has-password")
    both = await client.post(
        "/api/users",
        json={
            "name": "X",
            "email": f"x-{uuid.uuid4().hex[:6]}@example.com",
            "invite": True,
            "password": "a-good-password",
        },
    )
    assert both.status_code == 422
