"""The people page (GET /people, /people/{id}/fragment) and the people API's new routes,
caller by caller: an admin, the board's lead, an agent, a viewer and a facilitator on the
board, a lead who was removed from it, and an anonymous caller."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests import factories

CALLERS = ("admin", "lead", "agent", "viewer", "facilitator", "removed", "anonymous")


@pytest.fixture
async def world(client, person, signed_in, web_client) -> dict[str, Any]:
    """A board with a lead, a target member and one of each role; a lead who left it."""
    board = await factories.create_board(client)
    # One tag in every email, so a search finds this world among the shared database's
    # people (more than a page of them).
    tag = uuid.uuid4().hex[:10]

    async def make(key: str, role: str, **fields: Any) -> dict[str, Any]:
        return dict(await person(role, email=f"{key}-{tag}@people.example.com", **fields))

    people = {
        "admin": await make("admin", "admin"),
        "lead": await make("lead", "lead"),
        "agent": await make("agent", "agent"),
        "viewer": await make("viewer", "viewer"),
        "facilitator": await make("facilitator", "facilitator"),
        "removed": await make("removed", "lead"),
        "target": await make("target", "agent", name=f"Target {tag}"),
    }
    for key in ("lead", "agent", "viewer", "facilitator", "removed", "target"):
        await factories.add_member(client, board["id"], people[key]["id"])
    r = await client.delete(f"/api/boards/{board['id']}/members/{people['removed']['id']}")
    assert r.status_code == 204, r.text
    invited = await client.post(
        "/api/users",
        json={
            "name": "Invited",
            "email": f"inv-{uuid.uuid4().hex[:8]}@example.com",
            "invite": True,
        },
    )
    assert invited.status_code == 201, invited.text
    browsers = {k: await signed_in(people[k]) for k in CALLERS if k != "anonymous"}
    browsers["anonymous"] = web_client()
    return {"people": people, "browsers": browsers, "invited": invited.json(), "tag": tag}


async def _api(as_user: Any, world: dict[str, Any], caller: str) -> Any:
    token = None if caller == "anonymous" else world["people"][caller]["token"]
    return as_user(token)


async def test_new_people_routes_answer_each_caller_as_their_role_allows(world, as_user):
    target = world["people"]["target"]["id"]
    invited = world["invited"]["id"]
    expected = {
        # caller: (PATCH target, GET /api/skills, POST invitation, GET /api/users?q=)
        "admin": (200, 200, 201, 200),
        "lead": (200, 200, 403, 200),
        "agent": (403, 200, 403, 403),
        "viewer": (403, 200, 403, 403),
        "facilitator": (403, 200, 403, 403),
        "removed": (403, 200, 403, 200),
        "anonymous": (401, 401, 401, 401),
    }
    for caller, codes in expected.items():
        api = await _api(as_user, world, caller)
        got = (
            (await api.patch(f"/api/users/{target}", json={"availability": "away"})).status_code,
            (await api.get("/api/skills")).status_code,
            (await api.post(f"/api/users/{invited}/invitation")).status_code,
            (await api.get("/api/users", params={"q": "target", "limit": 10})).status_code,
        )
        assert got == codes, caller


async def test_the_page_shows_each_caller_only_the_people_they_may_see(world):
    target = world["people"]["target"]
    for caller in CALLERS:
        web = world["browsers"][caller]
        page = await web.get("/people", params={"q": world["tag"]})
        fragment = await web.get(f"/people/{target['id']}/fragment")
        if caller == "anonymous":
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
            assert fragment.status_code == 401
            continue
        assert page.status_code == 200, caller
        sees_target = caller in ("admin", "lead")
        assert (f'id="person-{target["id"]}"' in page.text) is sees_target, caller
        assert fragment.status_code == (200 if sees_target else 404), caller
        me = world["people"][caller]
        assert f'id="person-{me["id"]}"' in page.text, caller  # everyone sees themselves
        assert ('id="create-person"' in page.text) is (caller == "admin"), caller


async def test_the_lead_sees_edit_forms_but_no_admin_controls(world):
    page = (await world["browsers"]["lead"].get("/people")).text
    assert 'data-kind="skills"' in page and 'data-kind="availability"' in page
    assert 'data-kind="identity"' not in page
    assert 'data-action="deactivate"' not in page
    admin_page = (await world["browsers"]["admin"].get("/people")).text
    assert 'data-action="deactivate"' in admin_page and 'data-kind="identity"' in admin_page


async def test_search_and_pages_on_the_admin_view(world, client):
    web = world["browsers"]["admin"]
    name = world["people"]["target"]["name"]
    found = await web.get("/people", params={"q": name.lower()})
    assert found.status_code == 200
    assert found.text.count('class="person"') + found.text.count('class="person ') == 1
    nobody = await web.get("/people", params={"q": "no-such-person-" + uuid.uuid4().hex})
    assert "Nobody matches" in nobody.text
    assert (await web.get("/people", params={"page": "9999"})).status_code == 200
    assert (await web.get("/people", params={"page": "x"})).status_code == 200
