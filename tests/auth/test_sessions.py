"""Ending access: sign-out, password changes, admin resets, deactivation, lost access.

Each test keeps the old credentials (a copied session cookie with its CSRF token, an
API token) and checks that they stop working, as an attacker who captured them would
try.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.auth import service as auth_service
from tests import factories
from tests.web.helpers import PASSWORD, form_csrf, sign_in

PROBLEM = "application/problem+json"
NEW_PASSWORD = "a-brand-new-passphrase"


async def _csrf(web: httpx.AsyncClient) -> str:
    return form_csrf((await web.get("/boards")).text)


def _replay(web_client: Any, cookie: str) -> httpx.AsyncClient:
    """Another browser holding a copy of the captured cookie."""
    other: httpx.AsyncClient = web_client()
    other.cookies.set("sb_session", cookie)
    return other


async def _board_with_card(client: httpx.AsyncClient, user: dict[str, Any]) -> tuple[Any, ...]:
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], user["id"])
    card = await factories.create_card(client, board["id"])
    return board, card, board["columns"][1]["id"]


async def _assert_signed_out(web: httpx.AsyncClient, card: dict[str, Any], csrf: str) -> None:
    page = await web.get("/boards")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    me = await web.get("/api/users/me")
    assert me.status_code == 401 and me.headers["content-type"] == PROBLEM
    move = await web.post(
        f"/api/cards/{card['id']}/move",
        json={"column_id": card["column_id"] + 1},
        headers={"X-CSRF-Token": csrf},
    )
    assert move.status_code == 401, move.text


async def test_after_sign_out_the_old_cookie_and_its_csrf_token_are_dead(
    client, person, signed_in, web_client
):
    user = await person()
    _, card, target = await _board_with_card(client, user)
    web = await signed_in(user)
    cookie, csrf = web.cookies["sb_session"], await _csrf(web)
    copy = _replay(web_client, cookie)
    assert (await copy.get("/api/users/me")).status_code == 200  # the copy works before

    out = await web.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303

    await _assert_signed_out(_replay(web_client, cookie), card, csrf)
    after = await client.get(f"/api/cards/{card['id']}")
    assert after.json()["column_id"] == card["column_id"] != target  # the move was refused


async def test_signing_out_one_browser_leaves_the_others_signed_in(person, signed_in):
    user = await person()
    laptop, phone = await signed_in(user), await signed_in(user)
    await laptop.post("/logout", data={"csrf_token": await _csrf(laptop)})
    assert (await laptop.get("/boards")).status_code == 303
    assert (await phone.get("/boards")).status_code == 200


async def test_changing_your_password_needs_the_current_one_and_ends_other_sessions(
    client, person, signed_in, web_client
):
    user = await person()
    _, card, _ = await _board_with_card(client, user)
    here, elsewhere = await signed_in(user), await signed_in(user)
    other_cookie, other_csrf = elsewhere.cookies["sb_session"], await _csrf(elsewhere)
    csrf = await _csrf(here)

    wrong = await here.post(
        "/api/users/me/password",
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 403 and wrong.headers["content-type"] == PROBLEM
    assert wrong.json()["type"].endswith("/wrong-password")
    # Nothing changed: both browsers are still in, and the old password still works.
    assert (await elsewhere.get("/api/users/me")).status_code == 200
    assert (await sign_in(web_client(), user["email"], PASSWORD)).status_code == 303

    changed = await here.post(
        "/api/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 204, changed.text
    assert (await here.get("/api/users/me")).status_code == 200  # the session that asked
    await _assert_signed_out(_replay(web_client, other_cookie), card, other_csrf)
    assert (await sign_in(web_client(), user["email"], PASSWORD)).status_code == 401
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 303


async def test_a_password_change_with_an_api_token_ends_every_session(person, signed_in, as_user):
    user = await person()
    web = await signed_in(user)
    r = await as_user(user["token"]).post(
        "/api/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert r.status_code == 204, r.text
    assert (await web.get("/boards")).status_code == 303
    # The token is a separate credential; it keeps working.
    assert (await as_user(user["token"]).get("/api/users/me")).status_code == 200


async def test_too_many_wrong_current_passwords_are_throttled(
    person, as_user, settings, web_client
):
    user = await person()
    api = as_user(user["token"])
    body = {"current_password": "guess-guess", "new_password": NEW_PASSWORD}
    for _ in range(settings.login_max_failures):
        assert (await api.post("/api/users/me/password", json=body)).status_code == 403
    blocked = await api.post("/api/users/me/password", json={**body, "current_password": PASSWORD})
    assert blocked.status_code == 429 and blocked.headers["content-type"] == PROBLEM
    assert int(blocked.headers["retry-after"]) > 0
    # Nothing changed while blocked, even with the right current password.
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 401
    assert (await sign_in(web_client(), user["email"], PASSWORD)).status_code == 303


async def test_an_admin_resets_a_password_and_every_session_of_that_person_ends(
    client, person, signed_in, web_client
):
    user = await person()
    _, card, _ = await _board_with_card(client, user)
    web = await signed_in(user)
    cookie, csrf = web.cookies["sb_session"], await _csrf(web)
    r = await client.post(f"/api/users/{user['id']}/password", json={"new_password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    await _assert_signed_out(_replay(web_client, cookie), card, csrf)
    assert (await sign_in(web_client(), user["email"], NEW_PASSWORD)).status_code == 303


async def test_only_admins_reset_passwords_deactivate_or_reactivate(client, person, as_user):
    target = await person()
    for role in ("lead", "agent", "facilitator", "viewer"):
        other = await person(role=role)
        api = as_user(other["token"])
        reset = await api.post(
            f"/api/users/{target['id']}/password", json={"new_password": NEW_PASSWORD}
        )
        assert reset.status_code == 403 and reset.headers["content-type"] == PROBLEM
        for action in ("deactivate", "reactivate"):
            r = await api.post(f"/api/users/{target['id']}/{action}")
            assert r.status_code == 403, (role, action, r.text)
    # Nothing changed: the target's password and token still work.
    assert (await as_user(target["token"]).get("/api/users/me")).status_code == 200
    found = await client.get(f"/api/users/{target['id']}")
    assert found.json()["deactivated_at"] is None


async def test_deactivation_stops_tokens_and_sessions_and_reactivation_lets_them_sign_in(
    client, person, signed_in, web_client, as_user
):
    user = await person()
    _, card, _ = await _board_with_card(client, user)
    web = await signed_in(user)
    cookie, csrf = web.cookies["sb_session"], await _csrf(web)

    r = await client.post(f"/api/users/{user['id']}/deactivate")
    assert r.status_code == 200, r.text
    assert r.json()["deactivated_at"] is not None

    token_call = await as_user(user["token"]).get("/api/users/me")
    assert token_call.status_code == 401 and token_call.headers["content-type"] == PROBLEM
    await _assert_signed_out(_replay(web_client, cookie), card, csrf)
    assert (await sign_in(web_client(), user["email"])).status_code == 401

    back = await client.post(f"/api/users/{user['id']}/reactivate")
    assert back.status_code == 200 and back.json()["deactivated_at"] is None
    assert (await sign_in(web_client(), user["email"])).status_code == 303
    # The old token stays revoked; an admin issues a new one.
    assert (await as_user(user["token"]).get("/api/users/me")).status_code == 401
    fresh = await client.post(f"/api/users/{user['id']}/tokens", json={"name": "again"})
    assert (await as_user(fresh.json()["token"]).get("/api/users/me")).status_code == 200


async def test_an_admin_cannot_deactivate_themselves(client, app):
    me = (await client.get("/api/users/me")).json()
    r = await client.post(f"/api/users/{me['id']}/deactivate")
    assert r.status_code == 409 and r.json()["type"].endswith("/cannot-deactivate-self")
    assert (await client.get("/api/users/me")).status_code == 200


async def test_deactivation_announces_access_changed_on_the_persons_boards(client, person):
    user = await person()
    board, _, _ = await _board_with_card(client, user)
    await client.post(f"/api/users/{user['id']}/deactivate")
    events = await factories.events(client, board["id"])
    assert {"type": "access.changed", "user_id": user["id"], "reason": "deactivated"} in [
        {"type": e["type"], **e["data"]} for e in events
    ]


async def test_losing_the_last_board_ends_the_sessions_of_a_non_admin(
    client, person, signed_in, web_client
):
    user = await person()
    first, card, _ = await _board_with_card(client, user)
    second = await factories.create_board(client)
    await factories.add_member(client, second["id"], user["id"])
    web = await signed_in(user)
    cookie, csrf = web.cookies["sb_session"], await _csrf(web)

    assert (await client.delete(f"/api/boards/{first['id']}/members/{user['id']}")).is_success
    assert (await web.get("/api/users/me")).status_code == 200  # still on a board

    assert (await client.delete(f"/api/boards/{second['id']}/members/{user['id']}")).is_success
    await _assert_signed_out(_replay(web_client, cookie), card, csrf)


async def test_a_rehash_at_sign_in_keeps_other_sessions(person, signed_in, app):
    user = await person()
    web = await signed_in(user)
    found = await app.state.db.read(auth_service.login_candidate, email=user["email"])
    assert found is not None
    # The sign-in path's rehash (replacing the same hash) is not a password change.
    assert await app.state.db.write(
        auth_service.set_password_hash,
        user_id=user["id"],
        password_hash=found[1],
        replacing=found[1],
    )
    assert (await web.get("/boards")).status_code == 200


async def test_each_way_of_ending_access_is_announced_on_the_persons_board(
    client, person, signed_in, as_user
):
    """The person's open sockets hear ``access.changed`` (and the hub closes them)."""
    user = await person()
    board, _, _ = await _board_with_card(client, user)
    web = await signed_in(user)
    await web.post("/logout", data={"csrf_token": await _csrf(web)})
    api = as_user(user["token"])
    await api.post(
        "/api/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    await client.post(f"/api/users/{user['id']}/password", json={"new_password": PASSWORD})
    spare = (await api.post(f"/api/users/{user['id']}/tokens", json={"name": "spare"})).json()
    await api.delete(f"/api/users/{user['id']}/tokens/{spare['id']}")
    await client.post(f"/api/users/{user['id']}/deactivate")
    await client.post(f"/api/users/{user['id']}/reactivate")

    reasons = [
        e["data"]["reason"]
        for e in await factories.events(client, board["id"])
        if e["type"] == "access.changed" and e["data"]["user_id"] == user["id"]
    ]
    assert reasons == [
        "signed-out",
        "password-changed",
        "password-reset",
        "token-revoked",
        "deactivated",
        "reactivated",
    ]
