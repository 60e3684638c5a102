"""The Retro page (GET /boards/{id}/retro): tiles, tables, SVG charts, forecasts, exports.

Rendered in-process with a session cookie. Every number on it is checked against what
``/api/boards/{id}/metrics/…`` says for the same range, so the page and the API cannot
drift apart; the history is built through the API, then moved into the past through
the database (:func:`tests.alerts.helpers.age_card`). The chart builders are also
checked on plain data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.web import charts, retro_view
from tests import factories
from tests.alerts.helpers import age_card
from tests.web.helpers import Node, parse

DAY = 86_400.0
COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    {"name": "Waiting on customer", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]


async def _move(client: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
    assert r.status_code == 200, r.text


async def _reply(client: httpx.AsyncClient, card_id: int, handle_seconds: int) -> None:
    body = {"kind": "agent_reply", "actor_kind": "user", "handle_seconds": handle_seconds}
    r = await client.post(f"/api/cards/{card_id}/interactions", json=body)
    assert r.status_code == 201, r.text


async def _card(client: httpx.AsyncClient, board_id: int, column_id: int, **fields: Any) -> int:
    card = await factories.create_card(client, board_id, column_id=column_id, **fields)
    return int(card["id"])


async def _history(app: Any, client: httpx.AsyncClient, person: Any) -> dict[str, Any]:
    """A board with a lead, three finished cards (one confirmed solved by its customer),
    two in progress (one blocked, one swarmed), one in the backlog, and an SLA policy."""
    lead = await person(role="lead")
    outsider = await person(role="agent")
    board = await factories.create_board(client, name="Payments <retro>", columns=COLUMNS)
    bid = int(board["id"])
    await factories.add_member(client, bid, lead["id"], role="lead")
    col = {c["name"]: int(c["id"]) for c in board["columns"]}
    r = await client.post(
        f"/api/boards/{bid}/sla-policies",
        json={"name": "Chat first response", "channel": "chat", "frt_seconds": 3600},
    )
    assert r.status_code == 201, r.text

    # Started 5 days ago, finished 2 days ago; the customer said it is solved.
    solved = await _card(
        client,
        bid,
        col["Triage"],
        title="Refund <b>stuck</b>",
        channel="chat",
        product="Billing",
        segment="customer",
    )
    await _reply(client, solved, 600)
    await _move(client, solved, col["Investigating"])
    await age_card(app, solved, 3 * DAY)
    await _move(client, solved, col["Resolved"])
    r = await client.post(f"/api/cards/{solved}/survey", json={"solved": True, "csat": 5})
    assert r.status_code == 201, r.text
    await age_card(app, solved, 2 * DAY)

    # Two days of work through Waiting, finished yesterday; nobody asked the customer.
    waited = await _card(
        client, bid, col["Triage"], channel="email", product="Billing", segment="partner"
    )
    await _reply(client, waited, 1200)
    await _move(client, waited, col["Investigating"])
    await age_card(app, waited, DAY)
    await _move(client, waited, col["Waiting on customer"])
    await age_card(app, waited, DAY)
    await _move(client, waited, col["Resolved"])
    await age_card(app, waited, DAY)

    # Half a day, finished now.
    quick = await _card(client, bid, col["Investigating"], channel="chat", product="Login")
    await age_card(app, quick, DAY / 2)
    await _move(client, quick, col["Resolved"])

    # In progress: one blocked for four days, one swarmed for two, one not started.
    stuck = await _card(client, bid, col["Waiting on customer"], channel="email")
    r = await client.patch(f"/api/cards/{stuck}", json={"blocked": True, "blocked_reason": "VAT"})
    assert r.status_code == 200, r.text
    await age_card(app, stuck, 4 * DAY)
    hard = await _card(client, bid, col["Investigating"], channel="web", product="Login")
    r = await client.post(
        f"/api/cards/{hard}/swarms",
        json={"skills": ["Payments"], "question": "Why?", "tried": "Restarting"},
    )
    assert r.status_code == 201, r.text
    await age_card(app, hard, 2 * DAY)
    await _card(client, bid, col["Triage"], channel="bot")
    return {"board": board, "id": bid, "col": col, "lead": lead, "outsider": outsider}


def _today() -> date:
    return datetime.now(UTC).date()


async def _page(web: httpx.AsyncClient, board_id: int, **params: str) -> tuple[int, Node, str]:
    r = await web.get(f"/boards/{board_id}/retro", params=params)
    return r.status_code, parse(r.text), r.text


def _range(page: Node) -> dict[str, str]:
    """The range the page shows, read from its form."""
    form = page.find("form", cls="retro-filters")
    return {
        "from": form.find("input", name="from").attrs["value"],
        "to": form.find("input", name="to").attrs["value"],
    }


async def _api(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _tiles(page: Node, group: str) -> dict[str, Node]:
    tiles = page.find("dl", cls=group).find_all("div", cls="tile")
    return {t.attrs["data-metric"]: t for t in tiles}


def _value(tile: Node) -> str:
    return tile.find("span", cls="tile-value").text().strip()


def _raw(tile: Node) -> float | None:
    raw = tile.attrs["data-value"]
    return None if raw == "" else float(raw)


def _chart(page: Node, key: str) -> Node:
    return page.find("figure", data_chart=key)


# --- The page against the API -----------------------------------------------------------


async def test_the_tiles_equal_the_apis_numbers_for_the_same_range(app, client, person, signed_in):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    status, page, html = await _page(web, h["id"])
    assert status == 200, html
    rng = _range(page)
    assert rng == {"from": (_today() - timedelta(days=29)).isoformat(), "to": _today().isoformat()}
    base = f"/api/boards/{h['id']}/metrics"
    support = await _api(client, f"{base}/support", **rng)
    overall = support["overall"]

    # Confirmed solved against closed comes first, in words and in numbers.
    assert support["closed"] == {
        "count": 3,
        "confirmed_solved": 1,
        "confirmed_resolution_rate": 0.3333,
    }
    head = page.find("p", cls="headline")
    assert " ".join(head.text().split()) == "1 confirmed solved of 3 closed (33.3%)"
    assert head.attrs["data-confirmed"] == "1" and head.attrs["data-closed"] == "3"
    section = page.find("section", id="support")
    first = next(n for n in section.elements() if n.tag not in ("h2",))
    assert first is head, "the confirmed-against-closed headline is the first thing shown"

    tiles = _tiles(page, "support-tiles")
    assert list(tiles) == [
        "frt",
        "ttr_first",
        "ttr_final",
        "net_ttr",
        "fcr_rate",
        "reopen_rate",
        "repeat_contact_rate",
        "csat",
        "ces",
        "nps",
        "aht",
        "automation_rate",
        "missed",
    ]
    expected = {
        "frt": (overall["frt"]["median"], retro_view.duration),
        "ttr_first": (overall["ttr_first"]["median"], retro_view.duration),
        "ttr_final": (overall["ttr_final"]["median"], retro_view.duration),
        "net_ttr": (overall["net_ttr"]["median"], retro_view.duration),
        "fcr_rate": (overall["fcr_rate"], retro_view.percent),
        "reopen_rate": (overall["reopen_rate"], retro_view.percent),
        "repeat_contact_rate": (overall["repeat_contact_rate"], retro_view.percent),
        "csat": (overall["csat"]["score"], retro_view.percent),
        "aht": (overall["aht_seconds"], retro_view.duration),
        "automation_rate": (overall["automation_rate"], retro_view.percent),
    }
    for key, (value, fmt) in expected.items():
        assert _raw(tiles[key]) == value, key
        assert _value(tiles[key]) == fmt(value), key
    assert overall["csat"] == {"score": 1.0, "rated": 1}
    assert _value(tiles["csat"]) == "100%"
    assert overall["aht_seconds"] == 900.0 and _value(tiles["aht"]) == "15m"
    assert _raw(tiles["missed"]) == overall["missed"]
    assert _raw(tiles["ces"]) is None and _value(tiles["ces"]) == "—"
    assert _raw(tiles["nps"]) is None

    # SLA, reasons and the breakdowns.
    rows = page.find("section", id="sla").find_all("tr", data_policy_id=True)
    assert [r.find("th").text() for r in rows] == [s["name"] for s in support["sla"]]
    reasons = page.find("ol", cls="reasons").find_all("li")
    assert [int(li.attrs["data-count"]) for li in reasons] == [
        r["count"] for r in support["top_reasons"]
    ]
    assert len(reasons) <= 5
    for key in ("channel", "product", "segment"):
        table = page.find("section", id=f"by-{key}")
        shown = {r.attrs["data-key"]: r for r in table.find_all("tr", data_key=True)}
        assert set(shown) == set(support[f"by_{key}"]), key
        for name, metrics in support[f"by_{key}"].items():
            cells = [td.text() for td in shown[name].find_all("td")]
            assert cells[0] == str(metrics["cards"]) and cells[1] == str(metrics["closed"])

    # Flow.
    flow = await _api(client, f"{base}/flow", **rng)
    ftiles = _tiles(page, "flow-tiles")
    assert _raw(ftiles["wip"]) == flow["wip"]["now"] == 2
    assert _raw(ftiles["throughput"]) == flow["throughput"]["total"] == 3
    for p in ("p50", "p85", "p95"):
        assert _raw(ftiles[f"cycle_{p}"]) == flow["cycle_time"]["days"][p]
    assert _raw(ftiles["lead_p85"]) == flow["lead_time"]["p85"]
    assert _raw(ftiles["blocked"]) == flow["blocked"]["total_hours"]

    # Swarms.
    swarms = await _api(client, f"{base}/swarms", **rng)
    stiles = _tiles(page, "swarm-tiles")
    assert _raw(stiles["swarms"]) == swarms["swarms"] == 1
    assert _raw(stiles["cards_swarmed"]) == swarms["cards_swarmed"]
    assert _raw(stiles["time_to_swarm"]) == swarms["median_time_to_swarm_seconds"]

    # Forecasts, with the page's seed.
    panel = page.find("section", id="forecast-how-many")
    until = (_today() + timedelta(days=retro_view.FORECAST_DAYS)).isoformat()
    how_many = await _api(
        client, f"{base}/forecast/how-many", **rng, until=until, seed=retro_view.FORECAST_SEED
    )
    shown = {li.attrs["data-level"]: int(li.attrs["data-value"]) for li in panel.find_all("li")}
    assert shown == {p: how_many[p] for p in ("p50", "p85", "p95")}
    when_panel = page.find("section", id="forecast-when")
    items = int(when_panel.attrs["data-items"])
    assert items == 3  # two in progress, one in the backlog
    when = await _api(
        client, f"{base}/forecast/when", **rng, items=items, seed=retro_view.FORECAST_SEED
    )
    levels = {li.attrs["data-level"]: li for li in when_panel.find_all("li")}
    for p in ("p50", "p85", "p95"):
        assert levels[p].attrs["data-value"] == when[p]["date"]
        assert int(levels[p].attrs["data-days"]) == when[p]["days"]


async def test_each_chart_draws_the_apis_points_and_lines(app, client, person, signed_in):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    status, page, html = await _page(web, h["id"])
    assert status == 200, html
    flow = await _api(client, f"/api/boards/{h['id']}/metrics/flow", **_range(page))

    for svg in page.find_all("svg"):
        assert svg.attrs["role"] == "img"
        assert svg.attrs["aria-label"]
        first = svg.elements()[0]
        assert first.tag == "title" and first.text() == svg.attrs["aria-label"]

    scatter = _chart(page, "scatter").find("svg")
    dots = scatter.find_all("circle", cls="point")
    assert len(dots) == flow["cycle_time"]["count"] == 3
    assert {int(d.attrs["data-card-id"]) for d in dots} == {
        i["card_id"] for i in flow["cycle_time"]["items"]
    }
    lines = scatter.find_all("line", cls="pline")
    assert sorted(ln.attrs["data-percentile"] for ln in lines) == ["50", "85", "95"]
    labels = [t.text() for t in scatter.find_all("text", cls="pline-label")]
    days = flow["cycle_time"]["days"]
    assert labels == [f"{p}%: {days[f'p{p}']} d" for p in (50, 85, 95)]
    assert len(scatter.find_all("text", cls="tick-label")) >= 4
    assert {t.text() for t in scatter.find_all("text", cls="axis-label")} == {
        "Finish date",
        "Cycle time (days)",
    }

    aging = _chart(page, "aging").find("svg")
    assert len(aging.find_all("circle", cls="point")) == len(flow["aging"]["items"]) == 2
    assert len(aging.find_all("line", cls="pline")) == 3
    assert len(aging.find_all("rect", cls="band")) == 4

    cfd = _chart(page, "cfd").find("svg")
    areas = cfd.find_all("path", cls="area")
    assert [int(a.attrs["data-column-id"]) for a in areas] == [
        c["id"] for c in reversed(flow["cfd"]["columns"])
    ]

    run = _chart(page, "throughput").find("svg")
    assert len(run.find_all("circle", cls="point")) == len(flow["throughput"]["per_day"]) == 30
    assert len(run.find_all("polyline", cls="run")) == 1

    for key in ("how-many", "when"):
        assert len(_chart(page, key).find("svg").find_all("rect", cls="bar")) == 3

    # Each chart has words and a table for screen readers.
    for key in ("scatter", "aging", "cfd", "throughput"):
        figure = _chart(page, key)
        assert figure.find("p", cls="chart-summary").text().strip()
        assert figure.find("details", cls="chart-data").find("table")
    table = _chart(page, "scatter").find("table")
    assert len(table.find("tbody").find_all("tr")) == 3
    assert "Refund <b>stuck</b>" in table.text()  # escaped, not markup


async def test_the_page_has_no_inline_script_or_style_and_loads_nothing_from_elsewhere(
    app, client, person, signed_in
):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    r = await web.get(f"/boards/{h['id']}/retro")
    assert r.status_code == 200
    page = parse(r.text)
    assert not page.find_all(style=True)
    assert not page.find_all("style")
    for script in page.find_all("script"):
        assert script.attrs.get("src", "").startswith("/static/") and not script.text().strip()
    for link in page.find_all("link", rel="stylesheet"):
        assert link.attrs["href"].startswith("/static/")
    assert "http://" not in r.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in r.text
    assert "<b>stuck</b>" not in r.text


async def test_the_export_links_carry_the_range_and_filters(app, client, person, signed_in):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    params = {"from": "2025-01-01", "to": "2025-01-31", "channel": "chat", "product": "Billing"}
    status, page, html = await _page(web, h["id"], **params)
    assert status == 200, html
    links = page.find("nav", cls="retro-exports").find_all("a", cls="export-link")
    paths = [urlsplit(a.attrs["href"]).path for a in links]
    assert paths == [
        f"/api/boards/{h['id']}/export/actionable-agile.csv",
        f"/api/boards/{h['id']}/export/cards.ndjson",
        f"/api/boards/{h['id']}/export/events.csv",
    ]
    for a in links:
        query = {k: v[0] for k, v in parse_qs(urlsplit(a.attrs["href"]).query).items()}
        assert query == params
        r = await web.get(a.attrs["href"])
        assert r.status_code == 200, r.text
    first = (await web.get(links[0].attrs["href"])).text.splitlines()[0]
    assert first.startswith("ID,Link,Name,Triage,Investigating,Waiting on customer,Resolved,")


async def test_a_filter_narrows_every_number(app, client, person, signed_in):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    status, page, html = await _page(web, h["id"], channel="chat")
    assert status == 200, html
    assert (
        page.find("select", name="channel").find("option", selected=True).attrs["value"] == "chat"
    )
    rng = _range(page)
    support = await _api(client, f"/api/boards/{h['id']}/metrics/support", **rng, channel="chat")
    head = page.find("p", cls="headline")
    assert head.attrs["data-closed"] == str(support["closed"]["count"]) == "2"
    flow = await _api(client, f"/api/boards/{h['id']}/metrics/flow", **rng, channel="chat")
    dots = _chart(page, "scatter").find("svg").find_all("circle", cls="point")
    assert len(dots) == flow["cycle_time"]["count"] == 2


# --- Empty, wrong and forbidden --------------------------------------------------------


async def test_an_empty_range_shows_empty_states_not_broken_charts(app, client, person, signed_in):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    status, page, html = await _page(web, h["id"], **{"from": "2020-01-01", "to": "2020-01-31"})
    assert status == 200, html
    head = page.find("p", cls="headline")
    assert " ".join(head.text().split()) == "0 confirmed solved of 0 closed"
    for key in ("scatter", "throughput"):
        figure = _chart(page, key)
        assert not figure.find_all("svg")
        assert figure.find("p", cls="chart-empty").text().strip()
    # Nothing was on the board in January 2020 either.
    assert not _chart(page, "cfd").find_all("svg")
    # Aging is about now: the two cards in progress are still there.
    assert len(_chart(page, "aging").find("svg").find_all("circle", cls="point")) == 2
    assert "No card was finished" in page.find("section", id="forecast-how-many").text()
    assert "No card was finished" in page.find("section", id="forecast-when").text()
    assert "No swarm" in page.find("section", id="swarms").text()


async def test_a_new_board_shows_empty_states_everywhere(client, person, signed_in):
    lead = await person(role="lead")
    board = await factories.create_board(client, columns=COLUMNS)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    web = await signed_in(lead)
    status, page, html = await _page(web, board["id"])
    assert status == 200, html
    assert not page.find_all("svg")
    empties = page.find_all("p", cls="chart-empty")
    assert len(empties) >= 8
    assert "No card is unfinished" in page.find("section", id="forecast-when").text()


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"from": "2025-02-30"}, "“From” must be a date written like 2025-03-01"),
        ({"to": "yesterday"}, "“To” must be a date written like 2025-03-01"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, "must not be after"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "at most 1098 days"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "1970-01-01"),
        ({"channel": "pigeon"}, "“Channel” must be one of"),
        ({"lane": "x"}, "“Lane” must be one of the board's lanes"),
    ],
)
async def test_a_range_or_filter_that_cannot_be_read_is_said_clearly(
    client, person, signed_in, params, said
):
    lead = await person(role="lead")
    board = await factories.create_board(client, columns=COLUMNS)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    web = await signed_in(lead)
    status, page, _ = await _page(web, board["id"], **params)
    assert status == 422
    errors = page.find("section", cls="retro-errors")
    assert errors.attrs["role"] == "alert"
    assert said in errors.text()
    assert not page.find_all("section", id="support")
    # The form is still there, to fix it.
    assert page.find("form", cls="retro-filters")


async def test_someone_not_on_the_board_gets_the_404_page(client, person, signed_in):
    lead = await person(role="lead")
    outsider = await person(role="agent")
    board = await factories.create_board(client, columns=COLUMNS)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    web = await signed_in(outsider)
    for path in (f"/boards/{board['id']}/retro", "/boards/999999999/retro", "/boards/x/retro"):
        r = await web.get(path)
        assert r.status_code == 404, path
        assert "not a member" in r.text
    # Even with a bad range: membership is checked first.
    r = await web.get(f"/boards/{board['id']}/retro", params={"from": "nope"})
    assert r.status_code == 404


async def test_signed_out_goes_to_the_sign_in_form_and_back(client, web_client):
    board = await factories.create_board(client, columns=COLUMNS)
    web = web_client()
    r = await web.get(f"/boards/{board['id']}/retro", params={"from": "2025-01-01"})
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [f"/boards/{board['id']}/retro?from=2025-01-01"]


async def test_the_board_page_links_to_the_retro(client, person, signed_in):
    lead = await person(role="lead")
    board = await factories.create_board(client, columns=COLUMNS)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    web = await signed_in(lead)
    r = await web.get(f"/boards/{board['id']}")
    links = {a.text(): a.attrs["href"] for a in parse(r.text).find_all("a", cls="topbar-link")}
    assert links["Retro"] == f"/boards/{board['id']}/retro"
    assert links["Insights"] == f"/boards/{board['id']}/insights"


# --- The chart builders on plain data ----------------------------------------------------


def test_nice_ticks_cover_the_top_with_round_steps():
    assert charts.nice_ticks(9) == [0, 2, 4, 6, 8, 10]
    assert charts.nice_ticks(1) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(12.5) == [0, 2.5, 5, 7.5, 10, 12.5]
    assert charts.nice_ticks(101)[-1] >= 101


def test_the_scatterplot_puts_a_dot_per_card_and_labels_the_percentiles():
    start = date(2025, 3, 1)
    points = [
        charts.ScatterPoint(i, f"Card {i}", datetime(2025, 3, 1 + i, 12, tzinfo=UTC), i + 1)
        for i in range(5)
    ]
    chart = charts.scatter_chart(
        points, {"p50": 3, "p85": 5, "p95": 5}, start=start, end=date(2025, 3, 10)
    )
    svg = parse(str(chart.svg)).find("svg")
    dots = svg.find_all("circle", cls="point")
    assert len(dots) == 5
    ys = [float(d.attrs["cy"]) for d in dots]
    assert ys == sorted(ys, reverse=True)  # longer cycle times sit higher
    xs = [float(d.attrs["cx"]) for d in dots]
    assert xs == sorted(xs)
    assert [t.text() for t in svg.find_all("text", cls="pline-label")] == [
        "50%: 3 d",
        "85%: 5 d",
        "95%: 5 d",
    ]
    assert "5 finished cards" in chart.summary
    assert charts.scatter_chart([], {}, start=start, end=start).empty


def test_the_cfd_stacks_done_at_the_bottom_and_handles_one_day():
    cols = [(1, "Triage"), (2, "Doing"), (3, "Done")]
    days = [(date(2025, 3, d), {1: 2, 2: 1, 3: d}) for d in range(1, 4)]
    svg = parse(str(charts.cfd_chart(cols, days, done={3}).svg)).find("svg")
    areas = svg.find_all("path", cls="area")
    assert [a.attrs["data-column-id"] for a in areas] == ["3", "2", "1"]
    assert areas[0].attrs["fill"] == charts.DONE_COLOUR
    one = charts.cfd_chart(cols, days[:1])
    assert len(parse(str(one.svg)).find_all("path", cls="area")) == 3
    assert charts.cfd_chart(cols, [(date(2025, 3, 1), {})]).empty


def test_text_in_charts_is_escaped():
    chart = charts.aging_chart(
        [(1, "<Doing>")], [charts.AgingPoint(7, "<script>x</script>", 1, 2.0)], {"p50": 1.0}
    )
    markup = str(chart.svg)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "&lt;Doing&gt;" in markup


def test_the_run_chart_draws_a_dot_a_day_and_the_median():
    counts = [0, 2, 1, 3, 0, 1, 1]
    per_day = [(date(2025, 3, 1 + i), n) for i, n in enumerate(counts)]
    chart = charts.run_chart(per_day)
    svg = parse(str(chart.svg)).find("svg")
    assert len(svg.find_all("circle", cls="point")) == 7
    assert "median 1" in svg.text()
    assert charts.run_chart([(date(2025, 3, 1), 0)]).empty


def test_the_page_prints_durations_and_shares_plainly():
    assert retro_view.duration(None) == "—"
    assert retro_view.duration(42) == "42s"
    assert retro_view.duration(600) == "10m"
    assert retro_view.duration(3 * 3600 + 20 * 60) == "3h 20m"
    assert retro_view.duration(2 * 86_400 + 4 * 3600) == "2d 4h"
    assert retro_view.duration(3599.7) == "1h"
    assert retro_view.duration(86_399) == "1d"
    assert retro_view.percent(0.6) == "60%"
    assert retro_view.percent(0.3333) == "33.3%"
    assert retro_view.percent(None) == "—"
