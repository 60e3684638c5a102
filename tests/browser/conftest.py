"""Browser fixtures: a real uvicorn, Debian's Chromium, and signed-in people.

Nothing here downloads a browser: Chromium is ``/usr/bin/chromium`` (apt). When it is
missing, launching fails and so does every browser test; they never skip.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.board.models import Card
from app.core.config import Settings
from app.core.db import Database
from app.core.models import table_of, utcnow
from tests.browser.helpers import BoardPage, login
from tests.conftest import ADMIN_TOKEN, LiveServer
from tests.factories import create_board

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class Person:
    id: int
    name: str
    email: str
    role: str
    token: str
    storage_state: Any = None  # the signed-in browser state (session cookie)


@pytest.fixture(scope="session")
def web(settings: Settings) -> Iterator[LiveServer]:
    """One real uvicorn on the session database, for every browser test."""
    server = LiveServer(settings.database_url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def api(web: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """Admin API client of the live server (so its websockets see every change)."""
    async with httpx.AsyncClient(
        base_url=web.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    ) as c:
        yield c


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def _create_person(api: httpx.AsyncClient, name: str, role: str) -> Person:
    tag = uuid.uuid4().hex[:8]
    body = {
        "name": name,
        "email": f"{role}-{tag}@example.com",
        "role": role,
        "password": PASSWORD,
    }
    r = await api.post("/api/users", json=body)
    assert r.status_code == 201, r.text
    user = r.json()
    return Person(
        id=user["id"], name=user["name"], email=user["email"], role=role, token=user["token"]
    )


@pytest.fixture(scope="session")
async def people(api: httpx.AsyncClient, browser: Browser, web: LiveServer) -> dict[str, Person]:
    """A lead, an agent and an outsider, each signed in once through the login form."""
    found: dict[str, Person] = {}
    for key, name, role in (
        ("lead", "Maya Okafor", "lead"),
        ("agent", "Arjun Mehta", "agent"),
        ("outsider", "Olga Outsider", "agent"),
    ):
        person = await _create_person(api, name, role)
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await login(page, web.url, person.email, PASSWORD)
            person.storage_state = await context.storage_state()
        finally:
            await context.close()
        found[key] = person
    return found


BoardFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def new_board(api: httpx.AsyncClient, people: dict[str, Person]) -> BoardFactory:
    """A fresh board with the lead (board role lead) and the agent as members."""

    async def make(
        columns: list[dict[str, Any]] | None = None, lanes: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        board = await create_board(
            api, columns=columns, lanes=lanes, name=f"Support {uuid.uuid4().hex[:6]}"
        )
        for key, role in (("lead", "lead"), ("agent", "agent")):
            r = await api.post(
                f"/api/boards/{board['id']}/members",
                json={"user_id": people[key].id, "role": role},
            )
            assert r.status_code == 201, r.text
        return board

    return make


CardFactory = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def add_card(api: httpx.AsyncClient) -> CardFactory:
    async def make(board_id: int, **fields: Any) -> dict[str, Any]:
        body = {"title": f"Ticket {uuid.uuid4().hex[:6]}", **fields}
        r = await api.post(f"/api/boards/{board_id}/cards", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    return make


OpenBoard = Callable[..., Awaitable[BoardPage]]


@pytest.fixture
async def open_board(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> AsyncIterator[OpenBoard]:
    """Open a board page for a person, in their own browser context, and wait until live.

    At the end, a page that threw an uncaught script error fails the test.
    """
    contexts: list[BrowserContext] = []
    pages: list[BoardPage] = []

    async def opener(
        who: str,
        board_id: int,
        setup: Callable[[BrowserContext], Awaitable[None]] | None = None,
    ) -> BoardPage:
        context = await browser.new_context(
            storage_state=people[who].storage_state, viewport={"width": 1600, "height": 1000}
        )
        contexts.append(context)
        if setup is not None:
            await setup(context)
        page = await context.new_page()
        board = BoardPage(page, board_id, who)
        pages.append(board)
        response = await page.goto(f"{web.url}/boards/{board_id}")
        assert response is not None and response.status == 200, (
            f"{who} could not open board {board_id}: {response and response.status}"
        )
        await board.expect_live()
        return board

    yield opener
    for context in contexts:
        await context.close()
    errors = {p.who: p.errors for p in pages if p.errors}
    assert not errors, f"uncaught script errors on the board page: {errors}"


def _set_column_entered_at(session: Session, *, card_id: int, at: datetime) -> None:
    cards = table_of(Card)
    session.execute(update(cards).where(cards.c.id == card_id).values(column_entered_at=at))


Backdate = Callable[[int, timedelta], Awaitable[None]]


@pytest.fixture
async def backdate(settings: Settings) -> AsyncIterator[Backdate]:
    """Make a card look as if it entered its column ``ago`` (no API can do that)."""
    db = Database(settings)
    db.start()

    async def run(card_id: int, ago: timedelta) -> None:
        await db.write(_set_column_entered_at, card_id=card_id, at=utcnow() - ago)

    yield run
    await db.dispose()


NewPerson = Callable[..., Awaitable[str]]


@pytest.fixture
def new_person(
    api: httpx.AsyncClient, browser: Browser, web: LiveServer, people: dict[str, Person]
) -> NewPerson:
    """Someone new with a profile (skills, team, WIP limit), signed in through the login
    form; returns the key to open their board page with (``open_board(key, board_id)``)."""

    async def make(
        name: str,
        *,
        role: str = "agent",
        skills: list[str] | None = None,
        team: str | None = None,
        wip_limit: int | None = None,
    ) -> str:
        tag = uuid.uuid4().hex[:8]
        body = {
            "name": name,
            "email": f"{role}-{tag}@example.com",
            "role": role,
            "password": PASSWORD,
            "team": team,
            "skills": [{"name": s, "level": 2} for s in skills or []],
            "wip_limit": wip_limit,
        }
        r = await api.post("/api/users", json=body)
        assert r.status_code == 201, r.text
        user = r.json()
        person = Person(
            id=user["id"], name=user["name"], email=user["email"], role=role, token=user["token"]
        )
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await login(page, web.url, person.email, PASSWORD)
            person.storage_state = await context.storage_state()
        finally:
            await context.close()
        key = f"{name} {tag}"
        people[key] = person
        return key

    return make
