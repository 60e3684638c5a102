"""The Retro page's "Automation" section: the confirmed automated resolution rate first,
the assumed rate beside Fin's definition, hand-overs and what followed, and the cost per
confirmed resolution per channel and product; every figure as the API reports it."""

from __future__ import annotations

from typing import Any

from app.web.retro_automation import money
from tests import factories
from tests.metrics.automation_helpers import automation, scenario
from tests.web.helpers import parse


async def _section(web: Any, board_id: int) -> Any:
    r = await web.get(f"/boards/{board_id}/retro")
    assert r.status_code == 200, r.text
    return parse(r.text).find("section", id="automation")


async def test_the_section_shows_the_apis_automation_figures(
    app, client, as_user, person, signed_in
):
    board_id, _ = await scenario(client, as_user, app)
    lead = await person(role="lead")
    await factories.add_member(client, board_id, lead["id"], role="lead")
    web = await signed_in(lead)
    api = await automation(client, board_id)

    section = await _section(web, board_id)

    headline = section.find("p", cls="headline")
    assert headline.attrs["data-value"] == str(api["confirmed_rate"]) == "0.25"
    text = " ".join(headline.text().split())
    assert text.startswith("25% confirmed automated resolution rate")
    assert "yes to 1 of the 4 cards bots worked" in text
    assumed = section.find("div", cls="tile", data_metric="assumed-rate")
    assert assumed.attrs["data-value"] == "0.5"
    said = " ".join(assumed.text().split())
    assert "What an assumed-resolution count would report" in said and "50%" in said
    assert "no reply within 24 hours counts as resolved" in said
    handover = section.find("div", cls="tile", data_metric="handover-rate")
    assert handover.attrs["data-value"] == "0.25" and "25%" in handover.text()
    bots = section.find("div", cls="tile", data_metric="bot-cost-per-confirmed")
    assert bots.attrs["data-value"] == "0.6" and "$0.60" in bots.text()
    people = section.find("div", cls="tile", data_metric="people-cost-per-confirmed")
    assert "SWARMBOARD_STAFF_HOURLY_COST" in people.text()
    follow = " ".join(section.find("p", data_metric="handover-followup").text().split())
    assert "Swarms ended: 1" in follow and "confirmed 1, rejected 0" in follow
    by_channel = section.find("section", id="automation-by-channel")
    rows = {r.attrs["data-key"]: r for r in by_channel.find_all("tr", data_key=True)}
    assert set(rows) == {"chat", "email"}
    chat = [td.text() for td in rows["chat"].find_all("td")]
    assert chat[:2] == ["3", "1 (33.3%)"]
    assert chat[5] == money(api["by_channel"]["chat"]["cost_per_confirmed_resolution_usd"])
    by_product = section.find("section", id="automation-by-product")
    billing = by_product.find("tr", data_key="Billing")
    assert [td.text() for td in billing.find_all("td")][5] == "$0.50"


async def test_a_board_no_bot_worked_says_how_to_start(client, person, signed_in):
    lead = await person(role="lead")
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    web = await signed_in(lead)

    section = await _section(web, board["id"])

    empty = section.find("p", cls="chart-empty", data_empty="automation")
    assert "No AI agent worked this board" in empty.text()
    assert not section.find_all("div", cls="tile")


def test_money_keeps_fractions_of_a_cent_below_a_dollar():
    assert [money(v) for v in (None, 0, 0.0125, 0.5, 0.004, 12.345, 1234.5)] == [
        "—",
        "$0.00",
        "$0.0125",
        "$0.50",
        "$0.004",
        "$12.35",
        "$1,234.50",
    ]
