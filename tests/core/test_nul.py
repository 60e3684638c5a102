"""NUL (U+0000) in any text input is a 422 naming the field, on every database, and a
refused request writes nothing. (PostgreSQL cannot store NUL in text: ``?product=%00``
was a 500 on metrics, forecasts, knowledge search and the retro page, and exports
stopped mid-stream.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.factories import add_member, create_board, create_card, create_user
from tests.insights.helpers import png
from tests.web.helpers import PASSWORD, sign_in

PROBLEM = "application/problem+json"
VALIDATION = "https://swarmboard.dev/problems/validation-error"


@pytest.fixture
async def api(app: Any, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client that returns a server fault as its 500 response instead of raising it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": client.headers["Authorization"]}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


def _refused(r: httpx.Response, field: str, where: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == VALIDATION
    assert f"“{field}”" in body["detail"] and "U+0000" in body["detail"]
    assert body["errors"] == [
        {"field": field, "in": where, "message": "must not contain a NUL character (U+0000)"}
    ]
    # Refused in front of the handler, with the same security headers as any answer.
    assert r.headers["x-content-type-options"] == "nosniff"


async def _state(client: httpx.AsyncClient, board_id: int) -> tuple[int, list[Any]]:
    detail = (await client.get(f"/api/boards/{board_id}")).json()
    return detail["last_seq"], detail["cards"]


QUERIES = [
    ("/api/boards/{board}/metrics/flow", "product"),
    ("/api/boards/{board}/metrics/forecast/when", "product"),
    ("/api/boards/{board}/metrics/forecast/how-many", "product"),
    ("/api/boards/{board}/metrics/support", "channel"),
    ("/api/boards/{board}/export/events.csv", "product"),
    ("/api/boards/{board}/export/actionable-agile.csv", "product"),
    ("/api/boards/{board}/export/cards.ndjson", "segment"),
    ("/api/knowledge", "q"),
    ("/api/boards/{board}/swarms", "state"),
]


@pytest.mark.parametrize(("path", "field"), QUERIES)
async def test_nul_in_a_query_parameter_is_refused(client, api, path, field):
    board = await create_board(client)
    await create_card(client, board["id"], product="Printers")

    r = await api.get(path.format(board=board["id"]), params={field: "Print\x00ers"})

    _refused(r, field, "query")


async def test_nul_in_a_query_parameter_name_is_refused(client, api):
    board = await create_board(client)
    r = await api.get(f"/api/boards/{board['id']}/metrics/flow?%00=1")
    _refused(r, "\\0", "query")


async def test_nul_in_the_path_is_refused(api):
    # The confirmation page takes any text as its token.
    for method in ("GET", "POST"):
        r = await api.request(method, "/c/abc%00def")
        _refused(r, "path", "path")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Printer\x00 on fire"}, "title"),
        ({"title": "Printer", "description": "\x00"}, "description"),
        ({"title": "Printer", "product": "\x00Printers"}, "product"),
        ({"title": "Printer", "assignee_ids": [], "pro\x00duct": "x"}, "pro\\0duct"),
    ],
)
async def test_nul_in_a_json_body_is_refused_and_writes_nothing(client, api, body, field):
    board = await create_board(client)
    before = await _state(client, board["id"])

    r = await api.post(f"/api/boards/{board['id']}/cards", json=body)

    _refused(r, field, "body")
    assert await _state(client, board["id"]) == before


async def test_nul_deep_in_a_json_body_names_the_field_path(client, api):
    boards = len((await client.get("/api/boards")).json()["boards"])
    body = {"name": "Support", "columns": [{"name": "Triage"}, {"name": "Do\x00ne"}]}

    r = await api.post("/api/boards", json=body)

    _refused(r, "columns.1.name", "body")
    assert len((await client.get("/api/boards")).json()["boards"]) == boards


async def test_nul_in_a_json_body_without_a_content_type_is_refused(client, api):
    """FastAPI reads a body without a Content-Type as JSON: so does the check."""
    board = await create_board(client)
    before = await _state(client, board["id"])

    r = await api.post(
        f"/api/boards/{board['id']}/cards", content=b'{"title": "a\\u0000b"}', headers={}
    )

    _refused(r, "title", "body")
    assert await _state(client, board["id"]) == before


async def test_an_escaped_backslash_before_u0000_is_not_nul(client, api):
    board = await create_board(client)
    r = await api.post(f"/api/boards/{board['id']}/cards", json={"title": "C:\\u0000.txt"})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "C:\\u0000.txt"


async def test_nul_in_a_form_field_is_refused(api):
    r = await api.post("/login", data={"email": "a\x00@example.com", "password": "x"})

    _refused(r, "email", "form")
    assert "set-cookie" not in r.headers


async def test_nul_in_a_header_is_refused(client, api):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    before = await _state(client, board["id"])

    r = await api.patch(
        f"/api/cards/{card['id']}", json={"title": "Renamed"}, headers={"If-Match": '"1\x00"'}
    )

    _refused(r, "if-match", "header")
    assert await _state(client, board["id"]) == before


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "sbBoundary7MA4YWxkTrZu0gW"
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'.encode()
        if filename is not None:
            disposition += b'; filename="' + filename.encode() + b'"'
        body += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition
        body += b"\r\nContent-Type: image/png" if filename is not None else b""
        body += b"\r\n\r\n" + data + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ([("note", None, b"see\x00this"), ("file", "shot.png", png())], "note"),
        ([("file", "shot\x00.png", png())], "file"),
    ],
)
async def test_nul_in_a_multipart_field_is_refused_and_stores_nothing(client, api, parts, field):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    before = await _state(client, board["id"])
    body, content_type = _multipart(parts)

    r = await api.post(
        f"/api/cards/{card['id']}/evidence", content=body, headers={"Content-Type": content_type}
    )

    _refused(r, field, "form")
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []
    assert await _state(client, board["id"]) == before


async def test_a_file_may_hold_nul_bytes(client, api):
    """A file's bytes are data, not text: an image full of NUL bytes is still stored."""
    board = await create_board(client)
    card = await create_card(client, board["id"])
    image = png()
    assert b"\x00" in image
    body, content_type = _multipart([("file", "shot.png", image)])

    r = await api.post(
        f"/api/cards/{card['id']}/evidence", content=body, headers={"Content-Type": content_type}
    )

    assert r.status_code == 201, r.text


async def test_a_signed_in_browser_gets_the_422_as_a_page(app, client):
    """The retro page of one's own board, with a NUL in its product filter."""
    board = await create_board(client)
    await create_card(client, board["id"], product="Printers")
    user, _ = await create_user(client, role="agent", password=PASSWORD)
    await add_member(client, board["id"], user["id"], "agent")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as browser:
        signed = await sign_in(browser, user["email"])
        assert signed.status_code == 303, signed.text
        page = f"/boards/{board['id']}/retro"
        assert (await browser.get(page, params={"product": "Printers"})).status_code == 200

        r = await browser.get(
            page, params={"product": "Print\x00ers"}, headers={"Accept": "text/html,*/*"}
        )

    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "“product”" in r.text and 'href="/boards"' in r.text
