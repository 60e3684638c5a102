"""One authorization matrix: every API route and the board websocket, as every role.

Roles: the admin and the board's lead, agent, facilitator and viewer (their global role
matches their board role), a signed-up agent who is not on the board, an agent who was
on it and has been removed, and nobody at all. Non-members and removed members get 404
and never the board's data; anonymous callers get 401. Reads are
open to every member; writes follow ``WORK`` / ``MANAGE`` in ``app/board/service.py``
or a "yourself" rule. A route added without an entry here fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.authz.fixtures import HOOK_URL, MEMBER_ROLES, QUIET_TYPE, ROLES, World, build_world
from tests.conftest import LiveServer
from tests.insights.helpers import png
from tests.realtime.helpers import ws_connect


@dataclass
class Call:
    path: str
    json: Any = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


Prep = Callable[[World, str], Awaitable[Call]]


def _expect(member: dict[str, int], nonmember: int = 404, bot: int | None = None) -> dict[str, int]:
    # A removed member is a non-member in every respect; a bot is an agent unless told.
    bot = member.get("agent", nonmember) if bot is None else bot
    return {**member, "bot": bot, "nonmember": nonmember, "removed": nonmember, "anonymous": 401}


def read(ok: int = 200) -> dict[str, int]:
    """Any member reads; a non-member gets 404."""
    return _expect(dict.fromkeys(MEMBER_ROLES, ok))


def work(ok: int) -> dict[str, int]:
    """Admins, leads and agents (``WORK``); facilitators and viewers get 403."""
    return _expect({"admin": ok, "lead": ok, "agent": ok, "facilitator": 403, "viewer": 403})


def manage(ok: int) -> dict[str, int]:
    """Admins and leads (``MANAGE``); everyone else on the board gets 403."""
    return _expect({"admin": ok, "lead": ok, "agent": 403, "facilitator": 403, "viewer": 403})


def anyone(ok: int) -> dict[str, int]:
    """Not board-scoped: every signed-in person (each sees only their own)."""
    return _expect(dict.fromkeys(MEMBER_ROLES, ok), nonmember=ok)


def fixed(path: str, **kw: Any) -> Prep:
    """The same target for every role: ``path`` is formatted with the world's ids."""

    async def prep(w: World, role: str) -> Call:
        ids = {
            "board_id": w.board_id,
            "card_id": w.card_id,
            "swarm_id": w.swarm_id,
            "policy_id": w.policy_id,
            "endpoint_id": w.endpoint_id,
            "delivery_id": w.delivery_id,
            "evidence_id": w.evidence_id,
            "column_id": w.columns["done"],
            "lane_id": w.lane_id,
            "helper_id": w.helper_id,
            "confirmed_card_id": w.extra["confirmed_card_id"],
        }
        return Call(path.format(**ids), **kw)

    return prep


def _uid(w: World, role: str) -> int:
    """The caller's own user id (the admin's for an anonymous caller)."""
    return int(w.users["admin" if role == "anonymous" else role]["id"])


def _future(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


# --- preparations that need a fresh target per role --------------------------------


async def _new_user(w: World, role: str) -> Call:
    return Call("/api/users", json={"name": "New", "email": f"new-{uuid.uuid4().hex}@example.com"})


async def _self_patch(w: World, role: str) -> Call:
    return Call(f"/api/users/{_uid(w, role)}", json={"team": "Tier 2"})


async def _self_token(w: World, role: str) -> Call:
    return Call(f"/api/users/{_uid(w, role)}/tokens", json={"name": "laptop"})


async def _self_revoke(w: World, role: str) -> Call:
    owner = "admin" if role == "anonymous" else role
    token_id = await w.fresh_token(owner)
    return Call(f"/api/users/{_uid(w, role)}/tokens/{token_id}")


def admin_only(ok: int) -> dict[str, int]:
    """Admins only; everyone else signed in gets 403 (not board-scoped)."""
    return _expect({"admin": ok} | dict.fromkeys(MEMBER_ROLES[1:], 403), nonmember=403)


async def _own_password(w: World, role: str) -> Call:
    # The world's people have no password: an admin sets one they then change. A bot
    # never has one (nothing to check the current one against).
    current = f"current-{uuid.uuid4().hex}"
    if role == "bot":
        return Call(
            "/api/users/me/password", json={"current_password": current, "new_password": current}
        )
    r = await w.admin.post(f"/api/users/{_uid(w, role)}/password", json={"new_password": current})
    assert r.status_code == 204, r.text
    return Call(
        "/api/users/me/password",
        json={"current_password": current, "new_password": f"next-{uuid.uuid4().hex}"},
    )


def _on_fresh_user(action: str, **kw: Any) -> Prep:
    """``/api/users/{fresh}/<action>`` on someone new, so no role changes the world."""

    async def prep(w: World, role: str) -> Call:
        return Call(f"/api/users/{await w.fresh_user()}/{action}", **kw)

    return prep


async def _add_member(w: World, role: str) -> Call:
    return Call(f"/api/boards/{w.board_id}/members", json={"user_id": await w.fresh_user()})


async def _remove_member(w: World, role: str) -> Call:
    return Call(f"/api/boards/{w.board_id}/members/{await w.fresh_member()}")


async def _member_role(w: World, role: str) -> Call:
    return Call(f"/api/boards/{w.board_id}/members/{await w.fresh_member()}", json={"role": None})


async def _fresh(w: World, path: str, body: dict[str, Any]) -> int:
    r = await w.admin.post(path.format(board_id=w.board_id), json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _remove_column(w: World, role: str) -> Call:
    """An empty column of its own, so no role changes the world's columns."""
    return Call(f"/api/columns/{await _fresh(w, B + '/columns', {'name': f'Gone {role}'})}")


async def _remove_lane(w: World, role: str) -> Call:
    return Call(f"/api/lanes/{await _fresh(w, B + '/lanes', {'name': f'Gone {role}'})}")


async def _delete_policy(w: World, role: str) -> Call:
    body = {"name": f"Gone {role}", "product": "authz-none", "frt_seconds": 600}
    return Call(
        f"{B.format(board_id=w.board_id)}/sla-policies/{await _fresh(w, B + '/sla-policies', body)}"
    )


async def _move(w: World, role: str) -> Call:
    card_id = await w.fresh_card()
    return Call(f"/api/cards/{card_id}/move", json={"column_id": w.columns["doing"]})


async def _resolve(w: World, role: str) -> Call:
    card_id = await w.fresh_card()
    return Call(f"/api/cards/{card_id}/resolve", json={"resolution": "Reset the router"})


async def _archive(w: World, role: str) -> Call:
    return Call(f"/api/cards/{await w.fresh_card()}/archive")


async def _restore(w: World, role: str) -> Call:
    card_id = await w.fresh_card()
    r = await w.admin.post(f"/api/cards/{card_id}/archive")
    assert r.status_code == 200, r.text
    return Call(f"/api/cards/{card_id}/restore")


async def _take_in(w: World, role: str) -> Call:
    return Call(
        f"/api/boards/{w.board_id}/tickets",
        json={
            "external_ref": f"authz-{role}-{id(w)}",
            "title": "Cannot log in",
            "channel": "email",
            "customer": {"ref": f"cust-{role}"},
        },
    )


async def _link(w: World, role: str) -> Call:
    newer = await w.fresh_card()
    return Call(f"/api/cards/{newer}/links", json={"card_id": w.card_id, "kind": "repeat"})


async def _unlink(w: World, role: str) -> Call:
    newer = await w.fresh_card()
    r = await w.admin.post(
        f"/api/cards/{newer}/links", json={"card_id": w.card_id, "kind": "repeat"}
    )
    assert r.status_code == 201, r.text
    return Call(f"/api/cards/{newer}/links/{w.card_id}")


async def _survey(w: World, role: str) -> Call:
    return Call(f"/api/cards/{await w.fresh_card()}/survey", json={"solved": True, "csat": 5})


async def _delete_evidence(w: World, role: str) -> Call:
    return Call(f"/api/evidence/{await w.fresh_evidence()}")


async def _comment_by(w: World, author: str) -> int:
    r = await w.as_user(w.tokens[author]).post(
        f"/api/cards/{w.card_id}/comments", json={"body": "Rebooted the printer"}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _edit_comment(w: World, role: str) -> Call:
    # Only the author edits: the agent their own, everyone else the agent's.
    comment_id = await _comment_by(w, "agent")
    return Call(f"/api/comments/{comment_id}", json={"body": "Rebooted it twice"})


async def _delete_comment(w: World, role: str) -> Call:
    # The admin's comment: leads delete anyone's, an agent only their own.
    return Call(f"/api/comments/{await _comment_by(w, 'admin')}")


async def _ack(w: World, role: str) -> Call:
    return Call(f"/api/alerts/{await w.fresh_alert()}/ack")


async def _resolve_alert(w: World, role: str) -> Call:
    return Call(f"/api/alerts/{await w.fresh_alert()}/resolve")


async def _request_swarm(w: World, role: str) -> Call:
    card_id = await w.fresh_card()
    return Call(
        f"/api/cards/{card_id}/swarms",
        json={"skills": ["billing"], "question": "Refund stuck?", "tried": "Retried it"},
    )


async def _invitation(w: World, role: str, answer: str) -> Call:
    """A swarm asking for the caller's own skill, so that they are the one invited.

    Facilitators and viewers are never matched, and the admin has no skills: they get
    a swarm where the board's helper agent is the one invited."""
    me = _uid(w, role) if role in ("lead", "agent") else None
    swarm = await w.fresh_swarm(f"authz-{role}" if me else "billing")
    invited = [i for i in swarm["invitations"] if i["user_id"] == (me or w.helper_id)]
    assert invited, swarm
    return Call(f"/api/swarms/{swarm['id']}/invitations/{invited[0]['id']}/{answer}")


async def _accept(w: World, role: str) -> Call:
    return await _invitation(w, role, "accept")


async def _decline(w: World, role: str) -> Call:
    return await _invitation(w, role, "decline")


async def _join(w: World, role: str) -> Call:
    return Call(f"/api/swarms/{(await w.fresh_swarm())['id']}/join")


async def _leave(w: World, role: str) -> Call:
    """A swarm the caller has joined (as far as their role lets them join)."""
    swarm_id = (await w.fresh_swarm())["id"]
    token = w.tokens[role]
    if token:
        await w.as_user(token).post(f"/api/swarms/{swarm_id}/join")
    return Call(f"/api/swarms/{swarm_id}/leave")


async def _resolve_swarm(w: World, role: str) -> Call:
    swarm_id = (await w.fresh_swarm())["id"]
    return Call(f"/api/swarms/{swarm_id}/resolve", json={"outcome": "Fixed", "knowledge": "Do X"})


async def _cancel_swarm(w: World, role: str) -> Call:
    return Call(f"/api/swarms/{(await w.fresh_swarm())['id']}/cancel", json={"reason": "Gone"})


async def _reopen_swarm(w: World, role: str) -> Call:
    return Call(f"/api/swarms/{await w.resolved_swarm()}/reopen")


async def _delete_endpoint(w: World, role: str) -> Call:
    return Call(f"/api/webhooks/{await w.fresh_endpoint()}")


# The webhook endpoint belongs to the board's lead: its owner and the admin see it,
# everyone else gets 404 as if it did not exist.
OWNER = _expect({"admin": 200, "lead": 200, "agent": 404, "facilitator": 404, "viewer": 404})


def owner(ok: int) -> dict[str, int]:
    return {k: (ok if v == 200 else v) for k, v in OWNER.items()}


# Lead and agent answer their own invitation; the others someone else's.
INVITED = {**work(403), "lead": 200, "agent": 200}

SCOPE = {"from": (date.today() - timedelta(days=7)).isoformat(), "to": date.today().isoformat()}
B = "/api/boards/{board_id}"

# (method, route path) -> (expected status per role, how to build the request)
MATRIX: dict[tuple[str, str], tuple[dict[str, int], Prep]] = {
    # --- people and tokens (not board-scoped) ---
    ("POST", "/api/users"): (
        {**anyone(403), "admin": 201},
        _new_user,
    ),
    ("GET", "/api/users"): (
        {**anyone(403), "admin": 200, "lead": 200},
        fixed("/api/users"),
    ),
    ("GET", "/api/users/me"): (anyone(200), fixed("/api/users/me")),
    # A person is visible to those who share a board with them (and to leads/admins).
    ("GET", "/api/users/{user_id}"): (read(), fixed("/api/users/{helper_id}")),
    # A bot's availability (its kill switch) and limit are its leads' to set.
    ("PATCH", "/api/users/{user_id}"): ({**anyone(200), "bot": 403}, _self_patch),
    ("POST", "/api/users/{user_id}/tokens"): (anyone(201), _self_token),
    ("DELETE", "/api/users/{user_id}/tokens/{token_id}"): (anyone(204), _self_revoke),
    ("POST", "/api/users/me/password"): ({**anyone(204), "bot": 403}, _own_password),
    ("POST", "/api/users/{user_id}/password"): (
        admin_only(204),
        _on_fresh_user("password", json={"new_password": "an-admin-chosen-one"}),
    ),
    ("POST", "/api/users/{user_id}/deactivate"): (admin_only(200), _on_fresh_user("deactivate")),
    ("POST", "/api/users/{user_id}/reactivate"): (admin_only(200), _on_fresh_user("reactivate")),
    # A new one-time link for someone who has no password yet (the old links stop working).
    ("POST", "/api/users/{user_id}/invitation"): (
        admin_only(201),
        _on_fresh_user("invitation"),
    ),
    # Suggestions come only from the people the caller sees (tests/auth/test_people_api.py).
    ("GET", "/api/skills"): (anyone(200), fixed("/api/skills")),
    # --- boards, members, columns, lanes ---
    ("POST", "/api/boards"): (
        {**anyone(403), "admin": 201, "lead": 201},
        fixed("/api/boards", json={"name": "Another", "columns": [{"name": "Only"}]}),
    ),
    ("GET", "/api/boards"): (anyone(200), fixed("/api/boards")),
    ("GET", B): (read(), fixed(B)),
    ("PATCH", B): (manage(200), fixed(B, json={"currency": "EUR"})),
    ("POST", B + "/members"): (manage(201), _add_member),
    ("DELETE", B + "/members/{user_id}"): (manage(204), _remove_member),
    ("PATCH", B + "/members/{user_id}"): (manage(200), _member_role),
    ("POST", B + "/columns"): (manage(201), fixed(B + "/columns", json={"name": "Extra"})),
    ("PATCH", "/api/columns/{column_id}"): (
        manage(200),
        fixed("/api/columns/{column_id}", json={"name": "Done"}),
    ),
    ("DELETE", "/api/columns/{column_id}"): (manage(204), _remove_column),
    ("POST", B + "/lanes"): (manage(201), fixed(B + "/lanes", json={"name": "Extra"})),
    ("DELETE", "/api/lanes/{lane_id}"): (manage(204), _remove_lane),
    ("PATCH", "/api/lanes/{lane_id}"): (
        manage(200),
        fixed("/api/lanes/{lane_id}", json={"name": "Standard"}),
    ),
    ("GET", B + "/events"): (read(), fixed(B + "/events")),
    # --- cards ---
    # --- AI agents' outcomes (app/agents) ---
    ("POST", "/api/cards/{card_id}/usage"): (
        work(201),
        fixed(
            "/api/cards/{card_id}/usage",
            json={"model": "m", "input_tokens": 10, "output_tokens": 5, "cost_usd": 0.01},
        ),
    ),
    ("GET", "/api/cards/{card_id}/usage"): (read(), fixed("/api/cards/{card_id}/usage")),
    ("POST", "/api/cards/{card_id}/resolve"): (work(200), _resolve),
    ("POST", B + "/pull"): (work(200), fixed(B + "/pull", json={"skills": []})),
    ("POST", B + "/cards"): (work(201), fixed(B + "/cards", json={"title": "New ticket"})),
    ("GET", B + "/cards"): (read(), fixed(B + "/cards", params={"q": "a", "assignee": "me"})),
    ("GET", "/api/cards/{card_id}"): (read(), fixed("/api/cards/{card_id}")),
    ("PATCH", "/api/cards/{card_id}"): (
        work(200),
        fixed("/api/cards/{card_id}", json={"description": "Smoke seen"}),
    ),
    ("POST", "/api/cards/{card_id}/move"): (work(200), _move),
    ("POST", "/api/cards/{card_id}/archive"): (work(200), _archive),
    ("POST", "/api/cards/{card_id}/restore"): (work(200), _restore),
    ("GET", "/api/cards/{card_id}/activity"): (read(), fixed("/api/cards/{card_id}/activity")),
    # --- tickets, interactions, links ---
    ("POST", B + "/tickets"): (work(201), _take_in),
    ("POST", "/api/cards/{card_id}/interactions"): (
        work(201),
        fixed(
            "/api/cards/{card_id}/interactions",
            json={"kind": "internal_note", "actor_kind": "user", "body": "Checked logs"},
        ),
    ),
    ("GET", "/api/cards/{card_id}/interactions"): (
        read(),
        fixed("/api/cards/{card_id}/interactions"),
    ),
    ("POST", "/api/cards/{card_id}/links"): (work(201), _link),
    ("DELETE", "/api/cards/{card_id}/links/{target_id}"): (work(204), _unlink),
    ("GET", "/api/cards/{card_id}/links"): (read(), fixed("/api/cards/{card_id}/links")),
    # --- comments ---
    ("POST", "/api/cards/{card_id}/comments"): (
        work(201),
        fixed("/api/cards/{card_id}/comments", json={"body": "Paper jam cleared"}),
    ),
    ("GET", "/api/cards/{card_id}/comments"): (read(), fixed("/api/cards/{card_id}/comments")),
    ("PATCH", "/api/comments/{comment_id}"): (
        _expect(
            {"admin": 403, "lead": 403, "agent": 200, "facilitator": 403, "viewer": 403}, bot=403
        ),
        _edit_comment,
    ),
    ("DELETE", "/api/comments/{comment_id}"): (manage(204), _delete_comment),
    # --- confirmation ---
    ("GET", "/api/cards/{card_id}/confirmation"): (
        read(),
        fixed("/api/cards/{confirmed_card_id}/confirmation"),
    ),
    ("POST", "/api/cards/{card_id}/survey"): (work(201), _survey),
    # --- evidence and insights ---
    ("POST", "/api/cards/{card_id}/evidence"): (
        work(201),
        fixed(
            "/api/cards/{card_id}/evidence",
            files={"file": ("screen.png", png(), "image/png")},
        ),
    ),
    ("GET", "/api/cards/{card_id}/evidence"): (read(), fixed("/api/cards/{card_id}/evidence")),
    ("GET", "/api/evidence/{evidence_id}/content"): (
        read(),
        fixed("/api/evidence/{evidence_id}/content"),
    ),
    ("DELETE", "/api/evidence/{evidence_id}"): (work(204), _delete_evidence),
    ("GET", "/api/cards/{card_id}/insight"): (read(), fixed("/api/cards/{card_id}/insight")),
    ("GET", B + "/insights"): (read(), fixed(B + "/insights")),
    # --- alerts and SLA policies ---
    ("GET", B + "/alerts"): (read(), fixed(B + "/alerts")),
    ("POST", "/api/alerts/{alert_id}/ack"): (work(200), _ack),
    ("POST", "/api/alerts/{alert_id}/resolve"): (work(200), _resolve_alert),
    ("GET", B + "/sla-policies"): (read(), fixed(B + "/sla-policies")),
    ("POST", B + "/sla-policies"): (
        manage(201),
        fixed(
            B + "/sla-policies",
            json={"name": "Urgent", "product": "authz-none", "frt_seconds": 600},
        ),
    ),
    ("PATCH", B + "/sla-policies/{policy_id}"): (
        manage(200),
        fixed(B + "/sla-policies/{policy_id}", json={"ttr_seconds": 86400}),
    ),
    ("DELETE", B + "/sla-policies/{policy_id}"): (manage(204), _delete_policy),
    # --- swarms and knowledge ---
    ("POST", "/api/cards/{card_id}/swarms"): (work(201), _request_swarm),
    ("GET", "/api/cards/{card_id}/swarms"): (read(), fixed("/api/cards/{card_id}/swarms")),
    ("GET", B + "/swarms"): (read(), fixed(B + "/swarms")),
    ("GET", "/api/swarms/needing-help"): (
        read(),
        fixed("/api/swarms/needing-help", params={"board_id": "{board_id}"}),
    ),
    ("GET", "/api/users/me/invitations"): (anyone(200), fixed("/api/users/me/invitations")),
    ("GET", "/api/swarms/{swarm_id}"): (read(), fixed("/api/swarms/{swarm_id}")),
    # Only the invited person answers (not even an admin answers for someone else).
    ("POST", "/api/swarms/{swarm_id}/invitations/{invitation_id}/accept"): (INVITED, _accept),
    ("POST", "/api/swarms/{swarm_id}/invitations/{invitation_id}/decline"): (INVITED, _decline),
    ("POST", "/api/swarms/{swarm_id}/join"): (work(200), _join),
    # Leaving needs having joined: facilitators and viewers never could (409 not-in-swarm).
    ("POST", "/api/swarms/{swarm_id}/leave"): (
        _expect({"admin": 200, "lead": 200, "agent": 200, "facilitator": 409, "viewer": 409}),
        _leave,
    ),
    # The admin asked for these swarms: only MANAGE (or requester/owner/member) ends them.
    ("POST", "/api/swarms/{swarm_id}/resolve"): (manage(200), _resolve_swarm),
    ("POST", "/api/swarms/{swarm_id}/cancel"): (manage(200), _cancel_swarm),
    ("POST", "/api/swarms/{swarm_id}/reopen"): (manage(200), _reopen_swarm),
    ("GET", "/api/knowledge"): (read(), fixed("/api/knowledge", params={"board_id": "{board_id}"})),
    ("GET", B + "/swarms/teams"): (read(), fixed(B + "/swarms/teams")),
    ("GET", B + "/contributions"): (read(), fixed(B + "/contributions")),
    # --- webhooks (owned by a person; creating one for a board needs MANAGE there) ---
    ("POST", "/api/webhooks"): (
        manage(201),
        fixed(
            "/api/webhooks",
            json={
                "url": HOOK_URL,
                "event_types": [QUIET_TYPE],
                "board_id": "{board_id}",
            },
        ),
    ),
    ("GET", "/api/webhooks"): (anyone(200), fixed("/api/webhooks")),
    ("GET", "/api/webhooks/{endpoint_id}"): (owner(200), fixed("/api/webhooks/{endpoint_id}")),
    ("PATCH", "/api/webhooks/{endpoint_id}"): (
        owner(200),
        fixed("/api/webhooks/{endpoint_id}", json={"description": "Ops"}),
    ),
    ("DELETE", "/api/webhooks/{endpoint_id}"): (owner(204), _delete_endpoint),
    ("POST", "/api/webhooks/{endpoint_id}/rotate-secret"): (
        owner(200),
        fixed("/api/webhooks/{endpoint_id}/rotate-secret"),
    ),
    ("POST", "/api/webhooks/{endpoint_id}/ping"): (
        owner(202),
        fixed("/api/webhooks/{endpoint_id}/ping"),
    ),
    ("GET", "/api/webhooks/{endpoint_id}/deliveries"): (
        owner(200),
        fixed("/api/webhooks/{endpoint_id}/deliveries"),
    ),
    ("GET", "/api/webhooks/{endpoint_id}/deliveries/{delivery_id}"): (
        owner(200),
        fixed("/api/webhooks/{endpoint_id}/deliveries/{delivery_id}"),
    ),
    ("POST", "/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): (
        owner(202),
        fixed("/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"),
    ),
    # --- metrics, forecasts and exports ---
    ("GET", B + "/metrics/flow"): (read(), fixed(B + "/metrics/flow", params=SCOPE)),
    ("GET", B + "/metrics/forecast/how-many"): (
        read(),
        fixed(B + "/metrics/forecast/how-many", params={**SCOPE, "until": _future(), "seed": 1}),
    ),
    ("GET", B + "/metrics/forecast/when"): (
        read(),
        fixed(B + "/metrics/forecast/when", params={**SCOPE, "items": 5, "seed": 1}),
    ),
    ("GET", B + "/metrics/support"): (read(), fixed(B + "/metrics/support", params=SCOPE)),
    ("GET", B + "/metrics/swarms"): (read(), fixed(B + "/metrics/swarms", params=SCOPE)),
    ("GET", B + "/export/actionable-agile.csv"): (
        read(),
        fixed(B + "/export/actionable-agile.csv", params=SCOPE),
    ),
    ("GET", B + "/export/cards.ndjson"): (read(), fixed(B + "/export/cards.ndjson", params=SCOPE)),
    ("GET", B + "/export/events.csv"): (read(), fixed(B + "/export/events.csv", params=SCOPE)),
}

WEBSOCKET = "/ws/boards/{board_id}"
# A refused websocket is closed before it is accepted (4401 anonymous, 4404 non-member),
# which the server answers as HTTP 403 at the handshake; members get the 101 upgrade.
# 101: streams the log; otherwise the close code (4404 not a member, 4401 no credentials).
WS_EXPECT = {
    **dict.fromkeys(MEMBER_ROLES, 101),
    "bot": 101,
    "nonmember": 4404,
    "removed": 4404,
    "anonymous": 4401,
}

# Routes outside the matrix, and why.
NOT_BOARD_SCOPED = {
    "/": "page: redirects to the board list or the login page",
    "/login": "page: sign-in form",
    "/mcp": "the MCP server: the API's bearer tokens and services (tests/agents/test_mcp_*)",
    "/logout": "page: ends the session",
    "/boards": "page: lists your boards through the same service as GET /api/boards",
    "/boards/{board_id}": "page: the board (session-cookie tests in tests/web)",
    "/boards/{board_id}/fragment": "page: the board's live fragment (tests/web)",
    "/boards/{board_id}/insights": "page: insights (tests/web)",
    "/boards/{board_id}/retro": "page: retro (tests/web)",
    "/boards/{board_id}/settings": "page: board settings, leads and admins (tests/web)",
    "/boards/{board_id}/settings/fragment": "page: one settings section (tests/web)",
    "/people": "page: the people you see, through the same service as GET /api/users",
    "/people/{user_id}/fragment": "page: one person's card (tests/web/test_people_page.py)",
    "/invite/{token}": "an invitation link: authorised by its one-time token, no session",
    "/webhooks": "page: your webhooks (tests/web)",
    "/webhooks/{endpoint_id}/fragment": "page: one webhook's fragment (tests/web)",
    "/webhooks/{endpoint_id}/rows": "page: one webhook's delivery rows (tests/web)",
    "/c/{token}": "the customer's confirmation link: authorised by its token, no account",
    "/healthz": "liveness probe, no data",
    "/readyz": "readiness probe, no data",
    "/docs": "OpenAPI UI",
    "/docs/assets": "OpenAPI UI: Swagger UI's packaged files and its start-up script",
    "/openapi.json": "the API description",
    "/static": "static assets",
    "/metrics": "Prometheus exposition (app/ops): its own metrics token, process-wide counts",
}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every route with its full path, through included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        else:
            # path_format drops convertors: /users/{user_id:int} is /users/{user_id}.
            yield prefix + (route.path_format if isinstance(route, APIRoute) else route.path), route


def test_every_route_has_an_entry(app: Any) -> None:
    api: set[tuple[str, str]] = set()
    sockets: set[str] = set()
    unlisted: list[str] = []
    for path, route in _walk(app.routes):
        if isinstance(route, APIRoute) and path.startswith("/api"):
            api |= {(m, path) for m in route.methods}
        elif isinstance(route, APIWebSocketRoute):
            sockets.add(path)
        elif path not in NOT_BOARD_SCOPED:
            unlisted.append(path)
    assert sorted(api - MATRIX.keys()) == [], "API routes without an authorization entry"
    assert sorted(MATRIX.keys() - api) == [], "entries for routes that no longer exist"
    assert sockets == {WEBSOCKET}, "websocket routes without an authorization entry"
    assert unlisted == [], "routes neither in the matrix nor in NOT_BOARD_SCOPED"


@pytest.fixture
async def world(app: Any, client: httpx.AsyncClient, as_user: Any) -> AsyncIterator[World]:
    w = await build_world(app, client, as_user)
    yield w
    # Its endpoint (at 127.0.0.1:9, where nothing listens) goes with its pings, so the
    # session's relay does not keep retrying them through the tests that follow.
    gone = await client.delete(f"/api/webhooks/{w.endpoint_id}")
    assert gone.status_code == 204, gone.text


def _fill(value: Any, w: World) -> Any:
    if isinstance(value, str) and value == "{board_id}":
        return w.board_id
    if isinstance(value, dict):
        return {k: _fill(v, w) for k, v in value.items()}
    return value


async def test_authorization_matrix(world: World, as_user: Any) -> None:
    clients = {role: as_user(world.tokens[role]) for role in ROLES}
    secret = world.board["name"]
    wrong: list[str] = []
    leaks: list[str] = []
    for (method, route), (expected, prep) in MATRIX.items():
        assert set(expected) == set(ROLES), route
        for role in ROLES:
            call = await prep(world, role)
            r = await clients[role].request(
                method,
                call.path,
                json=_fill(call.json, world),
                files=call.files,
                headers=call.headers,
                params=_fill(call.params, world),
            )
            if r.status_code != expected[role]:
                wrong.append(
                    f"{method} {route} as {role}: got {r.status_code}, "
                    f"expected {expected[role]}: {r.text[:160]}"
                )
            outside = role in ("nonmember", "removed", "anonymous")
            if outside and r.status_code >= 400 and secret in r.text:
                leaks.append(f"{method} {route} as {role} shows the board's name")
    assert not leaks, "\n".join(leaks)
    assert not wrong, f"{len(wrong)} of {len(MATRIX) * len(ROLES)} cells differ:\n" + "\n".join(
        wrong
    )


@pytest.fixture(scope="module")
def server(settings: Any, app: Any) -> Iterator[LiveServer]:
    live = LiveServer(settings.database_url, SWARMBOARD_WEBHOOK_RELAY="off")
    yield live
    live.stop()


async def test_websocket_matrix(world: World, server: LiveServer) -> None:
    got: dict[str, int] = {}
    for role in ROLES:
        token = world.tokens[role]
        try:
            if token is None:
                opened = connect(
                    f"{server.ws_url}/ws/boards/{world.board_id}?since=0",
                    open_timeout=10,
                    close_timeout=0.2,
                )
            else:
                opened = ws_connect(server.ws_url, world.board_id, token=token, close_timeout=0.2)
            async with opened as ws:
                first = json.loads(await ws.recv())
                assert first["seq"] == 1 and first["type"] == "board.created"
                got[role] = 101
        except InvalidStatus as refused:
            got[role] = refused.response.status_code
        except ConnectionClosed as closed:  # refused after the handshake, with a close code
            got[role] = closed.rcvd.code if closed.rcvd else 1006
    assert got == WS_EXPECT
