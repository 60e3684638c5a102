"""``/docs`` shows the API in Chromium under the app's strict Content-Security-Policy:
Swagger UI's files come from this server (a Python package ships them), its start-up
script is a file, and nothing on the page breaks the policy."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from app.core.security import CONTENT_SECURITY_POLICY
from tests.browser.test_csp import COLLECT
from tests.conftest import LiveServer


async def test_the_api_docs_list_the_operations(browser: Browser, web: LiveServer) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(COLLECT)
    try:
        page = await context.new_page()
        errors: list[str] = []
        fetched: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda request: fetched.append(request.url))

        response = await page.goto(web.url + "/docs")

        assert response is not None and response.status == 200
        # The default policy, not one loosened for this page.
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        move = page.locator(".opblock-summary", has_text="/api/cards/{card_id}/move")
        await expect(move.first).to_be_visible(timeout=20_000)
        await expect(move.first).to_contain_text("Move Card")
        await expect(page.get_by_text("Swarmboard", exact=False).first).to_be_visible()
        assert await page.locator(".opblock").count() > 50  # every operation is listed
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate("window.__csp") == []
        assert errors == []
        assert fetched and all(url.startswith(web.url + "/") for url in fetched), fetched
    finally:
        await context.close()
