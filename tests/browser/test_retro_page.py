"""The Retro page in real Chromium: a facilitator reads the numbers, sees the charts and
downloads the exports.

A board gets a week of history (cards moved through the API, then moved into the past
through the database). The lead opens its Retro page: the confirmed-against-closed
headline and the tiles say what ``/api/boards/{id}/metrics/…`` says; the chart area,
screenshotted and decoded with the standard library, is really drawn (many colours,
many non-background pixels); and each export link downloads a file, the ActionableAgile
one starting with its header row.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from app.core.config import Settings
from app.core.db import Database
from app.web import retro_view
from tests.alerts.helpers import age_card
from tests.browser.conftest import Person
from tests.conftest import LiveServer

DAY = 86_400.0
COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    {"name": "Fixing", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]
AA_HEADER = (
    "ID,Link,Name,Triage,Investigating,Fixing,Resolved,"
    "Type,Priority,Channel,Product,Lane,Swarmed,Blocked Days"
)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, pixels) of an 8-bit RGB or RGBA, non-interlaced PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        previous = line
    pixels = [tuple(row[x * bpp : x * bpp + 3]) for row in rows for x in range(width)]
    return width, height, pixels


@pytest.fixture
async def age(settings: Settings) -> AsyncIterator[Any]:
    """Move a card's whole history ``seconds`` into the past (its own database handle,
    like ``backdate``: the live server and this process share the database)."""
    db = Database(settings)
    db.start()
    holder = SimpleNamespace(state=SimpleNamespace(db=db))

    async def run(card_id: int, seconds: float) -> None:
        await age_card(holder, card_id, seconds)

    yield run
    await db.dispose()


async def _move(api: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    r = await api.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
    assert r.status_code == 200, r.text


async def _week(new_board, add_card, api: httpx.AsyncClient, age) -> dict[str, Any]:
    """Six finished cards with cycle times of one to six days, two confirmed solved by
    their customers; three cards in progress of different ages; two in the backlog."""
    board = await new_board(columns=COLUMNS)
    col = {c["name"]: c["id"] for c in board["columns"]}
    for n in range(6):
        card = await add_card(
            board["id"],
            column_id=col["Triage"],
            channel=("chat", "email", "web")[n % 3],
            product=("Billing", "Login")[n % 2],
        )
        await _move(api, card["id"], col["Investigating"])
        await age(card["id"], (n + 1) * DAY * 0.9)
        await _move(api, card["id"], col["Fixing"])
        await _move(api, card["id"], col["Resolved"])
        if n in (1, 4):
            r = await api.post(f"/api/cards/{card['id']}/survey", json={"solved": True, "csat": 5})
            assert r.status_code == 201, r.text
        await age(card["id"], (n % 4) * DAY)
    for n, column in enumerate(("Investigating", "Fixing", "Fixing")):
        card = await add_card(board["id"], column_id=col[column], channel="chat")
        await age(card["id"], (n * 2 + 1) * DAY)
    for _ in range(2):
        await add_card(board["id"], column_id=col["Triage"])
    return board


async def _open(browser: Browser, person: Person, url: str) -> tuple[Any, Page, list[str]]:
    context = await browser.new_context(
        storage_state=person.storage_state, viewport={"width": 1400, "height": 1000}
    )
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on(
        "request",
        lambda r: None if r.url.startswith(url.split("/boards")[0]) else problems.append(r.url),
    )
    response = await page.goto(url)
    assert response is not None and response.status == 200
    return context, page, problems


async def test_the_retro_page_shows_the_apis_numbers_draws_its_charts_and_exports(
    new_board, add_card, api: httpx.AsyncClient, age, browser: Browser, people, web: LiveServer
):
    board = await _week(new_board, add_card, api, age)
    bid = board["id"]
    context, page, problems = await _open(browser, people["lead"], f"{web.url}/boards/{bid}")
    try:
        # From the board, through its header link.
        await page.get_by_role("link", name="Retro", exact=True).click()
        await expect(page.get_by_role("heading", name="Retro", exact=True)).to_be_visible()
        rng = {
            "from": await page.locator("input[name=from]").input_value(),
            "to": await page.locator("input[name=to]").input_value(),
        }
        r = await api.get(f"/api/boards/{bid}/metrics/support", params=rng)
        assert r.status_code == 200, r.text
        support = r.json()
        assert support["closed"]["count"] == 6 and support["closed"]["confirmed_solved"] == 2
        headline = page.locator("p.headline")
        await expect(headline).to_have_text("2 confirmed solved of 6 closed (33.3%)")
        overall = support["overall"]
        for key, value, text in (
            ("frt", overall["frt"]["median"], retro_view.duration(overall["frt"]["median"])),
            ("csat", overall["csat"]["score"], "100%"),
            ("fcr_rate", overall["fcr_rate"], retro_view.percent(overall["fcr_rate"])),
            ("missed", overall["missed"], str(overall["missed"])),
        ):
            tile = page.locator(f'.support-tiles .tile[data-metric="{key}"]')
            await expect(tile.locator(".tile-value")).to_have_text(text)
            raw = await tile.get_attribute("data-value")
            assert (None if raw == "" else float(raw or "nan")) == value, key

        r = await api.get(f"/api/boards/{bid}/metrics/flow", params=rng)
        assert r.status_code == 200, r.text
        flow = r.json()
        assert flow["throughput"]["total"] == 6 and flow["wip"]["now"] == 3
        tiles = page.locator(".flow-tiles")
        await expect(tiles.locator('[data-metric="wip"] .tile-value')).to_have_text("3")
        await expect(tiles.locator('[data-metric="throughput"] .tile-value')).to_have_text("6")
        p85 = flow["cycle_time"]["days"]["p85"]
        await expect(tiles.locator('[data-metric="cycle_p85"] .tile-value')).to_have_text(
            f"{p85} days"
        )
        scatter = page.locator('figure[data-chart="scatter"] svg')
        await expect(scatter).to_have_attribute("role", "img")
        await expect(scatter.locator("circle.point")).to_have_count(6)
        await expect(scatter.locator("line.pline")).to_have_count(3)
        await expect(page.locator('figure[data-chart="aging"] svg circle.point')).to_have_count(3)
        await expect(page.locator('figure[data-chart="cfd"] svg path.area')).to_have_count(4)

        # The chart area is really drawn: many colours, much that is not background.
        charts = page.locator("#flow .charts")
        await charts.scroll_into_view_if_needed()
        width, height, pixels = png_pixels(await charts.screenshot())
        assert width > 600 and height > 300
        # One pass to count (max(colours, key=pixels.count) scanned the pixels per colour).
        counts = Counter(pixels)
        [(_, background_count)] = counts.most_common(1)
        drawn = len(pixels) - background_count
        assert len(counts) > 50, len(counts)
        assert drawn > len(pixels) // 10, (drawn, len(pixels))

        # The exports download, with the range in their links.
        for kind in ("actionable-agile", "cards", "events"):
            link = page.locator(f'a.export-link[data-export="{kind}"]')
            assert f"from={rng['from']}" in (await link.get_attribute("href") or "")
            async with page.expect_download() as info:
                await link.click()
            download = await info.value
            path = await download.path()
            text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
            first = text.splitlines()[0]
            if kind == "actionable-agile":
                assert first == AA_HEADER
                assert download.suggested_filename.endswith(".csv")
            elif kind == "cards":
                assert first.startswith("{")
            else:
                assert first.count(",") >= 3
        assert not problems, problems
    finally:
        await context.close()


async def test_a_bad_range_is_explained_in_the_browser(
    new_board, browser: Browser, people, web: LiveServer
):
    board = await new_board(columns=COLUMNS)
    url = f"{web.url}/boards/{board['id']}/retro"
    context = await browser.new_context(storage_state=people["lead"].storage_state)
    try:
        page = await context.new_page()
        response = await page.goto(url)
        assert response is not None and response.status == 200
        await page.locator("input[name=from]").fill("2025-03-10")
        await page.locator("input[name=to]").fill("2025-03-01")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Show").click()
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("must not be after")
        await expect(page.locator("svg")).to_have_count(0)
    finally:
        await context.close()
