"""Oversized request bodies are refused with 413 problem+json, and nothing is written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from app.core.security import EVIDENCE_OVERHEAD_BYTES
from tests import factories
from tests.insights.helpers import png, stored_files, upload

PROBLEM = "application/problem+json"


def padded_json(body: dict[str, object], size: int) -> bytes:
    """``body`` as JSON, padded with trailing whitespace to exactly ``size`` bytes."""
    text = json.dumps(body).encode()
    assert len(text) <= size
    return text + b" " * (size - len(text))


def assert_413(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("/payload-too-large")
    assert problem["status"] == 413
    assert str(limit) in problem["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def board_count(client: httpx.AsyncClient) -> int:
    r = await client.get("/api/boards")
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


async def test_a_body_over_the_limit_is_refused_up_front(client, settings):
    limit = settings.max_body_bytes
    assert limit == 1024 * 1024  # the default
    name = "Oversized board"
    board = {"name": name, "columns": [{"name": "Triage", "stage": "backlog"}]}
    before = await board_count(client)

    over = await client.post(
        "/api/boards",
        content=padded_json(board, limit + 1),
        headers={"Content-Type": "application/json"},
    )

    assert_413(over, limit)
    assert await board_count(client) == before

    at_limit = await client.post(
        "/api/boards",
        content=padded_json(board, limit),
        headers={"Content-Type": "application/json"},
    )
    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["name"] == name
    assert await board_count(client) == before + 1


async def test_a_streamed_body_is_counted_and_cut_off(client, settings):
    board = await factories.create_board(client)
    before = await factories.events(client, board["id"])
    piece = b" " * (64 * 1024)
    pieces = 4 * settings.max_body_bytes // len(piece)
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"title": "Streamed card"'
        for _ in range(pieces):  # no Content-Length: the server must count for itself
            sent += 1
            yield piece
        yield b"}"

    r = await client.post(
        f"/api/boards/{board['id']}/cards",
        content=body(),
        headers={"Content-Type": "application/json"},
    )

    assert_413(r, settings.max_body_bytes)
    assert sent < pieces // 2  # it stopped reading just past the limit
    assert await factories.events(client, board["id"]) == before
    cards = await client.get(f"/api/boards/{board['id']}")
    assert "Streamed card" not in cards.text


async def test_a_lying_content_length_is_still_counted(app, client, settings):
    """A client that declares a small body and sends a big one is cut off too."""
    board = await factories.create_board(client)
    before = await factories.events(client, board["id"])
    big = padded_json({"title": "Liar"}, settings.max_body_bytes + 10)
    messages = [
        {"type": "http.request", "body": big[: len(big) // 2], "more_body": True},
        {"type": "http.request", "body": big[len(big) // 2 :], "more_body": False},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/api/boards/{board['id']}/cards",
        "raw_path": f"/api/boards/{board['id']}/cards".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", b"20"),
            (b"authorization", client.headers["authorization"].encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
        "state": {},
    }

    await app(scope, receive, send)

    assert sent[0]["status"] == 413
    assert json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["type"].endswith(
        "/payload-too-large"
    )
    assert await factories.events(client, board["id"]) == before


async def test_evidence_uploads_get_their_own_larger_limit(client, settings):
    assert settings.evidence_max_bytes > settings.max_body_bytes
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    big = png() + bytes(settings.max_body_bytes + 1000)  # above the general limit

    stored = await upload(client, card["id"], big)

    assert stored.status_code == 201, stored.text
    assert stored.json()["size_bytes"] == len(big)


async def test_an_evidence_upload_past_its_envelope_is_refused_and_nothing_is_stored(
    client, settings
):
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    before = stored_files(settings.data_dir)
    limit = settings.evidence_max_bytes + EVIDENCE_OVERHEAD_BYTES

    r = await upload(client, card["id"], png() + bytes(limit))

    assert_413(r, limit)
    assert stored_files(settings.data_dir) == before
    assert (await client.get(f"/api/cards/{card['id']}/evidence")).json() == []


async def test_an_oversized_sign_in_form_is_refused(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.90", 1000)),
        base_url="http://test",
    ) as browser:
        await browser.get("/login")
        data = {"email": "someone@example.com", "password": "x" * (1024 * 1024)}
        r = await browser.post("/login", data=data)
    assert_413(r, 1024 * 1024)
