"""Factory functions that build test data through the public API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


async def create_user(
    client: httpx.AsyncClient, *, role: str = "agent", **fields: Any
) -> tuple[dict[str, Any], str]:
    """Create a person as admin; returns (user, token)."""
    body = {
        "name": f"{role.title()} {uuid.uuid4().hex[:6]}",
        "email": f"{role}-{uuid.uuid4().hex[:10]}@example.com",
        "role": role,
        **fields,
    }
    r = await client.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    user = r.json()
    return user, user["token"]


async def create_bot(
    client: httpx.AsyncClient, board_id: int | None = None, **fields: Any
) -> tuple[dict[str, Any], str]:
    """Create an AI agent (a user of kind 'bot') as admin, a member of ``board_id`` when
    given; returns (bot, token)."""
    body = {"name": f"Bot {uuid.uuid4().hex[:6]}", "kind": "bot", **fields}
    r = await client.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    bot = r.json()
    if board_id is not None:
        await add_member(client, board_id, bot["id"])
    return bot, bot["token"]


async def create_board(
    client: httpx.AsyncClient,
    *,
    columns: list[dict[str, Any]] | None = None,
    lanes: list[dict[str, Any]] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name or f"Board {uuid.uuid4().hex[:6]}",
        "columns": columns
        or [
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": 3},
            {"name": "Resolved", "stage": "done"},
        ],
    }
    if lanes is not None:
        body["lanes"] = lanes
    r = await client.post("/api/boards", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def add_member(
    client: httpx.AsyncClient, board_id: int, user_id: int, role: str | None = None
) -> None:
    body: dict[str, Any] = {"user_id": user_id}
    if role:
        body["role"] = role
    r = await client.post(f"/api/boards/{board_id}/members", json=body)
    assert r.status_code == 201, r.text


async def create_card(client: httpx.AsyncClient, board_id: int, **fields: Any) -> dict[str, Any]:
    r = await client.post(
        f"/api/boards/{board_id}/cards", json={"title": f"Ticket {uuid.uuid4().hex[:6]}", **fields}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def events(client: httpx.AsyncClient, board_id: int, since: int = 0) -> list[dict[str, Any]]:
    r = await client.get(f"/api/boards/{board_id}/events", params={"since": since, "limit": 1000})
    assert r.status_code == 200, r.text
    return list(r.json()["events"])
