"""A realistic support board for the page-wide checks (accessibility audit, date format).

One board with lanes, long titles, blocked cards, an open and a resolved swarm, active
alerts (one acknowledged, one from a customer's "no"), complete insights, finished cards
with history for the retro, a customer link still waiting for its answer, and two webhook
endpoints (one disabled after failing, one with a rotated secret) with a delivery log.

Everything goes through the API of the live server, except what no API can do: the past
(a card's history moved back in time), alerts the scan would raise hours from now, and
webhook deliveries and attempts the relay would have recorded. Those are written to the
shared database directly, for this board only (a scan would touch every test's boards).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from app.alerts import repository as alert_repository
from app.core.config import Settings
from app.core.db import Database
from app.core.models import utcnow
from app.webhooks.repository import attempts, deliveries, endpoints
from tests.alerts.helpers import age_card
from tests.browser.conftest import Person
from tests.factories import create_board

DAY = 86_400.0
COLUMNS: list[dict[str, Any]] = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active", "wip_limit": 8},
    {"name": "Waiting on customer", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]
LANES: list[dict[str, Any]] = [{"name": "Enterprise", "wip_limit": 12}, {"name": "Self-serve"}]
LONG = (
    "Customer on the Enterprise annual plan reports that invoice PDFs generated after the "
    "November price change show the old VAT rate for Austrian and Belgian entities, and the "
    "totals no longer match what the payment provider charged"
)
TITLES = [
    LONG,
    "Card declined although the bank approved the charge and the customer sees it pending",
    "SSO login loops back to the sign-in page for accounts with more than one workspace",
    "CSV export misses the last day of the month when the account's time zone is ahead of UTC",
    "Password reset mail lands in spam for Outlook.com addresses since the DKIM key rotation",
    "Mobile app crashes on the attachments tab when a ticket has more than fifty files",
]
HOOK_DOWN = "https://hooks.example.com/swarmboard/escalations"
HOOK_OK = "https://ops.example.com/webhooks/swarmboard"


@dataclass
class World:
    board: dict[str, Any]
    col: dict[str, int]
    cards: dict[str, int] = field(default_factory=dict)
    confirm_url: str = ""  # a customer link still waiting for its answer
    endpoints: dict[str, int] = field(default_factory=dict)


async def _ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    assert r.status_code in (codes or (200, 201)), r.text
    return dict(r.json()) if r.content else {}


def _as(person: Person, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {person.token}"}, timeout=15
    )


async def _card(api: httpx.AsyncClient, board_id: int, **fields: Any) -> int:
    return int((await _ok(await api.post(f"/api/boards/{board_id}/cards", json=fields)))["id"])


async def _move(api: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    await _ok(await api.post(f"/api/cards/{card_id}/move", json={"column_id": column_id}))


def _alerts(session: Session, board_id: int, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        alert_repository.insert_alert(session, {"board_id": board_id, "state": "open", **row})


def _webhook_log(session: Session, down: int, ok: int) -> None:
    now = utcnow()
    session.execute(
        update(endpoints)
        .where(endpoints.c.id == down)
        .values(
            enabled=False,
            failing_since=now - timedelta(days=3, hours=2),
            disabled_reason=(
                "Every delivery failed for 3 days (last: HTTP 503 Service Unavailable)."
            ),
        )
    )
    rows = [
        (down, "succeeded", 200, 4 * DAY),
        (down, "dead", 503, 3 * DAY),
        (down, "dead", 503, 2 * DAY),
        (ok, "succeeded", 200, 3600),
        (ok, "failed", 500, 900),
        (ok, "succeeded", 204, 120),
    ]
    for i, (endpoint_id, state, status, ago) in enumerate(rows):
        at = now - timedelta(seconds=ago)
        body = {"type": "card.moved", "data": {"card_id": 1000 + i, "column_id": 7}}
        delivery = session.execute(
            insert(deliveries).returning(deliveries.c.id),
            {
                "endpoint_id": endpoint_id,
                "event_id": f"evt_{uuid.uuid4().hex[:20]}",
                "event_type": "card.moved",
                "body": json.dumps(body),
                "state": state,
                "attempts": 1 if state == "succeeded" else 3,
                # A failed delivery waits an hour for its next try (the relay leaves it).
                "next_attempt_at": now + timedelta(hours=1) if state == "failed" else None,
                "last_status": status,
                "last_latency_ms": 180 + 37 * i,
                "last_error": None if status < 300 else f"HTTP {status}",
                "created_at": at,
                "updated_at": at,
            },
        ).scalar_one()
        session.execute(
            insert(attempts),
            {
                "delivery_id": delivery,
                "attempted_at": at + timedelta(seconds=2),
                "status_code": status,
                "latency_ms": 180 + 37 * i,
                "response_body": "ok" if status < 300 else "upstream unavailable",
                "error": None,
            },
        )


async def build(
    api: httpx.AsyncClient, people: dict[str, Person], settings: Settings, base_url: str
) -> World:
    """Build the board (the lead leads it, the agent works on it) and its surroundings."""
    board = await create_board(
        api, columns=COLUMNS, lanes=LANES, name=f"Payments & Billing support {uuid.uuid4().hex[:4]}"
    )
    bid = int(board["id"])
    for key, role in (("lead", "lead"), ("agent", "agent")):
        await _ok(
            await api.post(
                f"/api/boards/{bid}/members", json={"user_id": people[key].id, "role": role}
            )
        )
    col = {c["name"]: int(c["id"]) for c in board["columns"]}
    lanes = [int(lane["id"]) for lane in board["lanes"]]
    world = World(board=board, col=col)
    db = Database(settings)
    db.start()
    try:
        await _fill(world, api, people, db, bid, col, lanes)
        # For the settings page: an SLA policy that matches none of the cards above, so
        # no scan raises an alert the board page's audit does not expect.
        await _ok(
            await api.post(
                f"/api/boards/{bid}/sla-policies",
                json={
                    "name": "Bot hand-offs",
                    "channel": "bot",
                    "product": "Kiosk",
                    "frt_seconds": 600,
                },
            ),
            201,
        )
        await _webhooks(world, people, db, base_url)
    finally:
        await db.dispose()
    return world


async def _fill(
    world: World,
    api: httpx.AsyncClient,
    people: dict[str, Person],
    db: Database,
    bid: int,
    col: dict[str, int],
    lanes: list[int],
) -> None:
    holder = SimpleNamespace(state=SimpleNamespace(db=db))
    lead, agent = people["lead"], people["agent"]
    common = {"lane_id": lanes[0], "owner_id": agent.id}
    # History for the retro: cards finished over the last days, some confirmed solved.
    for n in range(6):
        card = await _card(
            api,
            bid,
            title=f"{TITLES[n % len(TITLES)]} (follow-up {n + 1})",
            column_id=col["Triage"],
            channel=("chat", "email", "web")[n % 3],
            product=("Billing", "Login")[n % 2],
            lane_id=lanes[n % 2],
        )
        await _move(api, card, col["Investigating"])
        await age_card(holder, card, (n + 1) * DAY * 0.9)
        await _move(api, card, col["Resolved"])
        if n in (1, 4):
            await _ok(await api.post(f"/api/cards/{card}/survey", json={"solved": True, "csat": 5}))
        await age_card(holder, card, (n % 4) * DAY)
    # The work in progress.
    long = await _card(
        api,
        bid,
        title=LONG,
        column_id=col["Investigating"],
        priority="high",
        channel="email",
        product="Billing",
        **common,
    )
    blocked = await _card(
        api,
        bid,
        title=TITLES[1],
        column_id=col["Investigating"],
        priority="urgent",
        channel="call",
        product="Payments",
        **common,
    )
    await _ok(
        await api.patch(
            f"/api/cards/{blocked}",
            json={
                "blocked": True,
                "blocked_reason": "Waiting for the acquiring bank to confirm the auth codes",
            },
        )
    )
    swarmed = await _card(
        api,
        bid,
        title=TITLES[2],
        column_id=col["Investigating"],
        priority="high",
        channel="chat",
        product="Login",
        lane_id=lanes[1],
    )
    await _ok(
        await api.post(
            f"/api/cards/{swarmed}/swarms",
            json={
                "skills": ["SAML", "Identity providers"],
                "question": "Why does the IdP send people back to our sign-in page?",
                "tried": "Cleared cookies, re-uploaded the IdP metadata, compared the ACS URLs",
            },
        )
    )
    waiting = await _card(
        api,
        bid,
        title=TITLES[3],
        column_id=col["Waiting on customer"],
        channel="web",
        product="Exports",
        lane_id=lanes[1],
    )
    await _card(api, bid, title=TITLES[4], column_id=col["Triage"], channel="email")
    await _card(
        api, bid, title=TITLES[5], column_id=col["Triage"], channel="chat", product="Mobile"
    )
    for card in (long, blocked, swarmed, waiting):
        await age_card(holder, card, 2 * DAY)
    # A past swarm, resolved, on the long card; insights on two cards.
    past = await _ok(
        await api.post(
            f"/api/cards/{long}/swarms",
            json={
                "skills": ["Tax"],
                "question": "Which VAT rate applies to Austrian entities?",
                "tried": "Checked the tax table of the billing provider",
            },
        )
    )
    await _ok(
        await api.post(
            f"/api/swarms/{past['id']}/resolve",
            json={
                "outcome": "The November rate table was never deployed to the invoice service",
                "knowledge": "Invoice rates come from the billing service's own table.",
            },
        )
    )
    for card, team in ((long, "Billing platform"), (blocked, "Payments")):
        await _ok(
            await api.patch(
                f"/api/cards/{card}",
                json={
                    "problem_statement": "Invoices show totals that differ from the charge",
                    "suggested_fix": "Read VAT rates from one table; check totals",
                    "impact_per_month": 4200.0,
                    "effort_hours": 24.0,
                    "owner_team": team,
                },
            )
        )
    # Customers: one says it is not solved (the card comes back with an alert), one has
    # a link still waiting for an answer.
    rejected = await _card(
        api,
        bid,
        title=TITLES[4] + " (second report)",
        column_id=col["Investigating"],
        channel="email",
    )
    await _move(api, rejected, col["Resolved"])
    link = (await _ok(await api.get(f"/api/cards/{rejected}/confirmation")))["url"]
    async with httpx.AsyncClient(timeout=15) as customer:
        answer = {"solved": "no", "csat": "2", "ces": "", "nps": "", "comment": "Still in spam."}
        r = await customer.post(link, data=answer)
        assert r.status_code in (200, 303), r.text
    pending = await _card(api, bid, title=TITLES[5] + " (iPad)", column_id=col["Investigating"])
    await _move(api, pending, col["Resolved"])
    world.confirm_url = (await _ok(await api.get(f"/api/cards/{pending}/confirmation")))["url"]
    # Alerts the scan would raise hours from now: this board's only.
    now = utcnow()
    await db.write(
        _alerts,
        bid,
        [
            {
                "subject": f"card:{blocked}",
                "card_id": blocked,
                "kind": "blocked",
                "raised_at": now - timedelta(minutes=47),
                "data": {"threshold_seconds": 14400, "measured_seconds": 17220},
            },
            {
                "subject": f"card:{long}",
                "card_id": long,
                "column_id": col["Investigating"],
                "kind": "stalled",
                "raised_at": now - timedelta(hours=3, minutes=5),
                "data": {"threshold_seconds": 86400, "measured_seconds": 172800},
            },
        ],
    )
    active = (await _ok(await api.get(f"/api/boards/{bid}/alerts")))["alerts"]
    stalled = next(a for a in active if a["kind"] == "stalled")
    async with _as(lead, str(api.base_url)) as as_lead:
        await _ok(await as_lead.post(f"/api/alerts/{stalled['id']}/ack"))
    world.cards = {
        "long": long,
        "blocked": blocked,
        "swarmed": swarmed,
        "waiting": waiting,
        "rejected": rejected,
        "pending": pending,
    }


async def _webhooks(world: World, people: dict[str, Person], db: Database, base_url: str) -> None:
    """Two endpoints of the lead's: one disabled after days of failures, one whose secret
    was just rotated; their delivery logs with an attempt each."""
    bid = int(world.board["id"])
    async with _as(people["lead"], base_url) as lead:
        down = await _ok(
            await lead.post(
                "/api/webhooks",
                json={
                    "url": HOOK_DOWN,
                    "event_types": ["alert.raised"],
                    "board_id": bid,
                    "description": "Escalations to the on-call channel",
                },
            )
        )
        ok = await _ok(
            await lead.post(
                "/api/webhooks",
                json={
                    "url": HOOK_OK,
                    "event_types": ["swarm.resolved"],
                    "board_id": bid,
                    "description": "Operations dashboard",
                },
            )
        )
        await _ok(await lead.post(f"/api/webhooks/{ok['id']}/rotate-secret"))
    await db.write(_webhook_log, int(down["id"]), int(ok["id"]))
    world.endpoints = {"down": int(down["id"]), "ok": int(ok["id"])}


async def forget(api: httpx.AsyncClient, world: World) -> None:
    """Delete the world's endpoints (nothing should try to reach them later)."""
    for eid in world.endpoints.values():
        assert (await api.delete(f"/api/webhooks/{eid}")).status_code in (204, 404)
