"""Subscriptions name event types that exist: one registry (app/events/types.py) that
every appended type is in, that the API enforces and shows, and that the guide describes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo import seed_demo
from app.events.models import BoardEvent
from app.events.types import EVENT_TYPES, subscribable
from app.main import create_app
from tests.factories import create_board
from tests.webhooks.helpers import PROBLEM, Quiet, subscribe

ROOT = Path(__file__).resolve().parents[2]
URL = "http://127.0.0.1:9/hook"
_DOTTED = re.compile(r"^[a-z_]+\.[a-z_]+$")
# Dotted string literals in app/ that are not event types: loggers, config keys, ASGI
# message types, scheduler jobs, and webhook.ping (sent by Ping only, never in a board's
# log). A new event type appended as a literal is not under these, so the scan below
# finds it missing from the registry.
NOT_EVENT_PREFIXES = {
    "alerts",
    "app",  # module names, e.g. a package's static files
    "apscheduler",
    "http",
    "sqlalchemy",
    "swarmboard",
    "uvicorn",
    "webhook",
    "websocket",
}
_NOT_EVENT_SUFFIXES = (".html", ".csv", ".ndjson", ".id")


async def test_a_subscription_to_an_event_type_that_does_not_exist_is_a_422(client):
    board = await create_board(client)
    before = (await client.get("/api/webhooks")).json()["total"]
    for types in (["card.teleported"], ["card.moved", "card.teleported"], ["teleport.*"]):
        r = await client.post(
            "/api/webhooks", json={"url": URL, "event_types": types, "board_id": board["id"]}
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == PROBLEM
        problem = r.json()
        assert problem["type"].endswith("/unknown-event-type")
        assert types[-1] in problem["detail"]
        assert "card.moved" in problem["detail"] and "swarm.requested" in problem["detail"]
        assert problem["valid_event_types"] == list(subscribable())
        assert [e["field"] for e in problem["errors"]] == ["event_types"]
    assert (await client.get("/api/webhooks")).json()["total"] == before  # nothing written


async def test_changing_a_subscription_to_an_unknown_type_is_refused(client):
    board = await create_board(client)
    hook = await subscribe(client, URL, ["board.created"], board["id"])
    r = await client.patch(f"/api/webhooks/{hook['id']}", json={"event_types": ["card.teleported"]})
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/unknown-event-type")
    got = await client.get(f"/api/webhooks/{hook['id']}")
    assert got.json()["event_types"] == ["board.created"]


async def test_known_types_prefixes_and_star_are_accepted(client):
    board = await create_board(client)
    types = ["card.moved", "card.*", "alert.raised", "access.changed", "swarm.*", "*"]
    hook = await subscribe(client, URL, types, board["id"])
    assert hook["event_types"] == types


def test_the_openapi_schema_lists_the_allowed_event_types(settings):
    schemas = create_app(settings).openapi()["components"]["schemas"]
    for name in ("EndpointCreate", "EndpointUpdate"):
        prop = schemas[name]["properties"]["event_types"]
        items = prop["items"] if "items" in prop else prop["anyOf"][0]["items"]
        assert items["enum"] == list(subscribable()), name


def _literal_event_types() -> dict[str, str]:
    """Every dotted string literal in app/ that looks like an event type, with a file."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            value = node.value
            if not _DOTTED.match(value) or value.split(".")[0] in NOT_EVENT_PREFIXES:
                continue
            if value.endswith(_NOT_EVENT_SUFFIXES) or len(value.split(".")[0]) == 1:
                continue  # a template, a file name, a foreign key, a "c.column" alias
            found.setdefault(value, str(path.relative_to(ROOT)))
    return found


def test_every_event_type_the_code_appends_is_in_the_registry():
    literals = _literal_event_types()
    missing = {t: where for t, where in literals.items() if t not in EVENT_TYPES}
    assert missing == {}, "add these to app/events/types.py (or to NOT_EVENTS here)"
    # and the registry holds no type the code never appends (two are built as f-strings)
    assert set(EVENT_TYPES) - set(literals) <= {"lane.updated"}


def _demo_types(session: Session, board_id: int) -> set[str]:
    rows = session.execute(
        select(BoardEvent.type).where(BoardEvent.board_id == board_id).distinct()  # type: ignore[arg-type]
    )
    return {str(t) for t in rows.scalars()}


async def test_every_event_the_demo_seeding_appends_is_in_the_registry(quiet: Quiet):
    me = (await quiet.client.get("/api/users/me")).json()
    board_id = await quiet.app.state.db.write(seed_demo, admin_id=me["id"])
    seen = await quiet.app.state.db.read(_demo_types, board_id)
    assert len(seen) > 5
    assert seen <= set(EVENT_TYPES)


def test_the_webhook_guide_describes_every_event_type():
    guide = (ROOT / "docs" / "webhooks.md").read_text()
    table = guide.split("## Event types", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", table))
    assert documented - {"webhook.ping"} == set(EVENT_TYPES)
