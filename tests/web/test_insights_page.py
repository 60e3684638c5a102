"""The Insights page (GET /boards/{id}/insights): the ranked table a board member sees.

Rendered in-process with a session cookie; every number is checked against what
``GET /api/boards/{id}/insights`` says, so the page and the API cannot drift apart.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.web.insights import PER_PAGE, number
from tests import factories
from tests.web.helpers import Node, parse


def png(width: int = 4, height: int = 3) -> bytes:
    """A small, valid PNG image (red pixels), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xc8\x28\x28" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def _attach(client: httpx.AsyncClient, card_id: int, name: str = "screen.png") -> None:
    r = await client.post(
        f"/api/cards/{card_id}/evidence", files={"file": (name, png(), "image/png")}
    )
    assert r.status_code == 201, r.text


async def _card(
    client: httpx.AsyncClient, board_id: int, title: str, column_id: int, **insight: Any
) -> int:
    card = await factories.create_card(client, board_id, title=title, column_id=column_id)
    if insight:
        r = await client.patch(f"/api/cards/{card['id']}", json=insight)
        assert r.status_code == 200, r.text
    return int(card["id"])


async def _link(client: httpx.AsyncClient, newer: int, earlier: int) -> None:
    r = await client.post(f"/api/cards/{newer}/links", json={"card_id": earlier, "kind": "repeat"})
    assert r.status_code == 201, r.text


async def _seeded(client, person):
    """An EUR board with a lead and a viewer: three insights and a card that is none."""
    lead = await person(role="lead")
    viewer = await person(role="agent")
    board = await factories.create_board(
        client,
        name="Payments <desk>",
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Ready for product", "stage": "active", "requires_insight": True},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    r = await client.patch(f"/api/boards/{board['id']}", json={"currency": "EUR"})
    assert r.status_code == 200, r.text
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    await factories.add_member(client, board["id"], viewer["id"], role="viewer")
    col = {c["name"]: c["id"] for c in board["columns"]}
    complete = await _card(
        client,
        board["id"],
        "Refund button <b>greyed out</b>",
        col["Investigating"],
        problem_statement="The refund button is disabled for orders paid by voucher.",
        suggested_fix="Enable refunds to the voucher balance.",
        impact_per_month=1200,
        effort_hours=16,
        owner_team="Payments",
    )
    await _attach(client, complete)
    r = await client.post(
        f"/api/cards/{complete}/move", json={"column_id": col["Ready for product"]}
    )
    assert r.status_code == 200, r.text
    # A repeat of it: frequency 2 (the plain card itself is no insight).
    repeat = await _card(client, board["id"], "Voucher refund again", col["Triage"])
    await _link(client, repeat, complete)
    costly = await _card(
        client,
        board["id"],
        "Invoices in the wrong language",
        col["Investigating"],
        problem_statement="German customers get English invoices.",
        impact_per_month=3000,
        effort_hours=10,
        owner_team="Billing",
    )
    started = await _card(
        client,
        board["id"],
        "Login emails arrive late",
        col["Triage"],
        problem_statement="Magic links take ten minutes.",
    )
    ids = {"complete": complete, "costly": costly, "started": started, "repeat": repeat}
    return lead, viewer, board, col, ids


def _rows(page: Node) -> list[Node]:
    return page.find("table", "insights-table").find("tbody").find_all("tr")


def _cell(row: Node, field: str) -> str:
    return row.find("td", data_field=field).text().strip()


async def _api(client: httpx.AsyncClient, board_id: int, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/insights", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_page_ranks_the_insights_with_every_part_as_the_api_does(
    client, person, signed_in
):
    lead, _, board, _, ids = await _seeded(client, person)
    web = await signed_in(lead)
    response = await web.get(f"/boards/{board['id']}/insights")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = parse(response.text)
    assert page.find("h1").text() == "Insights"
    assert page.find("a", id="board-link").text() == "Payments <desk>"
    # Works without JavaScript: the one script only turns dates into relative times.
    assert [s.attrs["src"].split("?")[0] for s in page.find_all("script")] == ["/static/time.js"]

    api = await _api(client, board["id"])
    assert api["currency"] == "EUR"
    rows = _rows(page)
    # Ranked by score: 3000*1/10 = 300, then 1200*2/16 = 150, then no score yet.
    assert [int(r.attrs["data-card-id"]) for r in rows] == [
        ids["costly"],
        ids["complete"],
        ids["started"],
    ]
    assert [int(r.attrs["data-card-id"]) for r in rows] == [i["card_id"] for i in api["items"]]
    for rank, (row, item) in enumerate(zip(rows, api["items"], strict=True), start=1):
        assert _cell(row, "rank") == str(rank)
        assert row.find("a", "insight-title").text() == item["title"]
        assert row.find("a", "insight-title").attrs["href"] == (
            f"/boards/{board['id']}#card-{item['card_id']}"
        )
        assert _cell(row, "column") == item["column_name"]
        impact = item["impact_per_month"]
        assert _cell(row, "impact") == ("—" if impact is None else f"{number(impact)} EUR")
        assert _cell(row, "frequency") == str(item["frequency"])
        effort = item["effort_hours"]
        assert _cell(row, "effort") == ("—" if effort is None else f"{number(effort)} h")
        assert _cell(row, "score") == number(item["score"])
        assert _cell(row, "teams") == str(item["teams_needed"])
        assert _cell(row, "owner-team") == (item["owner_team"] or "—")
        assert _cell(row, "evidence") == str(item["evidence_count"])

    costly, complete, started = rows
    # The numbers a person reads, spelled out.
    assert [_cell(costly, f) for f in ("impact", "frequency", "effort", "score")] == [
        "3,000 EUR",
        "1",
        "10 h",
        "300",
    ]
    assert [_cell(complete, f) for f in ("impact", "frequency", "effort", "score")] == [
        "1,200 EUR",
        "2",
        "16 h",
        "150",
    ]
    assert _cell(complete, "column") == "Ready for product"
    assert complete.find("span", "complete-tag").text() == "Complete"
    assert [li.text() for li in costly.find("ul", "missing-list").find_all("li")] == [
        "evidence",
        "suggested fix",
    ]
    assert [li.text() for li in started.find("ul", "missing-list").find_all("li")] == [
        "evidence",
        "suggested fix",
        "impact",
        "effort",
        "owner team",
    ]
    assert (_cell(started, "score"), _cell(started, "impact")) == ("—", "—")
    # A card with no insight part is not listed; titles are text, never markup.
    assert str(ids["repeat"]) not in [r.attrs["data-card-id"] for r in rows]
    assert complete.find("a", "insight-title").text() == "Refund button <b>greyed out</b>"
    assert "<b>greyed out</b>" not in response.text
    score_head = page.find("th", aria_sort=True)
    assert (score_head.text(), score_head.attrs["aria-sort"]) == ("Score", "descending")


async def test_sort_links_and_the_complete_filter_reorder_like_the_api(client, person, signed_in):
    lead, _, board, _, ids = await _seeded(client, person)
    web = await signed_in(lead)
    page = parse((await web.get(f"/boards/{board['id']}/insights")).text)
    sorts = page.find("nav", aria_label="Sort insights by")
    assert sorts.find("span", aria_current="true").text() == "Score"
    links = {a.text(): a.attrs["href"] for a in sorts.find_all("a")}
    assert set(links) == {"Impact", "Frequency", "Least effort", "Newest"}

    for label, sort in (
        ("Least effort", "effort"),
        ("Frequency", "frequency"),
        ("Impact", "impact"),
        ("Newest", "recent"),
    ):
        assert parse_qs(urlsplit(links[label]).query) == {"sort": [sort]}
        sorted_page = parse((await web.get(links[label])).text)
        api = await _api(client, board["id"], sort=sort)
        shown = [int(r.attrs["data-card-id"]) for r in _rows(sorted_page)]
        assert shown == [i["card_id"] for i in api["items"]], sort
        current = sorted_page.find("nav", aria_label="Sort insights by")
        assert current.find("span", aria_current="true").text() == label
    effort_page = parse((await web.get(links["Least effort"])).text)
    assert [int(r.attrs["data-card-id"]) for r in _rows(effort_page)][:2] == [
        ids["costly"],  # 10 h before 16 h; no estimate last
        ids["complete"],
    ]

    shows = page.find("nav", aria_label="Show insights")
    show_links = {a.text(): a.attrs["href"] for a in shows.find_all("a")}
    only_complete = parse((await web.get(show_links["Complete"])).text)
    assert [int(r.attrs["data-card-id"]) for r in _rows(only_complete)] == [ids["complete"]]
    incomplete = parse((await web.get(show_links["Incomplete"])).text)
    assert [int(r.attrs["data-card-id"]) for r in _rows(incomplete)] == [
        ids["costly"],
        ids["started"],
    ]
    caption = incomplete.find("caption").text()
    assert caption.startswith("2 insights, by score") and "incomplete only" in caption


async def test_many_insights_come_in_pages(client, person, signed_in):
    lead = await person(role="lead")
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    first_column = board["columns"][0]["id"]
    for n in range(PER_PAGE + 2):
        await _card(
            client,
            board["id"],
            f"Insight {n}",
            first_column,
            impact_per_month=100 * (n + 1),
            effort_hours=1,
        )
    web = await signed_in(lead)
    first = parse((await web.get(f"/boards/{board['id']}/insights")).text)
    rows = _rows(first)
    assert len(rows) == PER_PAGE
    api = await _api(client, board["id"], limit=PER_PAGE)
    assert [int(r.attrs["data-card-id"]) for r in rows] == [i["card_id"] for i in api["items"]]
    assert _cell(rows[0], "score") == number(100 * (PER_PAGE + 2))
    pager = first.find("nav", "pager")
    assert "Page 1 of 2" in pager.text()
    assert pager.find_all("a", rel="prev") == []
    following = pager.find("a", rel="next").attrs["href"]

    second = parse((await web.get(following)).text)
    rows = _rows(second)
    api = await _api(client, board["id"], limit=PER_PAGE, offset=PER_PAGE)
    assert [int(r.attrs["data-card-id"]) for r in rows] == [i["card_id"] for i in api["items"]]
    assert [_cell(r, "rank") for r in rows] == [str(PER_PAGE + 1), str(PER_PAGE + 2)]
    assert [_cell(r, "score") for r in rows] == ["200", "100"]
    pager = second.find("nav", "pager")
    assert "Page 2 of 2" in pager.text() and pager.find_all("a", rel="next") == []
    assert pager.find("a", rel="prev").attrs["href"] == f"/boards/{board['id']}/insights"

    # Past the end: no table, a way back instead.
    beyond = parse((await web.get(f"/boards/{board['id']}/insights?page=9")).text)
    empty = beyond.find("section", "empty")
    assert "No insights on this page" in empty.text()
    assert empty.find("a", href=f"/boards/{board['id']}/insights").text() == (
        "Go to the first page"
    )


async def test_a_board_without_insights_explains_what_one_is_and_how_to_make_one(
    client, person, signed_in
):
    agent = await person()
    board = await factories.create_board(client, name="Quiet desk")
    await factories.add_member(client, board["id"], agent["id"])
    await factories.create_card(client, board["id"], title="Plain ticket")
    response = await (await signed_in(agent)).get(f"/boards/{board['id']}/insights")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find_all("table") == []
    empty = page.find("section", "empty")
    text = " ".join(empty.text().split())
    assert "No insights on this board yet" in text
    assert "actionable insight" in text
    for part in ("Evidence", "Problem statement", "Suggested fix", "Impact per month", "Effort"):
        assert part in text
    assert "Owner team" in text and "in USD" in text
    assert "score = impact \u00d7 frequency \u00f7 effort" in text
    assert empty.find("a", href=f"/boards/{board['id']}").text() == "the board"


async def test_a_viewer_reads_the_page_and_the_board_page_links_to_it(client, person, signed_in):
    _, viewer, board, _, _ = await _seeded(client, person)
    web = await signed_in(viewer)
    page = parse((await web.get(f"/boards/{board['id']}")).text)
    link = page.find("a", href=f"/boards/{board['id']}/insights")
    assert link.text() == "Insights"
    insights = await web.get(link.attrs["href"])
    assert insights.status_code == 200
    assert len(_rows(parse(insights.text))) == 3


@pytest.mark.parametrize(
    "path", ["/boards/{other}/insights", "/boards/2147483648/insights", "/boards/x/insights"]
)
async def test_someone_not_on_the_board_gets_the_404_page(client, person, signed_in, path):
    outsider = await person()
    other = await factories.create_board(client, name="Secret escalations")
    await _card(
        client,
        other["id"],
        "Secret insight",
        other["columns"][0]["id"],
        problem_statement="Hidden",
    )
    response = await (await signed_in(outsider)).get(path.format(other=other["id"]))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.find("h1").text() == "Board not found"
    assert "Secret" not in response.text


async def test_without_a_session_the_page_sends_you_to_sign_in_and_back(client, person, web_client):
    board = await factories.create_board(client)
    response = await web_client().get(f"/boards/{board['id']}/insights?sort=effort")
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": [f"/boards/{board['id']}/insights?sort=effort"]}
