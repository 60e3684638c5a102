"""One date format on every page.

A moment is printed as ``<time datetime="ISO" data-relative title="…">`` with one stable
text inside (``7 Dec 2026, 09:14 UTC``) for readers without scripts; time.js turns it into
"12 min ago" (tests/browser/test_dates.py). A day on the retro's axes and in its tables is
``7 Dec``. Nothing on these pages is printed the old ways.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import update

from app.web import charts
from app.web.dates import day_label, day_text, iso, moment, when
from app.webhooks.repository import endpoints
from tests.confirm.helpers import closed_card, make_board
from tests.web.helpers import Node, parse
from tests.web.test_retro_page import _history
from tests.web.test_webhooks_page import _add_deliveries, _create, _csrf, _lead_with_board

# The one fallback text of a moment, and its tooltip (with the weekday).
FALLBACK = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$")
TITLE = re.compile(r"^[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
DAY_LABEL = re.compile(r"^\d{1,2} [A-Z][a-z]{2}$")
# How dates were printed before: none of them may show up in a page's text.
OLD_FORMATS = [
    re.compile(r"\d{1,2}/\d{1,2}/\d{4}"),
    re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"),
    re.compile(r"\d{2}:\d{2} [AP]M"),
    re.compile(r"\b0\d [A-Z][a-z]{2}\b"),  # "07 Dec" on the retro's axes
]


def _times(page: Node) -> list[Node]:
    return page.find_all("time")


def _assert_moments(times: list[Node]) -> None:
    assert times
    for t in times:
        assert ISO.match(t.attrs["datetime"]), t.attrs
        assert "data-relative" in t.attrs, t.attrs
        assert TITLE.match(t.attrs["title"]), t.attrs
        assert FALLBACK.match(t.text()), t.text()
        # The tooltip and the text name the same minute as the datetime attribute.
        at = datetime.fromisoformat(t.attrs["datetime"].replace("Z", "+00:00"))
        assert t.text() == when(at) and t.attrs["title"].endswith(t.text())


def _strings(node: Node) -> list[str]:
    """Each text node on its own (run together, "0" and "8 Nov" would read "08 Nov")."""
    out: list[str] = []
    for child in node.children:
        out.extend([child] if isinstance(child, str) else _strings(child))
    return out


def _assert_no_old_formats(page: Node) -> None:
    for text in _strings(page.find("body")):
        for old in OLD_FORMATS:
            assert not old.search(text), (old.pattern, text)


def test_a_moment_is_a_time_element_with_one_stable_text():
    at = datetime(2026, 12, 7, 9, 14, 18, 123000, tzinfo=UTC)
    assert str(moment(at)) == (
        '<time datetime="2026-12-07T09:14:18.123000Z" data-relative '
        'title="Mon 7 Dec 2026, 09:14 UTC">7 Dec 2026, 09:14 UTC</time>'
    )
    # Another zone is shown in UTC; a naive value is UTC; none prints nothing.
    cet = timezone(timedelta(hours=1))
    assert when(datetime(2026, 12, 7, 10, 14, tzinfo=cet)) == "7 Dec 2026, 09:14 UTC"
    assert iso(datetime(2026, 3, 1, 4, 5)) == "2026-03-01T04:05:00Z"
    assert when(None) == "" and str(moment(None)) == ""
    # The class is escaped like any attribute.
    assert str(moment(at, 'x"y')).startswith('<time class="x&#34;y" ')


def test_a_day_is_labelled_day_first_without_a_leading_zero():
    assert day_label(date(2026, 12, 7)) == "7 Dec"
    assert day_label(date(2026, 12, 7), year=True) == day_text(date(2026, 12, 7)) == "7 Dec 2026"
    svg = str(
        charts.run_chart([(date(2026, 12, 1) + timedelta(days=i), i % 3) for i in range(9)]).svg
    )
    ticks = re.findall(r'class="tick-label"[^>]*text-anchor="middle"[^>]*>([^<]*)<', svg)
    assert "1 Dec" in ticks and all(DAY_LABEL.match(t) for t in ticks), ticks
    assert "<title>7 Dec: 0</title>" in svg and "2026-12-07:" not in svg


async def test_the_webhooks_page_prints_every_moment_as_a_time_element(
    client, person, signed_in, app
):
    _, board, web = await _lead_with_board(client, person, signed_in)
    ep = await _create(web, board_id=board["id"])
    since = datetime(2025, 3, 1, 14, 5, 9, tzinfo=UTC)
    await app.state.db.write(
        lambda s: s.execute(
            update(endpoints).where(endpoints.c.id == ep["id"]).values(failing_since=since)
        )
    )
    await _add_deliveries(app, ep["id"], ["succeeded", "failed", "dead", "pending"])
    rotated = await web.post(
        f"/api/webhooks/{ep['id']}/rotate-secret", headers={"X-CSRF-Token": await _csrf(web)}
    )
    assert rotated.status_code == 200, rotated.text

    page = parse((await web.get("/webhooks")).text)

    article = page.find("article", "endpoint", data_endpoint_id=ep["id"])
    failing = article.find("time", "endpoint-failing-since")
    assert failing.text() == "1 Mar 2025, 14:05 UTC"
    assert failing.attrs["title"] == "Sat 1 Mar 2025, 14:05 UTC"
    assert article.find("time", "endpoint-added")
    # Queued for each of the four rows, and the failed one's next attempt.
    assert len(article.find("tbody").find_all("time")) == 5
    assert article.find("dd", "endpoint-rotation").find("time")
    _assert_moments(_times(page))
    _assert_no_old_formats(page)

    # The fragment a refresh fetches prints them the same way.
    fragment = parse((await web.get(f"/webhooks/{ep['id']}/fragment")).text)
    _assert_moments(_times(fragment))


async def test_the_retro_labels_days_one_way_and_prints_its_moment_as_a_time_element(
    app, client, person, signed_in
):
    h = await _history(app, client, person)
    web = await signed_in(h["lead"])
    r = await web.get(f"/boards/{h['id']}/retro")
    assert r.status_code == 200, r.text
    page = parse(r.text)

    _assert_moments(page.find("p", cls="retro-generated").find_all("time"))
    # The charts with days across: every tick label there is a day.
    ticks = [
        t.text()
        for key in ("scatter", "cfd", "throughput")
        for t in page.find("figure", data_chart=key).find_all("text", cls="tick-label")
        if not re.fullmatch(r"[\d.,]+", t.text())
    ]
    assert ticks and all(DAY_LABEL.match(t) for t in ticks), ticks
    # The tables under the charts: the first cell of each daily row is a day label.
    days = [
        row.find("th").text()
        for key in ("cfd", "throughput")
        for row in page.find("figure", data_chart=key).find("tbody").find_all("tr")
    ]
    assert days and all(DAY_LABEL.match(d) for d in days), days
    # The range in the intro names its days with their year.
    intro = page.find("p", cls="retro-intro")
    assert all(
        re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", t.text()) for t in intro.find_all("time")
    )
    _assert_no_old_formats(page)


async def test_the_customers_page_prints_its_moments_the_same_way_without_a_script(client, as_user):
    board_id, cols = await make_board(client)
    _, path = await closed_card(client, board_id, cols, title="Refund shows twice")
    customer = as_user(None)

    form = parse((await customer.get(path)).text)
    _assert_moments(_times(form))
    assert not form.find_all("script")

    answered = await customer.post(
        path, data={"solved": "yes", "csat": "", "ces": "", "nps": "", "comment": ""}
    )
    assert answered.status_code in (200, 303), answered.text
    page = parse((await customer.get(path)).text)
    _assert_moments(_times(page))
    _assert_no_old_formats(page)
