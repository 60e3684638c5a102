"""A board with a person per role, built through the API, for the comment tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import add_member, create_board, create_card, create_user

PROBLEM = "application/problem+json"
ROLES = ("lead", "agent", "facilitator", "viewer")


@dataclass
class Team:
    """A board, a card on it, and a client per person (``admin`` is the test client)."""

    board_id: int
    card_id: int
    users: dict[str, dict[str, Any]]
    clients: dict[str, httpx.AsyncClient]

    def id(self, who: str) -> int:
        return int(self.users[who]["id"])

    def local(self, who: str) -> str:
        """The person's e-mail local part: their @handle."""
        return str(self.users[who]["email"]).split("@")[0]

    def problem(self, r: httpx.Response, status: int, type_: str) -> dict[str, Any]:
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == PROBLEM
        body: dict[str, Any] = r.json()
        assert body["type"].endswith("/" + type_), body
        assert body["status"] == status and body["detail"]
        return body


async def person(
    admin: httpx.AsyncClient, role: str, *, first: str | None = None
) -> tuple[dict[str, Any], str]:
    """A person whose name starts with ``first`` (unique letters by default) and whose
    e-mail local part is unique to the run."""
    tag = uuid.uuid4().hex[:8]
    first = first or f"{role.title()}{tag}"
    return await create_user(
        admin, role=role, name=f"{first} Tester", email=f"{role}.{tag}@example.com"
    )


async def team(
    admin: httpx.AsyncClient, as_user: Callable[[str | None], httpx.AsyncClient]
) -> Team:
    board = await create_board(admin)
    card = await create_card(admin, board["id"])
    me = (await admin.get("/api/users/me")).json()
    users: dict[str, dict[str, Any]] = {"admin": me}
    clients: dict[str, httpx.AsyncClient] = {"admin": admin}
    for role in ROLES:
        user, token = await person(admin, role)
        await add_member(admin, board["id"], user["id"], role)
        users[role], clients[role] = user, as_user(token)
    # A second agent, and someone with an account who is not on the board.
    user, token = await person(admin, "agent")
    await add_member(admin, board["id"], user["id"], "agent")
    users["agent2"], clients["agent2"] = user, as_user(token)
    user, token = await person(admin, "agent")
    users["outsider"], clients["outsider"] = user, as_user(token)
    return Team(int(board["id"]), int(card["id"]), users, clients)


async def comment(c: httpx.AsyncClient, card_id: int, body: str) -> dict[str, Any]:
    r = await c.post(f"/api/cards/{card_id}/comments", json={"body": body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def thread(c: httpx.AsyncClient, card_id: int, **params: Any) -> dict[str, Any]:
    r = await c.get(f"/api/cards/{card_id}/comments", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())
