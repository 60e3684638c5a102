"""Building swarm scenarios through the public API."""

from __future__ import annotations

from typing import Any

import httpx

from tests import factories


async def person(
    client: httpx.AsyncClient,
    board_id: int,
    *,
    skills: dict[str, int] | None = None,
    team: str | None = None,
    wip_limit: int | None = None,
    availability: str = "available",
    role: str = "agent",
    board_role: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A board member with a profile; returns (user, token)."""
    user, token = await factories.create_user(
        client,
        role=role,
        team=team,
        wip_limit=wip_limit,
        skills=[{"name": n, "level": lvl} for n, lvl in (skills or {}).items()],
    )
    if availability != "available":
        r = await client.patch(f"/api/users/{user['id']}", json={"availability": availability})
        assert r.status_code == 200, r.text
    await factories.add_member(client, board_id, user["id"], board_role)
    return user, token


async def ask(
    client: httpx.AsyncClient,
    card_id: int,
    skills: list[str],
    question: str = "Refund stuck after a chargeback",
    tried: str = "Retried the refund; checked the gateway log",
) -> httpx.Response:
    return await client.post(
        f"/api/cards/{card_id}/swarms",
        json={"skills": skills, "question": question, "tried": tried},
    )


def invitation_for(swarm: dict[str, Any], user_id: int) -> dict[str, Any]:
    found = [i for i in swarm["invitations"] if i["user_id"] == user_id]
    assert found, f"user {user_id} was not invited: {swarm['invitations']}"
    return dict(found[0])


def swarm_types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events if e["type"].startswith("swarm.")]
