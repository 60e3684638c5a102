"""Sign-in hardening: failed sign-ins are throttled, the session cookie's flags hold
(also behind a proxy), and every cookie-authenticated change needs the CSRF token."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.core.security import LoginThrottle
from tests.web.helpers import form_csrf, parse, sign_in

TOO_MANY = "Too many failed sign-ins"


def new_ip() -> str:
    """A client address of the test's own, so other tests' failures never count."""
    n = uuid.uuid4().int
    return f"198.18.{n % 250}.{(n >> 8) % 250 + 1}"


@pytest.fixture
async def browser_at(app: Any) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Cookie-keeping clients connecting from a given address (or wrapped in a proxy)."""
    opened: list[httpx.AsyncClient] = []

    def make(ip: str, base_url: str = "http://test", asgi: Any = None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=asgi or app, client=(ip, 40000))
        c = httpx.AsyncClient(transport=transport, base_url=base_url)
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


async def assert_throttled(response: httpx.Response, web: httpx.AsyncClient) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("text/html")
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= 900
    message = parse(response.text).find("p", "form-error").text()
    assert message.startswith(TOO_MANY)
    assert "minute" in message
    assert (await web.get("/boards")).status_code == 303  # still signed out


async def test_five_failures_lock_the_email_even_for_the_right_password(person, browser_at):
    user = await person()
    web = browser_at(new_ip())
    for _ in range(5):
        failed = await sign_in(web, user["email"], "not-the-password")
        assert failed.status_code == 401

    locked = await sign_in(web, user["email"].upper())  # the right one, any case
    await assert_throttled(locked, web)

    # From another address too: the email itself is locked.
    elsewhere = browser_at(new_ip())
    await assert_throttled(await sign_in(elsewhere, user["email"]), elsewhere)


async def test_the_lock_lifts_after_the_window(person, browser_at, app, monkeypatch):
    user = await person()
    web = browser_at(new_ip())
    throttle: LoginThrottle = app.state.login_throttle_email
    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    for _ in range(5):
        assert (await sign_in(web, user["email"], "wrong")).status_code == 401
    await assert_throttled(await sign_in(web, user["email"]), web)

    now[0] += 15 * 60 + 1
    assert (await sign_in(web, user["email"])).status_code == 303


async def test_a_success_resets_the_emails_count(person, browser_at):
    user = await person()
    web = browser_at(new_ip())
    for _ in range(4):
        assert (await sign_in(web, user["email"], "wrong")).status_code == 401
    assert (await sign_in(web, user["email"])).status_code == 303
    page = await web.get("/boards")
    await web.post("/logout", data={"csrf_token": form_csrf(page.text)})

    for _ in range(4):  # four more are allowed again: the count started over
        assert (await sign_in(web, user["email"], "wrong")).status_code == 401
    assert (await sign_in(web, user["email"])).status_code == 303


async def test_one_address_failing_for_many_emails_is_throttled(
    person, browser_at, app, monkeypatch
):
    monkeypatch.setattr(app.state.login_throttle_ip, "max_failures", 6)
    user = await person()
    ip = new_ip()
    web = browser_at(ip)
    for n in range(6):  # a password spray: one try each for many accounts
        assert (await sign_in(web, f"victim-{n}-{ip}@example.com", "wrong")).status_code == 401

    await assert_throttled(await sign_in(web, user["email"]), web)

    # Someone else, from another address, signs in as usual.
    assert (await sign_in(browser_at(new_ip()), user["email"])).status_code == 303


def test_the_throttle_stays_bounded_in_memory() -> None:
    throttle = LoginThrottle(max_failures=5, window_seconds=900, max_keys=100)
    for n in range(10_000):
        throttle.fail(f"spray-{n}@example.com")
    for _ in range(50):
        throttle.fail("target@example.com")
    assert len(throttle) == 100
    assert throttle.retry_after("target@example.com") is not None
    assert len(throttle._failures["target@example.com"]) == 5


# --- the session cookie ---------------------------------------------------------------


def session_cookie(response: httpx.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("sb_session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


async def test_the_session_cookie_is_httponly_and_samesite_lax(person, browser_at):
    user = await person()
    cookie = session_cookie(await sign_in(browser_at(new_ip()), user["email"]))
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain http, no https public address


async def test_the_cookie_is_secure_behind_a_trusted_https_proxy(person, browser_at, app):
    user = await person()
    # What uvicorn does with --proxy-headers: it believes X-Forwarded-Proto only from
    # --forwarded-allow-ips (127.0.0.1 by default).
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}

    trusted = browser_at("127.0.0.1", asgi=proxied)
    trusted.headers.update(https)
    cookie = session_cookie(await sign_in(trusted, user["email"]))
    assert "secure" in [a.strip().lower() for a in cookie.split(";")]

    untrusted = browser_at(new_ip(), asgi=proxied)
    untrusted.headers.update(https)
    cookie = session_cookie(await sign_in(untrusted, user["email"]))
    assert "secure" not in [a.strip().lower() for a in cookie.split(";")]


async def test_the_cookie_is_secure_when_the_public_address_is_https(
    person, browser_at, app, monkeypatch
):
    user = await person()
    monkeypatch.setattr(app.state.settings, "public_url", "https://support.example.com")
    cookie = session_cookie(await sign_in(browser_at(new_ip()), user["email"]))
    assert "secure" in [a.strip().lower() for a in cookie.split(";")]


# --- CSRF on every change -------------------------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The sign-in form has its own anonymous-session token (tested in test_login.py); the
# customer's page is authorised by the signed token in its address, not by a cookie.
EXEMPT = {("POST", "/login"), ("POST", "/c/{token}")}


def unsafe_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    # Routers included into the app are walked through to their routes.
    for route in iter_route_contexts(app.routes):
        for method in sorted((route.methods or set()) & UNSAFE):
            if (method, route.path) not in EXEMPT:
                found.append((method, route.path))
    return found


async def test_every_cookie_authenticated_change_needs_the_csrf_token(person, signed_in, app):
    routes = unsafe_routes(app)
    assert len(routes) >= 30  # the walk found the API, not an empty list
    assert ("POST", "/logout") in routes
    web = await signed_in(await person(role="admin"))
    assert (await web.get("/boards")).status_code == 200  # the cookie works

    accepted = []
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = await web.request(method, url, json={})
        if path.startswith("/api/"):  # refused for the token, not for a missing record
            refused = response.status_code == 403 and response.json()["type"].endswith(
                "/csrf-failed"
            )
        else:  # the form's error page
            refused = response.status_code == 403
        if not refused:
            accepted.append((method, path, response.status_code))
    assert accepted == []
