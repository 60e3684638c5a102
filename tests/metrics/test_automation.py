"""The "Automation" section of GET /api/boards/{id}/metrics/support: bots' resolutions
by the customer's real answer (through the confirmation link), hand-overs and what
followed them, and the cost per confirmed resolution of bots and of people."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN
from tests.factories import create_board, create_card
from tests.metrics.automation_helpers import automation, ok, scenario

HOURLY = 90.0


@pytest.fixture
async def costed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client of an app on the same database with SWARMBOARD_STAFF_HOURLY_COST set."""
    application = create_app(settings.model_copy(update={"staff_hourly_cost": HOURLY}))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as c,
    ):
        yield c


async def test_bots_are_measured_by_what_the_customer_confirmed(client, as_user, app, costed):
    board_id, _ = await scenario(client, as_user, app)

    auto = await automation(client, board_id)

    assert {k: auto[k] for k in ("bot_cards_worked", "bot_resolutions")} == {
        "bot_cards_worked": 4,
        "bot_resolutions": 3,
    }
    assert (auto["confirmed"], auto["assumed"], auto["rejected"]) == (1, 1, 1)
    assert (auto["awaiting"], auto["withdrawn"]) == (0, 0)
    assert auto["confirmed_rate"] == 0.25
    assert auto["assumed_rate"] == 0.5
    assert (auto["handovers"], auto["handover_rate"]) == (1, 0.25)
    assert auto["bot_cost_usd"] == 0.6
    assert (auto["bot_input_tokens"], auto["bot_output_tokens"]) == (3000, 300)
    assert auto["cost_per_confirmed_resolution_usd"] == 0.6
    assert (auto["people_resolutions"], auto["people_confirmed"]) == (2, 1)
    assert auto["people_handling_seconds"] == 1800.0
    assert auto["people_cost_usd"] is None
    assert auto["people_cost_per_confirmed_resolution_usd"] is None
    assert auto["staff_hourly_cost"] is None
    assert auto["assumed_definition"] == "no reply within 24 hours counts as resolved"
    chat, email = auto["by_channel"]["chat"], auto["by_channel"]["email"]
    assert (chat["bot_cards_worked"], chat["confirmed"], chat["assumed"]) == (3, 1, 1)
    assert (chat["rejected"], chat["handovers"], chat["bot_cost_usd"]) == (0, 1, 0.4)
    assert chat["confirmed_rate"] == round(1 / 3, 4)
    assert (email["bot_cards_worked"], email["rejected"], email["confirmed_rate"]) == (1, 1, 0.0)
    assert email["cost_per_confirmed_resolution_usd"] is None
    billing, sso = auto["by_product"]["Billing"], auto["by_product"]["SSO"]
    assert (billing["confirmed"], billing["rejected"], billing["bot_cost_usd"]) == (1, 1, 0.5)
    assert billing["cost_per_confirmed_resolution_usd"] == 0.5
    assert (sso["assumed"], sso["handovers"], sso["handover_rate"]) == (1, 1, 0.5)
    follow = auto["handover_followup"]
    assert (follow["handovers"], follow["swarms_ended"], follow["swarms_open"]) == (1, 1, 0)
    assert follow["swarm_cycle_seconds"]["count"] == 1
    assert follow["swarm_cycle_seconds"]["median"] >= 0
    assert (follow["customer_confirmed"], follow["customer_unanswered"]) == (1, 0)
    assert follow["customer_confirmed_rate"] == 1.0

    priced = await automation(costed, board_id)
    assert priced["staff_hourly_cost"] == HOURLY
    assert priced["people_cost_usd"] == 45.0
    assert priced["people_cost_per_confirmed_resolution_usd"] == 45.0
    assert priced["by_channel"]["chat"]["people_cost_per_confirmed_resolution_usd"] == 45.0
    assert priced["by_channel"]["email"]["people_cost_usd"] == 0.0

    emailed = await automation(client, board_id, channel="email")
    assert (emailed["bot_cards_worked"], emailed["rejected"], emailed["confirmed"]) == (1, 1, 0)
    assert emailed["bot_cost_usd"] == 0.2 and emailed["handovers"] == 0
    before = await automation(client, board_id, **{"from": "2020-01-01", "to": "2020-01-31"})
    assert (before["bot_cards_worked"], before["bot_resolutions"]) == (0, 0)
    assert before["confirmed_rate"] is None and before["bot_cost_usd"] == 0.0


async def test_a_board_no_bot_worked_has_an_empty_automation_section(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    resolved = next(c["id"] for c in board["columns"] if c["stage"] == "done")
    await ok(await client.post(f"/api/cards/{card['id']}/move", json={"column_id": resolved}))

    auto = await automation(client, board["id"])

    assert (auto["bot_cards_worked"], auto["bot_resolutions"], auto["handovers"]) == (0, 0, 0)
    assert auto["confirmed_rate"] is None and auto["handover_rate"] is None
    assert auto["people_resolutions"] == 1 and auto["by_channel"]["none"]["bot_cards_worked"] == 0
