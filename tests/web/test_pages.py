"""The board list and the board page: what a signed-in person sees (the DOM contract)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.board.repository import cards as cards_table
from app.core.models import utcnow
from tests import factories
from tests.web.helpers import parse


async def test_the_board_list_shows_only_boards_the_person_is_on(client, person, signed_in):
    agent = await person()
    mine = await factories.create_board(client, name="Payments desk")
    await factories.add_member(client, mine["id"], agent["id"])
    await factories.create_card(client, mine["id"])
    theirs = await factories.create_board(client, name="Secret escalations")

    page = await (await signed_in(agent)).get("/boards")
    assert page.status_code == 200
    links = parse(page.text).find_all("a", data_board_id=True)
    assert [(a.attrs["data-board-id"], a.attrs["href"], a.text()) for a in links] == [
        (str(mine["id"]), f"/boards/{mine['id']}", "Payments desk")
    ]
    assert "1 card" in page.text
    assert "Secret escalations" not in page.text and str(theirs["id"]) not in [
        a.attrs["data-board-id"] for a in links
    ]


async def test_someone_on_no_board_gets_a_useful_empty_state(person, signed_in):
    page = await (await signed_in(await person())).get("/boards")
    assert page.status_code == 200
    empty = parse(page.text).find("section", "empty")
    assert "not on a board yet" in empty.text()
    assert "Ask a lead" in empty.text()


async def _seeded_board(client, person):
    """Triage (no limit) | Investigating (3, two cards: amber) | Swarming (2, full: red)."""
    maya = await person(role="lead", name="Maya Okafor")
    board = await factories.create_board(
        client,
        name="Support <Tier 2>",
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active", "wip_limit": 3},
            {"name": "Swarming", "stage": "active", "wip_limit": 2, "wip_policy": "soft"},
            {"name": "Resolved", "stage": "done"},
        ],
        lanes=[{"name": "Expedite", "wip_limit": 1}, {"name": "Standard"}],
    )
    await factories.add_member(client, board["id"], maya["id"], role="lead")
    col = {c["name"]: c["id"] for c in board["columns"]}
    lane = {lane["name"]: lane["id"] for lane in board["lanes"]}
    made = {}
    for name, column, lane_name, extra in [
        ("first", "Investigating", "Standard", {"owner_id": maya["id"]}),
        ("second", "Investigating", "Standard", {}),
        ("urgent", "Swarming", "Expedite", {"priority": "urgent"}),
        ("waiting", "Swarming", "Standard", {}),
    ]:
        made[name] = await factories.create_card(
            client,
            board["id"],
            title=f"Ticket {name} <script>alert(1)</script>",
            column_id=col[column],
            lane_id=lane[lane_name],
            **extra,
        )
    blocked = await client.patch(
        f"/api/cards/{made['waiting']['id']}",
        json={"blocked": True, "blocked_reason": "Waiting on the bank", "version": 1},
    )
    assert blocked.status_code == 200
    return maya, board, col, lane, made


async def test_the_board_page_follows_the_dom_contract(client, person, signed_in, app):
    maya, board, col, lane, made = await _seeded_board(client, person)
    # The first card entered its column three hours ago.
    entered = utcnow() - timedelta(hours=3, minutes=5)
    await app.state.db.write(
        lambda s: s.execute(
            update(cards_table)
            .where(cards_table.c.id == made["first"]["id"])
            .values(column_entered_at=entered)
        )
    )
    web = await signed_in(maya)
    response = await web.get(f"/boards/{board['id']}")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = parse(response.text)
    state = (await client.get(f"/api/boards/{board['id']}")).json()

    body = page.find("body")
    assert body.attrs["data-board-id"] == str(board["id"])
    assert body.attrs["data-last-seq"] == str(state["last_seq"])
    assert body.attrs["data-role"] == "lead"
    logout_csrf = page.find("form", "logout").find("input", name="csrf_token").attrs["value"]
    assert body.attrs["data-csrf"] == logout_csrf and len(logout_csrf) > 20
    assert page.find("h1", id="board-name").text() == "Support <Tier 2>"
    assert page.find("span", id="live-status")
    assert page.find("form", id="create-card").find("input", name="title")
    assert page.find("aside", id="card-drawer")
    dialog = page.find("dialog", id="override-dialog")
    assert dialog.find("textarea", name="reason", required=True)
    assert dialog.find("button", type="submit").text() == "Override"

    sections = page.find_all("section", "column")
    assert [s.attrs["data-column-id"] for s in sections] == [str(c) for c in col.values()]
    triage, investigating, swarming, resolved = sections
    assert triage.attrs["data-stage"] == "backlog" and "data-wip-limit" not in triage.attrs
    wip = triage.find("span", "wip")
    assert (wip.text(), wip.attrs["data-count"], "data-limit" in wip.attrs) == ("0", "0", False)
    assert investigating.attrs["data-wip-limit"] == "3"
    assert investigating.attrs["data-wip-policy"] == "hard"
    wip = investigating.find("span", "wip")
    assert (wip.text(), wip.attrs["data-count"], wip.attrs["data-limit"]) == ("2 / 3", "2", "3")
    assert "wip-near" in investigating.classes and "wip-full" not in investigating.classes
    assert "wip-near" in wip.classes
    assert swarming.attrs["data-wip-policy"] == "soft"
    assert swarming.find("span", "wip").text() == "2 / 2"
    assert "wip-full" in swarming.classes and "wip-near" not in swarming.classes
    assert not ({"wip-near", "wip-full"} & resolved.classes)

    # One lane container per lane in every column, named once as a row label.
    for section in sections:
        assert [d.attrs["data-lane-id"] for d in section.find_all("div", "lane")] == [
            str(lane["Expedite"]),
            str(lane["Standard"]),
        ]
    labels = [d.text() for d in page.find_all("div", "lane-label")]
    assert labels == ["Expedite" + "limit 1", "Standard"]
    expedite = swarming.find("div", "lane", data_lane_id=lane["Expedite"])
    assert [c.attrs["data-card-id"] for c in expedite.find_all("article", "card")] == [
        str(made["urgent"]["id"])
    ]

    standard = investigating.find("div", "lane", data_lane_id=lane["Standard"])
    first, second = standard.find_all("article", "card")  # in position order
    assert first.attrs["data-card-id"] == str(made["first"]["id"])
    assert second.attrs["data-card-id"] == str(made["second"]["id"])
    assert first.attrs["data-column-id"] == str(col["Investigating"])
    assert first.attrs["data-version"] == "1"
    assert (first.attrs["draggable"], first.attrs["tabindex"]) == ("true", "0")
    assert first.find("span", "title").text() == "Ticket first <script>alert(1)</script>"
    assert first.find("span", "age").text() == "3h"
    assert second.find("span", "age").text() == "now"
    owner = first.find("span", "owner")
    assert (owner.text(), owner.attrs["title"]) == ("MO", "Maya Okafor")
    assert second.find_all("span", "owner") == []
    assert first.find_all(cls="blocked") == []
    menu = first.find("button", "move-menu")
    assert (menu.text(), menu.attrs["aria-haspopup"]) == ("Move to…", "true")

    waiting = swarming.find("article", "card", data_card_id=made["waiting"]["id"])
    assert waiting.attrs["data-version"] == "2"
    assert waiting.find(cls="blocked").text() == "Waiting on the bank"
    # Card titles are text, never markup.
    assert "<script>alert(1)</script>" not in response.text


async def test_a_board_without_lanes_has_one_lane_container_per_column(client, person, signed_in):
    agent = await person()
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], agent["id"])
    await factories.create_card(client, board["id"])
    page = parse((await (await signed_in(agent)).get(f"/boards/{board['id']}")).text)
    assert page.find("body").attrs["data-role"] == "agent"
    for section in page.find_all("section", "column"):
        (lane,) = section.find_all("div", "lane")
        assert "data-lane-id" not in lane.attrs
    assert page.find_all(cls="lane-label") == []
    assert len(page.find_all("article", "card")) == 1


@pytest.mark.parametrize("path", ["/boards/{other}", "/boards/2147483647", "/boards/abc"])
async def test_a_board_you_cannot_see_is_a_404_page(client, person, signed_in, path):
    agent = await person()
    other = await factories.create_board(client, name="Not yours")
    response = await (await signed_in(agent)).get(path.format(other=other["id"]))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.find("h1").text() == "Board not found"
    assert "Not yours" not in response.text
    assert "Back to your boards" in [a.text() for a in page.find_all("a", href="/boards")]


async def test_the_fragment_re_renders_the_columns_as_they_are_now(client, person, signed_in):
    maya, board, col, _, made = await _seeded_board(client, person)
    web = await signed_in(maya)
    moved = await client.post(
        f"/api/cards/{made['second']['id']}/move", json={"column_id": col["Resolved"]}
    )
    assert moved.status_code == 200
    response = await web.get(f"/boards/{board['id']}/fragment")
    assert response.status_code == 200
    state = (await client.get(f"/api/boards/{board['id']}")).json()
    assert response.headers["x-last-seq"] == str(state["last_seq"])
    fragment = parse(response.text)
    assert fragment.find_all("body") == []
    investigating = fragment.find("section", "column", data_column_id=col["Investigating"])
    assert investigating.find("span", "wip").text() == "1 / 3"
    resolved = fragment.find("section", "column", data_column_id=col["Resolved"])
    assert resolved.find("article", "card").attrs["data-card-id"] == str(made["second"]["id"])

    outsider = await signed_in(await person())
    assert (await outsider.get(f"/boards/{board['id']}/fragment")).status_code == 404


async def test_the_page_assets_are_served_by_the_app(client, person, signed_in):
    agent = await person()
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], agent["id"])
    web = await signed_in(agent)
    page = parse((await web.get(f"/boards/{board['id']}")).text)
    urls = [s.attrs["src"] for s in page.find_all("script", src=True)]
    urls += [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    names = {u.split("?")[0].rsplit("/", 1)[1] for u in urls}
    assert {"board.css", "board.js", "live.js", "time.js"} <= names
    assert all(u.startswith("/static/") for u in urls)
    for url in urls:
        asset = await web.get(url)
        assert asset.status_code == 200, url
        kind = "text/css" if ".css" in url else "javascript"
        assert kind in asset.headers["content-type"]


async def test_the_drawer_has_an_insight_section_and_the_header_links_to_insights(
    client, person, signed_in
):
    agent = await person()
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], agent["id"])
    page = parse((await (await signed_in(agent)).get(f"/boards/{board['id']}")).text)
    link = page.find("header", "topbar").find("a", href=f"/boards/{board['id']}/insights")
    assert link.text() == "Insights"
    drawer = page.find("aside", id="card-drawer")
    insight = drawer.find("section", id="insight")
    assert insight.find("h3").text() == "Actionable insight"
    meter = insight.find("meter")
    assert (meter.attrs["min"], meter.attrs["max"]) == ("0", "6")
    upload = insight.find("input", type="file")
    assert upload.attrs["accept"] == "image/png,image/jpeg,image/webp"
    labels = [" ".join(label.text().split()) for label in insight.find_all("label")]
    # The board's currency is in the page (and filled in again when an insight loads).
    assert labels.pop(3) == "Impact per month, in USD"
    assert labels == [
        "Add a screenshot or photo",
        "Problem statement",
        "Suggested fix",
        "Effort (hours)",
        "Owner team",
    ]
    for name in ("impact_per_month", "effort_hours"):
        assert insight.find("input", name=name).attrs["type"] == "number"
    # The card form's Save stays the drawer's one submit button that says so.
    assert [b.text() for b in drawer.find_all("button", type="submit")] == ["Save"]
    assert insight.find("button", data_insight_save=True).text() == "Save insight"
    # No inline script or style: the page runs under a strict CSP.
    assert all("src" in s.attrs for s in page.find_all("script") if s.attrs.get("type") is None)
    assert [n for n in insight.find_all() if "style" in n.attrs] == []


async def test_a_column_that_requires_insight_is_marked_from_the_first_render(
    client, person, signed_in
):
    agent = await person()
    board = await factories.create_board(client)
    await factories.add_member(client, board["id"], agent["id"])
    gated = board["columns"][1]["id"]
    r = await client.patch(f"/api/columns/{gated}", json={"requires_insight": True})
    assert r.status_code == 200, r.text

    page = parse((await (await signed_in(agent)).get(f"/boards/{board['id']}")).text)

    marks = {
        int(col.attrs["data-column-id"]): [m.text() for m in col.find_all("span", "insight-gate")]
        for col in page.find_all("section", "column")
    }
    assert {cid: m for cid, m in marks.items() if m} == {gated: ["Insight required"]}
    assert len(marks) == 3
