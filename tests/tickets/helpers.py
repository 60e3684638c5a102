"""Building intake scenarios through the public API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx

from tests import factories

PROBLEM = "application/problem+json"


def ticket_body(**fields: Any) -> dict[str, Any]:
    """A channel's ticket: a fresh external_ref and customer unless given."""
    body: dict[str, Any] = {
        "external_ref": f"ZD-{uuid.uuid4().hex[:10]}",
        "title": "Invoice PDF is blank",
        "description": "Downloading the November invoice gives an empty page.",
        "channel": "email",
        "product": "Billing",
        "priority": "high",
        "segment": "customer",
        "customer": {"ref": f"cust-{uuid.uuid4().hex[:8]}", "name": "Ada", "email": "ada@x.io"},
    }
    body.update(fields)
    return body


async def take_in(client: httpx.AsyncClient, board_id: int, **fields: Any) -> dict[str, Any]:
    r = await client.post(f"/api/boards/{board_id}/tickets", json=ticket_body(**fields))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def record(
    client: httpx.AsyncClient,
    card_id: int,
    kind: str,
    actor_kind: str = "user",
    at: datetime | None = None,
    **fields: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"kind": kind, "actor_kind": actor_kind, **fields}
    if at is not None:
        body["at"] = at.isoformat()
    return await client.post(f"/api/cards/{card_id}/interactions", json=body)


async def summary(client: httpx.AsyncClient, card_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/cards/{card_id}/interactions")
    assert r.status_code == 200, r.text
    return dict(r.json()["summary"])


async def last_seq(client: httpx.AsyncClient, board_id: int) -> int:
    return int((await client.get(f"/api/boards/{board_id}")).json()["last_seq"])


async def typed(client: httpx.AsyncClient, board_id: int, prefix: str) -> list[dict[str, Any]]:
    """The board's events whose type starts with ``prefix``."""
    return [e for e in await factories.events(client, board_id) if e["type"].startswith(prefix)]


async def member(
    client: httpx.AsyncClient, board_id: int, role: str = "agent", board_role: str | None = None
) -> tuple[dict[str, Any], str]:
    """A board member; returns (user, token)."""
    user, token = await factories.create_user(client, role=role)
    await factories.add_member(client, board_id, user["id"], board_role)
    return user, token
