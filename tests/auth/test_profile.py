"""PATCH /api/users/{id}: skills, team, availability and personal WIP limit."""

from __future__ import annotations

from tests import factories


async def test_a_person_updates_their_own_profile(client, as_user):
    user, token = await factories.create_user(client, team="L1", wip_limit=3)
    async with as_user(token) as me:
        r = await me.patch(
            f"/api/users/{user['id']}",
            json={
                "skills": [{"name": "PostgreSQL", "level": 3}, {"name": "billing"}],
                "availability": "away",
                "wip_limit": 2,
            },
        )
        again = (await me.get("/api/users/me")).json()
    assert r.status_code == 200, r.text
    assert again["skills"] == [{"name": "PostgreSQL", "level": 3}, {"name": "billing", "level": 1}]
    assert (again["availability"], again["wip_limit"], again["team"]) == ("away", 2, "L1")

    async with as_user(token) as me:
        cleared = (
            await me.patch(f"/api/users/{user['id']}", json={"team": None, "wip_limit": None})
        ).json()
    assert cleared["team"] is None and cleared["wip_limit"] is None
    assert cleared["availability"] == "away"  # fields not sent are kept


async def test_only_the_person_or_an_admin_may_change_a_profile(client, as_user):
    user, _ = await factories.create_user(client)
    _, lead_token = await factories.create_user(client, role="lead")
    async with as_user(lead_token) as lead:
        r = await lead.patch(f"/api/users/{user['id']}", json={"availability": "away"})
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    by_admin = await client.patch(f"/api/users/{user['id']}", json={"team": "Payments"})
    assert by_admin.status_code == 200 and by_admin.json()["team"] == "Payments"
    assert (await client.get(f"/api/users/{user['id']}")).json()["availability"] == "available"


async def test_bad_profile_input_is_a_clear_422_and_changes_nothing(client):
    user, _ = await factories.create_user(client, wip_limit=4)
    url = f"/api/users/{user['id']}"
    for body in (
        {"availability": "on holiday"},
        {"skills": [{"name": "sql", "level": 4}]},
        {"skills": [{"name": "SQL"}, {"name": " sql "}]},
        {"wip_limit": -1},
        {"tier": "L2"},
    ):
        r = await client.patch(url, json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"]
    after = (await client.get(url)).json()
    assert (after["wip_limit"], after["availability"], after["skills"]) == (4, "available", [])
    assert (await client.patch("/api/users/99999999", json={"team": "x"})).status_code == 404
