"""Every response carries the security headers; a route's own CSP is kept."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from tests import factories
from tests.insights.helpers import png, upload

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def assert_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    # One value each: a header a route set is never sent twice.
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert len(headers.get_list(name)) == 1, name


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/api/boards", 200),
        ("/static/board.css", 200),
        ("/no/such/page", 404),
    ],
)
async def test_json_static_and_error_responses_carry_the_headers(client, path, status):
    response = await client.get(path)
    assert response.status_code == status
    assert_security_headers(response)
    assert response.headers["content-security-policy"] == STRICT_CSP


async def test_a_refused_api_call_carries_the_headers(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as anonymous:
        response = await anonymous.get("/api/boards")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert_security_headers(response)


async def test_pages_carry_the_headers_and_keep_their_own_policy(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as browser:
        page = await browser.get("/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert_security_headers(page)
    csp = page.headers["content-security-policy"]
    assert "style-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp  # not even for style attributes


async def test_evidence_files_keep_their_sandboxing_policy(client):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    stored = await upload(client, card["id"], png())
    assert stored.status_code == 201, stored.text

    content = await client.get(stored.json()["url"])

    assert content.status_code == 200
    assert content.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert content.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox"]
    assert content.headers["x-frame-options"] == "DENY"
    assert content.headers["referrer-policy"] == "same-origin"


async def test_an_unexpected_error_is_a_500_problem_with_the_headers(settings, caplog):
    # A fresh app (the session app's routes stay as they are) with a route that fails.
    failing = create_app(settings)

    @failing.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("a bug, not bad input")

    async with failing.router.lifespan_context(failing):
        transport = httpx.ASGITransport(app=failing, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            response = await c.get("/api/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/internal-error")
    assert "a bug" not in response.text  # no detail of the failure leaks
    assert_security_headers(response)
    assert any("unhandled error" in r.getMessage() for r in caplog.records)  # still logged
