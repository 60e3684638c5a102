"""Signing in and out: argon2 passwords, the session cookie, CSRF and safe redirects."""

from __future__ import annotations

import re
import time

import itsdangerous
import pytest

from app.auth import password
from app.auth import service as auth_service
from app.auth import session as web_session
from tests.factories import create_user
from tests.web.helpers import PASSWORD, form_csrf, parse, sign_in


async def test_sign_in_sets_a_signed_httponly_samesite_cookie_and_opens_the_boards(
    person, web_client
):
    maya = await person(role="lead", name="Maya Okafor")
    web = web_client()
    response = await sign_in(web, maya["email"].upper())  # emails are case-insensitive
    assert response.status_code == 303
    assert response.headers["location"] == "/boards"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sb_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http (the next test covers https)

    boards = await web.get("/boards")
    assert boards.status_code == 200
    assert "Maya Okafor" in boards.text
    assert boards.headers["content-type"].startswith("text/html")


async def test_the_cookie_is_secure_over_https(person, web_client):
    user = await person()
    web = web_client("https://test")
    response = await sign_in(web, user["email"])
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


async def test_a_wrong_password_and_an_unknown_email_look_the_same(person, web_client):
    user = await person()
    wrong = await sign_in(web_client(), user["email"], "not-the-password")
    unknown = await sign_in(web_client(), "nobody-at-all@example.com", "not-the-password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        page = parse(response.text)
        assert page.find("p", "form-error").text() == (
            "That email and password don't match an account."
        )
        assert page.find("input", name="password").attrs.get("value") is None

    # Apart from the CSRF token and the email typed in, the two pages are identical.
    def scrub(html: str, email: str) -> str:
        return re.sub(r'value="[^"]*"', "", html.replace(email, "EMAIL"))

    assert scrub(wrong.text, user["email"]) == scrub(unknown.text, "nobody-at-all@example.com")


async def test_a_person_without_a_password_cannot_sign_in(client, web_client):
    user, _ = await create_user(client)  # API tokens only
    response = await sign_in(web_client(), user["email"], "")
    assert response.status_code == 401


async def test_passwords_are_stored_as_argon2_hashes_and_never_returned(person, client, app):
    user = await person(name="Hash Check")
    assert "password" not in user and "password_hash" not in user
    me = await client.get(f"/api/users/{user['id']}")
    assert "password" not in me.text
    found = await app.state.db.read(auth_service.login_candidate, email=user["email"])
    assert found is not None
    stored = found[1]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert password.verify_password(stored, PASSWORD)


async def test_a_too_short_password_is_refused_by_the_api(client):
    body = {"name": "Short", "email": "short-pw@example.com", "password": "abc"}
    response = await client.post("/api/users", json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"
    assert "abc" not in response.text


@pytest.mark.parametrize("token", [None, "forged-token"])
async def test_the_sign_in_form_needs_its_csrf_token(person, web_client, token):
    user = await person()
    web = web_client()
    await web.get("/login")
    data = {"email": user["email"], "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = await web.post("/login", data=data)
    assert response.status_code == 403
    assert "form expired" in parse(response.text).find("p", "form-error").text()
    assert (await web.get("/boards")).status_code == 303  # still signed out


async def test_a_sign_in_post_without_the_form_cookie_is_refused(person, web_client):
    user = await person()
    form = await web_client().get("/login")
    other = web_client()  # another browser: has the token text but not the cookie
    data = {"email": user["email"], "password": PASSWORD, "csrf_token": form_csrf(form.text)}
    response = await other.post("/login", data=data)
    assert response.status_code == 403


async def test_sign_out_needs_the_csrf_token_and_then_clears_the_session(person, signed_in):
    web = await signed_in(await person())
    refused = await web.post("/logout", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert (await web.get("/boards")).status_code == 200  # still signed in

    page = await web.get("/boards")
    out = await web.post("/logout", data={"csrf_token": form_csrf(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert 'sb_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    after = await web.get("/boards")
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")


async def test_pages_send_signed_out_people_to_the_sign_in_form_and_back(person, web_client):
    web = web_client()
    home = await web.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/login")
    boards = await web.get("/boards/7", params={"view": "all"})
    assert boards.status_code == 303
    assert boards.headers["location"] == "/login?next=%2Fboards%2F7%3Fview%3Dall"
    form = parse((await web.get(boards.headers["location"])).text)
    assert form.find("input", name="next").attrs["value"] == "/boards/7?view=all"

    user = await person()
    back = await sign_in(web, user["email"], next_url="/boards/7?view=all")
    assert back.headers["location"] == "/boards/7?view=all"
    home = await web.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/boards")
    again = await web.get("/login")
    assert (again.status_code, again.headers["location"]) == (303, "/boards")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/boards",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/boards\r\nSet-Cookie: x=1",
        "/login",
        "boards",
    ],
)
async def test_next_never_leaves_the_site(person, web_client, target):
    user = await person()
    web = web_client()
    form = parse((await web.get("/login", params={"next": target})).text)
    assert form.find("input", name="next").attrs["value"] == "/boards"
    response = await sign_in(web, user["email"], next_url=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/boards"


async def test_a_tampered_or_expired_cookie_signs_out(person, signed_in, settings, monkeypatch):
    user = await person()
    web = await signed_in(user)
    good = web.cookies["sb_session"]
    web.cookies.set("sb_session", good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    assert (await web.get("/boards")).status_code == 303

    serializer = web_session._serializer(settings.signing_key)
    payload = {"c": "token", "u": user["id"], "s": "", "i": int(time.time())}
    real_time = time.time
    with monkeypatch.context() as m:  # a cookie issued 13 hours ago
        m.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 13 * 3600)
        old = serializer.dumps(payload)
    web.cookies.set("sb_session", old)
    assert (await web.get("/boards")).status_code == 303


async def test_changing_the_password_signs_out_existing_sessions(person, signed_in, app):
    user = await person()
    web = await signed_in(user)
    assert (await web.get("/boards")).status_code == 200
    fresh = await password.hash_password_async("a-brand-new-password")
    await app.state.db.write(
        auth_service.set_password_hash, user_id=user["id"], password_hash=fresh
    )
    # No cache to clear: the next request on any replica finds the session gone.
    response = await web.get("/boards")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
