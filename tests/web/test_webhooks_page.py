"""The webhooks page (GET /webhooks) and its fragments, rendered in-process.

Who may open it, what it shows about each endpoint (above all why one is disabled),
the delivery log's first page, and that a signing secret never reaches the HTML.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, update

from app.core.models import utcnow
from app.webhooks.repository import deliveries, endpoints
from app.webhooks.schedule import describe, steps
from tests import factories
from tests.web.helpers import form_csrf, parse

HOOK = "https://hooks.example.com/swarmboard"
_made: list[int] = []


@pytest.fixture(autouse=True)
async def _remove_endpoints(client: httpx.AsyncClient) -> AsyncIterator[None]:
    """Delete the endpoints a test made: the relay of the shared database must not
    spend its time sending later tests' events to hosts that are not there."""
    yield
    while _made:
        r = await client.delete(f"/api/webhooks/{_made.pop()}")
        assert r.status_code in (204, 404), r.text


async def _csrf(web: httpx.AsyncClient) -> str:
    return form_csrf((await web.get("/boards")).text)


async def _create(web: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """Create an endpoint the way the page does: cookie session plus the CSRF header."""
    payload = {"url": HOOK, "event_types": ["card.*"], **body}
    r = await web.post("/api/webhooks", json=payload, headers={"X-CSRF-Token": await _csrf(web)})
    assert r.status_code == 201, r.text
    _made.append(r.json()["id"])
    return dict(r.json())


async def _lead_with_board(client, person, signed_in, name="Payments desk"):
    lead = await person(role="lead")
    board = await factories.create_board(client, name=name)
    await factories.add_member(client, board["id"], lead["id"], role="lead")
    return lead, board, await signed_in(lead)


def _add_deliveries(app: Any, endpoint_id: int, states: list[str]) -> Any:
    """Delivery rows in the given states, oldest first (the relay is not involved)."""

    def write(session: Any) -> None:
        base = utcnow() - timedelta(minutes=len(states))
        for i, state in enumerate(states):
            at = base + timedelta(minutes=i)
            session.execute(
                insert(deliveries),
                {
                    "endpoint_id": endpoint_id,
                    "event_id": f"evt_page_{endpoint_id}_{i:03d}",
                    "event_type": "card.moved",
                    "body": "{}",
                    "state": state,
                    "attempts": 0 if state == "pending" else 3,
                    "next_attempt_at": at + timedelta(hours=1) if state == "failed" else None,
                    "last_status": {"succeeded": 200, "failed": 500, "dead": 503}.get(state),
                    "last_latency_ms": None if state == "pending" else 42,
                    "created_at": at,
                    "updated_at": at,
                },
            )

    return app.state.db.write(write)


async def test_the_page_shows_why_an_endpoint_was_disabled(client, person, signed_in, app):
    _, board, web = await _lead_with_board(client, person, signed_in, name="Payments <desk>")
    ep = await _create(web, board_id=board["id"], event_types=["card.*", "alert.raised"])
    since = datetime(2025, 3, 1, 14, 5, 9, tzinfo=UTC)
    reason = "Every delivery failed for 3 days (since 2025-03-01 14:05 UTC; last: HTTP 503)."
    await app.state.db.write(
        lambda s: s.execute(
            update(endpoints)
            .where(endpoints.c.id == ep["id"])
            .values(enabled=False, disabled_reason=reason, failing_since=since)
        )
    )
    states = ["succeeded", "failed", "dead", "dead", "pending"]
    await _add_deliveries(app, ep["id"], states)

    response = await web.get("/webhooks")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    page = parse(response.text)
    assert page.find("body").attrs["data-csrf"] == await _csrf(web)
    article = page.find("article", "endpoint", data_endpoint_id=ep["id"])
    assert article.attrs["data-enabled"] == "false" and "is-disabled" in article.classes
    assert article.find("h3", "endpoint-url").text() == HOOK
    state = article.find("span", "endpoint-state")
    assert (state.attrs["data-state"], state.text()) == ("disabled", "Disabled")
    # Why: the reason the relay recorded, in words, and since when it has been failing.
    assert article.find("span", "endpoint-reason").text() == reason
    failing = article.find("time", "endpoint-failing-since")
    assert failing.attrs["datetime"] == "2025-03-01T14:05:09Z"
    # The one date format: relative in the browser (time.js), this text without scripts.
    assert failing.text() == "1 Mar 2025, 14:05 UTC"
    assert (
        "data-relative" in failing.attrs and failing.attrs["title"] == "Sat 1 Mar 2025, 14:05 UTC"
    )
    assert article.find("dd", "endpoint-board").text() == "Payments <desk>"
    events = [c.text() for c in article.find("dd", "endpoint-events").find_all("code")]
    assert events == ["card.*", "alert.raised"]
    counts = {
        li.attrs["data-state"]: (li.attrs["data-count"], li.text())
        for li in article.find("ul", "delivery-counts").find_all("li")
    }
    assert counts == {
        "succeeded": ("1", "Succeeded: 1"),
        "failed": ("1", "Failed: 1"),
        "dead": ("2", "Dead: 2"),
        "pending": ("1", "Pending: 1"),
    }
    toggle = article.find("button", data_action="toggle")
    assert (toggle.text(), toggle.attrs["data-enable"]) == ("Enable", "true")
    for action in ("ping", "rotate", "delete", "refresh"):
        assert article.find("button", data_action=action)

    # The delivery log: newest first, each state in words and a colour class.
    rows = article.find("table", "delivery-log").find_all("tr", "delivery")
    assert [r.attrs["data-state"] for r in rows] == list(reversed(states))
    for row in rows:
        badge = row.find("span", "state-badge")
        want = row.attrs["data-state"]
        assert f"state-{want}" in badge.classes and badge.text() == want.capitalize()
        assert row.find("button", data_action="redeliver")
        attempts = row.find("button", data_action="attempts")
        assert attempts.attrs["aria-expanded"] == "false"
        assert page.find("tr", id=attempts.attrs["aria-controls"], hidden=True)
    failed = rows[3]
    assert failed.find("td", "delivery-status").text() == "500"
    assert failed.find("td", "delivery-latency").text() == "42 ms"
    assert failed.find("td", "delivery-attempts").text() == "3"
    assert failed.find("td", "delivery-next").find("time")
    assert rows[0].find("td", "delivery-next").text() == "—"  # pending: nothing attempted
    assert article.find("span", "deliveries-shown").text() == "5 of 5, newest first"
    assert article.find("button", data_action="more", hidden=True)

    # The board list links here for a lead.
    boards = parse((await web.get("/boards")).text)
    assert boards.find("a", "page-link").attrs["href"] == "/webhooks"


async def test_the_log_shows_a_first_page_and_more_rows_come_from_the_rows_fragment(
    client, person, signed_in, app
):
    _, board, web = await _lead_with_board(client, person, signed_in)
    ep = await _create(web, board_id=board["id"])
    await _add_deliveries(app, ep["id"], ["succeeded"] * 13)

    page = parse((await web.get("/webhooks")).text)
    article = page.find("article", "endpoint", data_endpoint_id=ep["id"])
    first = [r.attrs["data-delivery-id"] for r in article.find_all("tr", "delivery")]
    assert len(first) == 10 and first == sorted(first, key=int, reverse=True)
    more = article.find("button", data_action="more")
    assert "hidden" not in more.attrs and more.text() == "Load more"
    assert article.find("span", "deliveries-shown").text() == "10 of 13, newest first"

    rest = await web.get(f"/webhooks/{ep['id']}/rows", params={"offset": 10})
    assert rest.status_code == 200 and rest.headers["x-total"] == "13"
    ids = [r.attrs["data-delivery-id"] for r in parse(rest.text).find_all("tr", "delivery")]
    assert len(ids) == 3 and int(ids[0]) < int(first[-1])

    # After a change the page re-reads the endpoint with as many rows as it shows.
    frag = await web.get(f"/webhooks/{ep['id']}/fragment", params={"limit": 13})
    assert frag.status_code == 200
    panel = parse(frag.text).find("article", "endpoint")
    assert len(panel.find_all("tr", "delivery")) == 13
    assert panel.find("button", data_action="more", hidden=True)


async def test_agents_and_viewers_are_refused_but_a_board_lead_gets_in(client, person, signed_in):
    for role in ("agent", "viewer", "facilitator"):
        web = await signed_in(await person(role=role))
        response = await web.get("/webhooks")
        assert response.status_code == 403, role
        page = parse(response.text)
        assert page.find("p", "status-code").text() == "403"
        assert "admins and board leads" in page.find("main").text()
        assert page.find("main").find("a", href="/boards")
        assert not parse((await web.get("/boards")).text).find_all("a", "page-link")

    # A global agent who leads a board may subscribe to it, so the page is theirs too,
    # and offers only the board they lead.
    agent = await person(role="agent")
    led = await factories.create_board(client, name="Led by the agent")
    worked = await factories.create_board(client, name="Only worked on")
    await factories.add_member(client, led["id"], agent["id"], role="lead")
    await factories.add_member(client, worked["id"], agent["id"])
    web = await signed_in(agent)
    response = await web.get("/webhooks")
    assert response.status_code == 200
    options = parse(response.text).find("select", name="board_id").find_all("option")
    assert [(o.attrs["value"], o.text()) for o in options] == [(str(led["id"]), "Led by the agent")]


async def test_the_page_states_how_long_the_configured_schedule_retries(
    client, person, signed_in, settings
):
    _, _, web = await _lead_with_board(client, person, signed_in, name="Retry desk")
    text = " ".join(parse((await web.get("/webhooks")).text).find("main").text().split())
    # The tests' schedule (0.2 s … 1 s): the figure is computed, never a fixed "three days".
    assert describe(settings.retry_delays) == "about 5 seconds"
    assert "retried 7 times over about 5 seconds" in text
    assert steps(settings.retry_delays) in text
    assert "three days" not in text


async def test_a_lead_made_a_viewer_loses_the_page_and_their_endpoint(client, person, signed_in):
    agent = await person(role="agent")
    board = await factories.create_board(client, name="Demoted desk")
    await factories.add_member(client, board["id"], agent["id"], role="lead")
    # A second board keeps them signed in while the first one's membership changes.
    other = await factories.create_board(client, name="Worked desk")
    await factories.add_member(client, other["id"], agent["id"])
    web = await signed_in(agent)
    hook = await _create(web, board_id=board["id"])
    assert (await web.get(f"/webhooks/{hook['id']}/fragment")).status_code == 200

    # Made a viewer of the board (removed, added back): the endpoint is not theirs now.
    assert (await client.delete(f"/api/boards/{board['id']}/members/{agent['id']}")).is_success
    await factories.add_member(client, board["id"], agent["id"], role="viewer")
    assert (await web.get("/webhooks")).status_code == 403
    for part in ("fragment", "rows"):
        r = await web.get(f"/webhooks/{hook['id']}/{part}")
        assert r.status_code == 403 and "no longer lead" in r.text, part


async def test_someone_elses_endpoint_is_not_found_in_the_fragments(client, person, signed_in):
    _, board, owner = await _lead_with_board(client, person, signed_in)
    ep = await _create(owner, board_id=board["id"])
    _, _, other = await _lead_with_board(client, person, signed_in)
    for path in (f"/webhooks/{ep['id']}/fragment", f"/webhooks/{ep['id']}/rows"):
        assert (await other.get(path)).status_code == 404
        assert (await owner.get(path)).status_code == 200
    assert f'data-endpoint-id="{ep["id"]}"' not in (await other.get("/webhooks")).text
    for bad in ("/webhooks/0/fragment", "/webhooks/abc/rows", "/webhooks/99999999999/fragment"):
        assert (await owner.get(bad)).status_code == 404
    assert (await owner.get(f"/webhooks/{ep['id']}/rows?offset=-1")).status_code == 404


async def test_signed_out_goes_to_the_sign_in_form(web_client):
    web = web_client()
    response = await web.get("/webhooks?page=2")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fwebhooks%3Fpage%3D2"
    for path in ("/webhooks/1/fragment", "/webhooks/1/rows"):
        assert (await web.get(path)).status_code == 401


async def test_the_secret_is_never_in_the_page_html(client, person, signed_in):
    _, board, web = await _lead_with_board(client, person, signed_in)
    ep = await _create(web, board_id=board["id"])
    secret = ep["secret"]
    assert secret.startswith("whsec_")
    rotated = await web.post(
        f"/api/webhooks/{ep['id']}/rotate-secret", headers={"X-CSRF-Token": await _csrf(web)}
    )
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]

    pages = [
        await web.get("/webhooks"),
        await web.get(f"/webhooks/{ep['id']}/fragment"),
        await web.get(f"/webhooks/{ep['id']}/rows"),
    ]
    for response in pages:
        assert response.status_code == 200
        assert secret not in response.text and new_secret not in response.text
        assert "whsec_" not in response.text
    # What the page does show: the old secret still signs for a while.
    panel = parse(pages[0].text).find("article", "endpoint", data_endpoint_id=ep["id"])
    assert panel.find("dd", "endpoint-rotation").find("time")
    # The secret boxes are there, empty, for the script to fill once.
    for box in parse(pages[0].text).find_all("div", "secret-box"):
        assert "hidden" in box.attrs and box.find("input", "secret-value").attrs["value"] == ""


async def test_an_admin_sees_every_endpoint_newest_first_and_may_pick_all_boards(
    client, person, signed_in
):
    # The admin's board choice lists the first MAX_BOARD_CHOICES boards by name, and the
    # suite's shared database holds hundreds of boards: this one's name sorts first.
    _, board, lead_web = await _lead_with_board(client, person, signed_in, name="000 Payments")
    older = await _create(lead_web, board_id=board["id"], description="the lead's")
    admin = await person(role="admin", name="Ada Admin")
    web = await signed_in(admin)
    newer = await _create(web, event_types=["*"])

    page = parse((await web.get("/webhooks")).text)
    ids = [a.attrs["data-endpoint-id"] for a in page.find_all("article", "endpoint")]
    assert ids.index(str(newer["id"])) < ids.index(str(older["id"]))
    mine = page.find("article", "endpoint", data_endpoint_id=newer["id"])
    assert mine.find("dd", "endpoint-board").text() == "All boards"
    assert mine.find("dd", "endpoint-owner").text() == "Ada Admin"
    theirs = page.find("article", "endpoint", data_endpoint_id=older["id"])
    assert theirs.find("dd", "endpoint-description").text() == "the lead's"
    options = page.find("select", name="board_id").find_all("option")
    assert (options[0].attrs["value"], options[0].text()) == ("", "All boards")
    assert str(board["id"]) in [o.attrs["value"] for o in options]
    assert page.find("input", name="event_types", required=True)
    assert "alert.raised" in page.find("p", id="event-types-hint").text()

    # The lead sees only their own.
    lead_page = parse((await lead_web.get("/webhooks")).text)
    lead_ids = [a.attrs["data-endpoint-id"] for a in lead_page.find_all("article", "endpoint")]
    assert str(older["id"]) in lead_ids and str(newer["id"]) not in lead_ids
    assert not lead_page.find_all("dd", "endpoint-owner")
    assert "All boards" not in [
        o.text() for o in lead_page.find("select", name="board_id").find_all("option")
    ]
