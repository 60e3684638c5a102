"""The demo's 90 days of history (app/demo_history.py): what a person trying
`swarmboard serve --demo` sees in the metrics, the retro and the exports, and that the
past is the same on every fresh database."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import service as auth_service
from app.board.repository import cards
from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.core.models import table_of
from app.demo import DEMO_LOGIN, DEMO_PASSWORD, seed_demo
from app.events.models import BoardEvent
from tests.cli import demo_server
from tests.conftest import empty_database

events = table_of(BoardEvent)


def _sign_in(web: httpx.Client) -> None:
    """Sign the demo's lead in through the login form."""
    form = web.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    done = web.post(
        "/login",
        data={"email": DEMO_LOGIN, "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert done.status_code == 303, done.text


def test_the_demo_shows_ninety_days_of_flow_in_metrics_exports_and_retro(tmp_path: Path):
    with demo_server(tmp_path) as demo:
        headers = {"Authorization": f"Bearer {demo.printed('Admin token')}"}
        with httpx.Client(base_url=demo.base_url, headers=headers, timeout=60) as api:
            (board,) = api.get("/api/boards").json()["boards"]
            today = datetime.now(UTC).date()
            period = {"from": str(today - timedelta(days=89)), "to": str(today)}
            flow = api.get(f"/api/boards/{board['id']}/metrics/flow", params=period).json()
            forecast = api.get(
                f"/api/boards/{board['id']}/metrics/forecast/how-many",
                params={**period, "until": str(today + timedelta(days=14))},
            ).json()
            export = api.get(
                f"/api/boards/{board['id']}/export/actionable-agile.csv", params=period
            )
            detail = api.get(f"/api/boards/{board['id']}").json()
        with httpx.Client(base_url=demo.base_url, timeout=30) as web:
            _sign_in(web)
            retro = web.get(f"/boards/{board['id']}/retro")
    finished = flow["throughput"]["total"]
    assert finished >= 300
    assert flow["cycle_time"]["count"] == finished
    assert flow["cycle_time"]["p85"] > 24  # hours
    assert forecast["p85"] > 0
    # Mondays are busier than weekends.
    arrivals = [d for d in flow["throughput"]["per_day"] if date.fromisoformat(d["date"]) < today]
    weekday = [d["count"] for d in arrivals if date.fromisoformat(d["date"]).weekday() < 5]
    weekend = [d["count"] for d in arrivals if date.fromisoformat(d["date"]).weekday() >= 5]
    assert sum(weekday) / len(weekday) > 2 * sum(weekend) / len(weekend)
    # One ActionableAgile row per finished card, its stage dates never going backwards.
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    names = [c["name"] for c in detail["columns"]]
    head = rows[0]
    stages = [head.index(n) for n in names]
    done_rows = [r for r in rows[1:] if r[stages[-1]]]
    assert len(done_rows) == finished
    for row in rows[1:]:
        dates = [row[i] for i in stages if row[i]]
        assert dates == sorted(dates), row
    # The live board stays readable: old finished cards were archived.
    resolved = next(c for c in detail["columns"] if c["name"] == "Resolved")
    assert 0 < resolved["card_count"] <= 25
    assert retro.status_code == 200
    # The retro (its default last 30 days) has a forecast, blocked time and column times.
    p85 = re.search(r'data-level="p85" data-value="(\d+)"', retro.text)
    assert p85 is not None and int(p85.group(1)) > 0
    assert "at least 0 cards" not in retro.text
    assert "No card was blocked in this range." not in retro.text
    assert "No card spent time in a column in this range." not in retro.text


def _seed(url: str, now: datetime) -> dict[str, Any]:
    """Seed the demo twice on a fresh database; what it wrote, and what the second did."""
    upgrade_to_head(url)
    db = Database(Settings(database_url=url, environment="test", secret_key="x" * 32))

    def snapshot(session: Session) -> dict[str, Any]:
        titles = session.execute(select(cards.c.title).order_by(cards.c.id)).scalars().all()
        archived = session.execute(select(cards.c.id).where(cards.c.archived_at.is_not(None))).all()
        rows = session.execute(select(events.c.type, events.c.at).order_by(events.c.seq)).all()
        return {
            "titles": list(titles),
            "archived": len(archived),
            "types": [r.type for r in rows],
            "ats": [r.at for r in rows],
        }

    async def go() -> dict[str, Any]:
        db.start()
        try:
            admin = await db.write(auth_service.ensure_admin_token, token="t" * 40, name="d")
            admin_id = admin.id
            assert admin_id is not None
            board = await db.write(seed_demo, admin_id=admin_id, now=now)
            first = await db.read(snapshot)
            again = await db.write(seed_demo, admin_id=admin_id, now=now)
            assert again == board
            return {**first, "after_second_start": await db.read(snapshot)}
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_the_demo_history_is_the_same_on_every_fresh_database(
    database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with empty_database(database_url, tmp_path, "sb_demo_a") as url:
        one = _seed(url, now)
    with empty_database(database_url, tmp_path, "sb_demo_b") as url:
        two = _seed(url, now)
    assert one["titles"] == two["titles"] and len(one["titles"]) > 300
    assert one["types"] == two["types"]
    assert one["archived"] == two["archived"] > 0
    # A second start finds the board and writes nothing.
    assert one["after_second_start"] == {k: v for k, v in one.items() if k != "after_second_start"}
    # The log is written in time order, back to three months ago.
    ats = one["ats"]
    assert ats == sorted(ats)
    assert ats[0] < now - timedelta(days=89)
    for kind in (
        "card.reopened",
        "card.archived",
        "swarm.resolved",
        "wip.overridden",
        "interaction.recorded",
        "customer.confirmed",
        "customer.rejected",
    ):
        assert kind in one["types"], kind
