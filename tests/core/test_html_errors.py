"""A browser that mistypes a page address sees the styled error page; API clients keep
problem+json (the browser used to get raw JSON for any unknown page)."""

from __future__ import annotations

import httpx
import pytest

PROBLEM = "application/problem+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/bords", "/boards/7/nope", "/c", "/webhooks/1/nothing/here"])
async def test_a_browser_gets_the_styled_404_page_for_a_mistyped_address(client, path):
    r = await client.get(path, headers={"Accept": BROWSER})

    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in r.text
    assert 'href="/boards"' in r.text  # a way home
    assert "/static/board.css" in r.text  # the site's own look
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/bords", BROWSER),  # the API answers the API's way, whoever asks
        ("/api", BROWSER),
        ("/bords", "application/json"),
        ("/bords", "*/*"),
        ("/bords", None),
    ],
)
async def test_api_clients_keep_problem_json_for_an_unknown_address(client, path, accept):
    headers = {"Accept": accept} if accept else {}
    r = await client.get(path, headers=headers)

    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "https://swarmboard.dev/problems/not-found"


async def test_a_browser_gets_a_405_page_and_an_api_client_a_405_problem(client):
    page = await client.delete("/boards", headers={"Accept": BROWSER})
    assert page.status_code == 405
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Not allowed here</h1>" in page.text and 'href="/boards"' in page.text
    assert "GET" in page.headers["allow"]

    problem = await client.delete("/boards", headers={"Accept": "application/json"})
    assert problem.status_code == 405
    assert problem.headers["content-type"] == PROBLEM
    assert problem.headers["allow"] == page.headers["allow"]


async def test_the_api_405_stays_problem_json_for_a_browser(client):
    r = await client.delete("/api/boards", headers={"Accept": BROWSER})
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM
    assert set(r.headers["allow"].split(", ")) >= {"GET", "POST"}


async def test_a_missing_static_file_is_not_a_page(client: httpx.AsyncClient):
    # What a browser sends for a stylesheet: no text/html, so no page.
    r = await client.get("/static/nope.css", headers={"Accept": "text/css,*/*;q=0.1"})
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
