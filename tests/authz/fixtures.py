"""One board with one of everything, and a person (and token) per role.

Everything is built through the public API as the admin, except the alerts, which
are inserted directly (raising them through the scan would need a clock far ahead,
and the scan looks at every board in the database).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.alerts.models import Alert
from tests.conftest import ADMIN_TOKEN
from tests.factories import add_member, create_card, create_user
from tests.insights.helpers import png

# Board roles, in the order the matrix lists them, then the two outsiders.
MEMBER_ROLES = ("admin", "lead", "agent", "facilitator", "viewer")
# An AI agent on the board (a user of kind 'bot' with the agent role): an agent in
# every respect but the few things only a person may do.
ROLES = (*MEMBER_ROLES, "bot", "nonmember", "removed", "anonymous")
# Nothing listens there. Subscribed (on a board that already exists) to the one event
# that board never sends again, so only pings go out; unknown types are refused.
HOOK_URL = "http://127.0.0.1:9/authz-hook"
QUIET_TYPE = "board.created"


@dataclass
class World:
    """The shared targets; ``fresh_*`` helpers make a new one for a state change."""

    app: Any
    admin: httpx.AsyncClient
    as_user: Callable[[str | None], httpx.AsyncClient]
    board: dict[str, Any]
    columns: dict[str, int]
    lane_id: int
    users: dict[str, dict[str, Any]]
    tokens: dict[str, str | None]
    card_id: int
    swarm_id: int
    policy_id: int
    endpoint_id: int
    delivery_id: int
    evidence_id: int
    helper_id: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def board_id(self) -> int:
        return int(self.board["id"])

    async def fresh_card(self, **fields: Any) -> int:
        card = await create_card(
            self.admin, self.board_id, column_id=self.columns["triage"], **fields
        )
        return int(card["id"])

    async def fresh_user(self) -> int:
        user, _ = await create_user(self.admin, role="agent")
        return int(user["id"])

    async def fresh_member(self) -> int:
        user_id = await self.fresh_user()
        await add_member(self.admin, self.board_id, user_id)
        return user_id

    async def fresh_swarm(self, skill: str = "billing") -> dict[str, Any]:
        card_id = await self.fresh_card()
        r = await self.admin.post(
            f"/api/cards/{card_id}/swarms",
            json={"skills": [skill], "question": "Why?", "tried": "Restarting it"},
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def resolved_swarm(self) -> int:
        swarm_id = int((await self.fresh_swarm())["id"])
        r = await self.admin.post(
            f"/api/swarms/{swarm_id}/resolve", json={"outcome": "Fixed", "knowledge": "Restart"}
        )
        assert r.status_code == 200, r.text
        return swarm_id

    async def fresh_alert(self) -> int:
        card_id = await self.fresh_card()

        def insert(session: Any) -> int:
            alert = Alert(
                board_id=self.board_id, subject=f"card:{card_id}", card_id=card_id, kind="blocked"
            )
            session.add(alert)
            session.flush()
            assert alert.id is not None
            return alert.id

        alert_id: int = await self.app.state.db.write(insert)
        return alert_id

    async def fresh_evidence(self) -> int:
        r = await self.admin.post(
            f"/api/cards/{self.card_id}/evidence",
            files={"file": ("screen.png", png(), "image/png")},
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def fresh_endpoint(self) -> int:
        """A webhook endpoint owned by the board's lead."""
        r = await self.as_user(self.tokens["lead"]).post(
            "/api/webhooks",
            json={"url": HOOK_URL, "event_types": [QUIET_TYPE], "board_id": self.board_id},
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def fresh_token(self, role: str) -> int:
        user_id = self.users[role]["id"]
        r = await self.admin.post(f"/api/users/{user_id}/tokens", json={"name": "spare"})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


async def build_world(
    app: Any, admin: httpx.AsyncClient, as_user: Callable[[str | None], httpx.AsyncClient]
) -> World:
    r = await admin.post(
        "/api/boards",
        json={
            "name": f"Authz {uuid.uuid4().hex[:8]}",
            "columns": [
                {"name": "Triage", "stage": "backlog"},
                {"name": "Doing", "stage": "active"},
                {"name": "Done", "stage": "done"},
            ],
            "lanes": [{"name": "Standard"}],
            # Other suites scan every board with a clock far ahead: raise nothing here.
            "blocked_alert_seconds": None,
            "swarm_answer_seconds": None,
        },
    )
    assert r.status_code == 201, r.text
    board = r.json()
    columns = {c["name"].lower(): int(c["id"]) for c in board["columns"]}
    me = (await admin.get("/api/users/me")).json()
    users: dict[str, dict[str, Any]] = {"admin": me}
    tokens: dict[str, str | None] = {"admin": ADMIN_TOKEN, "anonymous": None}
    for role in MEMBER_ROLES[1:]:
        # The global role matches the board role; each has a skill of their own.
        user, token = await create_user(
            admin, role=role, skills=[{"name": f"authz-{role}", "level": 3}]
        )
        await add_member(admin, board["id"], user["id"], role)
        users[role], tokens[role] = user, token
    r = await admin.post(
        "/api/users",
        json={"name": "Authz bot", "kind": "bot", "skills": [{"name": "authz-bot", "level": 3}]},
    )
    assert r.status_code == 201, r.text
    users["bot"], tokens["bot"] = r.json(), r.json()["token"]
    await add_member(admin, board["id"], users["bot"]["id"])
    outsider, outsider_token = await create_user(
        admin, role="agent", skills=[{"name": "billing", "level": 3}]
    )
    users["nonmember"], tokens["nonmember"] = outsider, outsider_token
    # An agent who worked on the board and was removed from it: a stranger from then on.
    former, former_token = await create_user(
        admin, role="agent", skills=[{"name": "billing", "level": 3}]
    )
    await add_member(admin, board["id"], former["id"], "agent")
    r = await admin.delete(f"/api/boards/{board['id']}/members/{former['id']}")
    assert r.status_code == 204, r.text
    users["removed"], tokens["removed"] = former, former_token
    helper, _ = await create_user(admin, role="agent", skills=[{"name": "billing", "level": 3}])
    await add_member(admin, board["id"], helper["id"], "agent")

    world = World(
        app=app,
        admin=admin,
        as_user=as_user,
        board=board,
        columns=columns,
        lane_id=int(board["lanes"][0]["id"]),
        users=users,
        tokens=tokens,
        card_id=0,
        swarm_id=0,
        policy_id=0,
        endpoint_id=0,
        delivery_id=0,
        evidence_id=0,
        helper_id=int(helper["id"]),
    )
    world.card_id = await world.fresh_card(title="Printer on fire")
    world.swarm_id = int((await world.fresh_swarm())["id"])
    r = await admin.post(
        f"/api/boards/{board['id']}/sla-policies",
        json={"name": "Default", "product": "authz-none", "frt_seconds": 3600},
    )
    assert r.status_code == 201, r.text
    world.policy_id = int(r.json()["id"])
    world.endpoint_id = await world.fresh_endpoint()
    r = await admin.post(f"/api/webhooks/{world.endpoint_id}/ping")
    assert r.status_code == 202, r.text
    world.delivery_id = int(r.json()["id"])
    world.evidence_id = await world.fresh_evidence()
    # A card the customer answered a survey about, for the confirmation read.
    world.extra["confirmed_card_id"] = await world.fresh_card(title="Refund sent")
    r = await admin.post(f"/api/cards/{world.extra['confirmed_card_id']}/survey", json={"csat": 4})
    assert r.status_code == 201, r.text
    # A finished card, so that the "when" forecast has a throughput history.
    done = await world.fresh_card(title="Password reset")
    r = await admin.post(f"/api/cards/{done}/move", json={"column_id": columns["done"]})
    assert r.status_code == 200, r.text
    return world
