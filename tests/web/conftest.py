"""Fixtures for the web page tests: in-process clients that keep cookies like a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests import factories
from tests.web.helpers import PASSWORD, sign_in


@pytest.fixture
async def web_client(app: Any) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Open cookie-keeping clients with no Authorization header (a browser's view)."""
    opened: list[httpx.AsyncClient] = []

    def make(base_url: str = "http://test") -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


@pytest.fixture
async def person(
    client: httpx.AsyncClient,
) -> Callable[..., Any]:
    """Create someone with a password: ``await person(role="lead", name=...)``."""

    async def make(role: str = "agent", **fields: Any) -> dict[str, Any]:
        user, token = await factories.create_user(client, role=role, password=PASSWORD, **fields)
        return {**user, "token": token}

    return make


@pytest.fixture
async def signed_in(
    web_client: Callable[..., httpx.AsyncClient],
) -> Callable[..., Any]:
    """A browser client signed in as the given person."""

    async def make(user: dict[str, Any]) -> httpx.AsyncClient:
        web = web_client()
        response = await sign_in(web, user["email"])
        assert response.status_code == 303, response.text
        return web

    return make
