"""The pages run under a strict Content-Security-Policy and nothing on them breaks it.

No inline script, no inline style (not even style attributes), nothing from elsewhere.
Chromium reports every refused script or style as a ``securitypolicyviolation`` event;
each page is opened with a listener and must report none. A style attribute injected
on purpose shows the listener does see violations. The board's grid, whose column and
lane counts used to be a style attribute, still lays the columns out side by side.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.conftest import Person
from tests.conftest import LiveServer

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""


async def _context(browser: Browser, person: Person) -> BrowserContext:
    context = await browser.new_context(
        storage_state=person.storage_state, viewport={"width": 1600, "height": 1000}
    )
    await context.add_init_script(COLLECT)
    return context


async def _open(page: Page, url: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "style-src 'self'" in csp, csp
    await page.wait_for_load_state("networkidle")
    assert errors == [], errors
    violations: list[str] = await page.evaluate("window.__csp")
    return violations


async def test_no_page_breaks_the_strict_policy(
    browser: Browser, people: dict[str, Person], web: LiveServer, new_board: Any, add_card: Any
) -> None:
    board = await new_board(
        columns=[
            {"name": "New", "stage": "backlog"},
            {"name": "Working", "stage": "active", "wip_limit": 3},
            {"name": "Done", "stage": "done"},
        ],
        lanes=[{"name": "Expedite"}, {"name": "Standard"}],
    )
    await add_card(board["id"], title="Checkout times out for EU customers")
    context = await _context(browser, people["lead"])
    try:
        page = await context.new_page()
        for path in (
            f"/boards/{board['id']}",
            f"/boards/{board['id']}/retro",
            f"/boards/{board['id']}/insights",
            f"/boards/{board['id']}/settings",
            "/boards",
            "/people",
            "/webhooks",
        ):
            assert await _open(page, web.url + path) == [], path
    finally:
        await context.close()


async def test_the_board_grid_is_laid_out_without_a_style_attribute(
    browser: Browser, people: dict[str, Person], web: LiveServer, new_board: Any
) -> None:
    board = await new_board(
        columns=[
            {"name": "New", "stage": "backlog"},
            {"name": "Working", "stage": "active"},
            {"name": "Waiting", "stage": "active"},
            {"name": "Done", "stage": "done"},
        ],
        lanes=[{"name": "Expedite"}, {"name": "Standard"}],
    )
    context = await _context(browser, people["lead"])
    try:
        page = await context.new_page()
        assert await _open(page, f"{web.url}/boards/{board['id']}") == []
        served = await (await page.request.get(f"{web.url}/boards/{board['id']}")).text()
        assert " style=" not in served  # the counts travel as data attributes
        grid = page.locator(".grid")
        tracks = await grid.evaluate("g => getComputedStyle(g).gridTemplateColumns.split(' ')")
        assert len(tracks) == 1 + 4  # the lane labels, then one track per column
        boxes = [await c.bounding_box() for c in await page.locator("section.column").all()]
        assert len(boxes) == 4 and all(b is not None for b in boxes)
        xs = [b["x"] for b in boxes if b is not None]
        ys = {round(b["y"]) for b in boxes if b is not None}
        assert xs == sorted(xs) and len(set(xs)) == 4 and len(ys) == 1  # side by side

        # The listener is real: an injected style attribute is refused and reported.
        await page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
        )
        await page.wait_for_function("window.__csp.length > 0")
        violations: list[str] = await page.evaluate("window.__csp")
        assert any(v.startswith("style-src-attr") for v in violations), violations
    finally:
        await context.close()
