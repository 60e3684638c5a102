"""Subscribing, reading the delivery log and waiting for the relay, through the public API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from standardwebhooks import Webhook

from app.core.config import Settings
from tests.webhooks.receiver import Received

PROBLEM = "application/problem+json"
ENVELOPE_KEYS = {"id", "seq", "board_id", "type", "at", "actor", "data"}
T = TypeVar("T")


@dataclass
class Quiet:
    """The in-process app on the quiet database (see conftest), with an admin client."""

    app: Any
    client: httpx.AsyncClient
    settings: Settings

    @property
    def url(self) -> str:
        return self.settings.database_url


async def subscribe(
    client: httpx.AsyncClient,
    url: str,
    event_types: list[str],
    board_id: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, "event_types": event_types, **fields}
    if board_id is not None:
        body["board_id"] = board_id
    r = await client.post("/api/webhooks", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def endpoint(client: httpx.AsyncClient, endpoint_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/webhooks/{endpoint_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def deliveries(client: httpx.AsyncClient, endpoint_id: int) -> list[dict[str, Any]]:
    """Every delivery of the endpoint, oldest first."""
    r = await client.get(f"/api/webhooks/{endpoint_id}/deliveries", params={"limit": 200})
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["deliveries"]))


async def delivery(client: httpx.AsyncClient, endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/webhooks/{endpoint_id}/deliveries/{delivery_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def eventually(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    within: float = 15,
    what: str = "the condition",
) -> T:
    """Poll ``probe()`` until ``done(value)``; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s; last: {value!r}")
        await asyncio.sleep(0.05)


async def settled(
    client: httpx.AsyncClient,
    endpoint_id: int,
    count: int,
    states: tuple[str, ...] = ("succeeded",),
    within: float = 15,
) -> list[dict[str, Any]]:
    """Until the endpoint has ``count`` deliveries, all in one of ``states``."""
    return await eventually(
        lambda: deliveries(client, endpoint_id),
        lambda ds: len(ds) == count and all(d["state"] in states for d in ds),
        within,
        f"{count} deliveries {'/'.join(states)} for webhook {endpoint_id}",
    )


def verify(secret: str, request: Received) -> dict[str, Any]:
    """What a consumer does: check the Standard Webhooks signature on the raw body."""
    payload = Webhook(secret).verify(request.body, request.headers)
    assert isinstance(payload, dict)
    return payload


async def board_events(client: httpx.AsyncClient, board_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"/api/boards/{board_id}/events", params={"since": 0, "limit": 1000})
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


async def event_ids(client: httpx.AsyncClient, board_id: int, type_: str) -> list[str]:
    """The ids of the board's events of one type, in log order."""
    return [e["id"] for e in await board_events(client, board_id) if e["type"] == type_]
