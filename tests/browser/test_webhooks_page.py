"""The webhooks page in Chromium, against a real uvicorn whose relay really sends.

An admin adds an endpoint pointing at a loopback receiver (running in this test
process), sees its secret once, pings it and the receiver gets a webhook.ping signed
with that secret; the delivery log, refreshed from the page, shows it succeeded. An
endpoint the receiver answers 500 shows failed in amber with its attempts, and
Redeliver queues a new delivery of the same event. A server that refuses loopback URLs
(the production setting) gets its refusal shown on the form.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from standardwebhooks import Webhook

from app.core.config import Settings
from tests.browser.conftest import NewPerson, Person
from tests.conftest import LiveServer
from tests.webhooks.receiver import Received, Receiver

TIMEOUT_MS = 15_000
GREEN, AMBER = "rgb(220, 252, 231)", "rgb(254, 243, 199)"  # the state badges' backgrounds
SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=]+$")


class WebhooksPage:
    """One person's /webhooks page (``app/web/templates/webhooks.html``): the
    ``form#create-webhook``, the ``#created-secret`` box, one
    ``article.endpoint[data-endpoint-id][data-url]`` per endpoint with its
    ``table.delivery-log`` of ``tr.delivery[data-delivery-id][data-state]`` rows."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    async def goto(self) -> None:
        response = await self.page.goto(f"{self.base_url}/webhooks")
        assert response is not None and response.status == 200

    @property
    def form(self) -> Locator:
        return self.page.locator("form#create-webhook")

    @property
    def created_secret(self) -> Locator:
        return self.page.locator("#created-secret")

    def endpoint(self, url: str) -> Locator:
        return self.page.locator(f'article.endpoint[data-url="{url}"]')

    @staticmethod
    def rows(endpoint: Locator) -> Locator:
        return endpoint.locator("table.delivery-log tr.delivery")

    async def create(self, url: str, board: str, events: str) -> None:
        await self.form.get_by_label("URL").fill(url)
        await self.form.get_by_label("Board").select_option(label=board)
        await self.form.get_by_label("Event types").fill(events)
        await self.form.get_by_role("button", name="Add endpoint").click()

    async def refresh_until(self, endpoint: Locator, row: Locator, state: str) -> None:
        """Click the log's Refresh until ``row`` shows ``state`` (the relay works in the
        background; the page shows what it has recorded when asked)."""
        deadline_ms, step_ms = TIMEOUT_MS, 1_000
        for _ in range(deadline_ms // step_ms):
            await endpoint.get_by_role("button", name="Refresh").click()
            try:
                await expect(row).to_have_attribute("data-state", state, timeout=step_ms)
                return
            except AssertionError:
                continue
        await expect(row).to_have_attribute("data-state", state, timeout=step_ms)


OpenWebhooks = Callable[..., Awaitable[WebhooksPage]]


@pytest.fixture
async def admin_key(new_person: NewPerson) -> str:
    return await new_person("Ada Admin", role="admin")


@pytest.fixture
async def open_webhooks(
    browser: Browser, people: dict[str, Person], web: LiveServer
) -> AsyncIterator[OpenWebhooks]:
    """Open /webhooks as a person (on the shared server unless told another); at the
    end, a page that threw an uncaught script error fails the test."""
    contexts: list[BrowserContext] = []
    pages: list[WebhooksPage] = []

    async def opener(who: str, server: LiveServer | None = None) -> WebhooksPage:
        context = await browser.new_context(
            storage_state=people[who].storage_state, viewport={"width": 1400, "height": 1000}
        )
        contexts.append(context)
        view = WebhooksPage(await context.new_page(), (server or web).url)
        pages.append(view)
        await view.goto()
        return view

    yield opener
    for context in contexts:
        await context.close()
    errors = [e for p in pages for e in p.errors]
    assert not errors, f"uncaught script errors on the webhooks page: {errors}"


async def _forget(api: httpx.AsyncClient, url: str) -> None:
    """Delete every endpoint pointing at ``url`` (the test's receiver is going away, and
    the shared database's relays should not keep sending to it)."""
    offset, doomed = 0, []
    while True:
        r = await api.get("/api/webhooks", params={"limit": 200, "offset": offset})
        assert r.status_code == 200, r.text
        page = r.json()
        doomed += [e["id"] for e in page["endpoints"] if e["url"] == url]
        offset += len(page["endpoints"])
        if not page["endpoints"] or offset >= page["total"]:
            break
    for eid in doomed:
        assert (await api.delete(f"/api/webhooks/{eid}")).status_code in (204, 404)


@pytest.fixture
async def receiver(api: httpx.AsyncClient) -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await _forget(api, r.url)
    await r.stop()


@pytest.fixture
async def failing_receiver(api: httpx.AsyncClient) -> AsyncIterator[Receiver]:
    """Answers 500, asking for the next try in an hour: deliveries stay "failed"."""
    r = await Receiver(respond=lambda _: (500, {"Retry-After": "3600"}, b"boom")).start()
    yield r
    await _forget(api, r.url)
    await r.stop()


@pytest.fixture(scope="module")
def strict_server(settings: Settings) -> Iterator[LiveServer]:
    """A server with the production SSRF rule: no loopback or private webhook URLs. Its
    relay is off: sending under that rule, it would fail other tests' loopback
    deliveries on the shared database."""
    server = LiveServer(
        settings.database_url,
        SWARMBOARD_WEBHOOK_ALLOW_PRIVATE="false",
        SWARMBOARD_WEBHOOK_RELAY="off",
    )
    yield server
    server.stop()


async def _first_new(receiver: Receiver, seen: set[str]) -> Received:
    """The first request carrying a webhook-id not in ``seen``, waiting for it. (Delivery
    is at least once: a request may come twice, e.g. when a lease ran out.)"""
    count = 1
    while True:
        for request in await receiver.wait_for(count):
            if request.headers["webhook-id"] not in seen:
                return request
        count = len(receiver.requests) + 1


def _verified(request: Received, secret: str) -> dict[str, Any]:
    """The request's JSON, after checking its Standard Webhooks signature."""
    return dict(Webhook(secret).verify(request.body, request.headers))


async def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_pings_it(
    admin_key, open_webhooks, receiver, new_board
):
    board = await new_board()
    view = await open_webhooks(admin_key)
    await view.create(receiver.url, board["name"], "card.*, swarm.*")

    # The secret, once: in the box, with how to copy it, and the new endpoint on top.
    box = view.created_secret
    await expect(box).to_be_visible()
    secret_input = box.get_by_label("Signing secret")
    await expect(secret_input).to_have_value(SECRET)
    await expect(secret_input).to_be_focused()
    await expect(box).to_contain_text("shown only this once")
    await expect(box.get_by_role("button", name="Copy")).to_be_visible()
    secret = await secret_input.input_value()
    endpoint = view.endpoint(receiver.url)
    await expect(endpoint).to_be_visible()
    await expect(view.page.locator("article.endpoint").first).to_have_attribute(
        "data-url", receiver.url
    )
    await expect(endpoint.locator(".endpoint-state")).to_have_text("Enabled")
    await expect(endpoint.locator(".endpoint-board")).to_have_text(board["name"])
    await expect(endpoint.locator(".endpoint-events code")).to_have_text(["card.*", "swarm.*"])
    await expect(endpoint.locator(".deliveries-empty")).to_be_visible()
    await expect(view.form.get_by_label("URL")).to_have_value("")  # ready for the next

    await box.get_by_role("button", name="I have saved it").click()
    await expect(box).to_be_hidden()
    assert secret not in await view.page.content()
    await view.page.reload()
    await expect(view.created_secret).to_be_hidden()
    await expect(view.created_secret.get_by_label("Signing secret")).to_have_value("")
    assert secret not in await view.page.content()

    # Ping: the receiver gets a webhook.ping signed with that secret.
    await endpoint.get_by_role("button", name="Ping").click()
    await expect(endpoint.locator(".endpoint-notice")).to_contain_text("Ping queued")
    request = await _first_new(receiver, set())
    event = _verified(request, secret)
    assert event["type"] == "webhook.ping" and event["board_id"] == board["id"]
    assert request.headers["webhook-id"] == event["id"]

    # The log, refreshed from the page: succeeded, in green and in words.
    row = view.rows(endpoint).first
    await view.refresh_until(endpoint, row, "succeeded")
    await expect(view.rows(endpoint)).to_have_count(1)
    badge = row.locator(".state-badge")
    await expect(badge).to_have_text("Succeeded")
    await expect(badge).to_have_css("background-color", GREEN)
    await expect(row.locator(".delivery-type")).to_have_text("webhook.ping")
    await expect(row.locator(".delivery-event")).to_have_text(event["id"])
    await expect(row.locator(".delivery-attempts")).to_have_text("1")
    await expect(row.locator(".delivery-status")).to_have_text("200")
    await expect(row.locator(".delivery-latency")).to_have_text(re.compile(r"^\d+ ms$"))
    await expect(row.locator(".delivery-next")).to_have_text("—")
    await expect(endpoint.locator('.delivery-counts [data-state="succeeded"]')).to_have_text(
        "Succeeded: 1"
    )

    # Its attempt log, expanded in place.
    await row.get_by_role("button", name="Attempts").click()
    delivery_id = await row.get_attribute("data-delivery-id")
    detail = endpoint.locator(f'tr.delivery-detail[data-detail-for="{delivery_id}"]')
    await expect(detail).to_be_visible()
    await expect(row.get_by_role("button", name="Attempts")).to_have_attribute(
        "aria-expanded", "true"
    )
    await expect(detail.locator("li.attempt")).to_have_count(1)
    await expect(detail.locator("li.attempt")).to_contain_text("HTTP 200")
    await expect(detail.locator("li.attempt pre")).to_have_text("ok")
    await expect(detail.locator("details.delivery-payload pre")).to_contain_text("webhook.ping")

    # Rotate: the new secret shows once; the next ping carries both signatures.
    await endpoint.get_by_role("button", name="Rotate secret").click()
    rotated_box = endpoint.locator(".secret-box")
    await expect(rotated_box).to_be_visible()
    new_input = rotated_box.get_by_label("New signing secret")
    await expect(new_input).to_have_value(SECRET)
    new_secret = await new_input.input_value()
    assert new_secret != secret
    await expect(endpoint.locator(".endpoint-rotation")).to_contain_text("Also signs until")
    await endpoint.get_by_role("button", name="Ping").click()
    second = await _first_new(receiver, {event["id"]})
    assert _verified(second, new_secret)["type"] == "webhook.ping"
    assert _verified(second, secret)["type"] == "webhook.ping"
    await rotated_box.get_by_role("button", name="I have saved it").click()
    await expect(rotated_box).to_be_hidden()
    assert new_secret not in await view.page.content()


async def test_a_failing_endpoint_shows_failed_in_amber_and_redeliver_queues_a_new_one(
    admin_key, open_webhooks, failing_receiver, new_board, api
):
    board = await new_board()
    made = await api.post(
        "/api/webhooks",
        json={"url": failing_receiver.url, "event_types": ["card.*"], "board_id": board["id"]},
    )
    assert made.status_code == 201, made.text
    view = await open_webhooks(admin_key)
    endpoint = view.endpoint(failing_receiver.url)
    await expect(endpoint).to_be_visible()

    await endpoint.get_by_role("button", name="Ping").click()
    first = await _first_new(failing_receiver, set())
    row = view.rows(endpoint).first
    await view.refresh_until(endpoint, row, "failed")
    badge = row.locator(".state-badge")
    await expect(badge).to_have_text("Failed")
    await expect(badge).to_have_css("background-color", AMBER)
    await expect(row.locator(".delivery-attempts")).to_have_text("1")
    await expect(row.locator(".delivery-status")).to_have_text("500")
    # Relative (time.js), the absolute time as its tooltip.
    next_try = row.locator(".delivery-next time")
    await expect(next_try).to_have_text(re.compile(r"^in \d+ (min|h)$"))
    await expect(next_try).to_have_attribute("title", re.compile(r"\d{4}, \d{2}:\d{2} \S+$"))
    failing = endpoint.locator(".endpoint-failing")
    await expect(failing).to_be_visible()
    await expect(failing).to_contain_text("Failing since")
    await row.get_by_role("button", name="Attempts").click()
    await expect(endpoint.locator("tr.delivery-detail li.attempt")).to_contain_text("HTTP 500")
    await expect(endpoint.locator("tr.delivery-detail li.attempt pre")).to_have_text("boom")

    # Redeliver: a new delivery of the same event (same webhook-id), on top of the log.
    await row.get_by_role("button", name="Redeliver").click()
    await expect(endpoint.locator(".endpoint-notice")).to_contain_text("Redelivery queued")
    await expect(view.rows(endpoint)).to_have_count(2)
    again = (await failing_receiver.wait_for(2))[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    await view.refresh_until(endpoint, view.rows(endpoint).first, "failed")
    await expect(view.rows(endpoint).locator(".state-badge")).to_have_text(["Failed", "Failed"])
    await expect(endpoint.locator('.delivery-counts [data-state="failed"]')).to_have_text(
        "Failed: 2"
    )
    # The expanded attempt log stayed open across the refreshes.
    await expect(endpoint.locator("tr.delivery-detail:visible")).to_have_count(1)

    # Disable, see why, enable again.
    await endpoint.get_by_role("button", name="Disable").click()
    await expect(endpoint.locator(".endpoint-state")).to_have_text("Disabled")
    await expect(endpoint.locator(".endpoint-reason")).to_have_text("Disabled by its owner.")
    await expect(endpoint.get_by_role("button", name="Enable")).to_be_focused()
    await endpoint.get_by_role("button", name="Enable").click()
    await expect(endpoint.locator(".endpoint-state")).to_have_text("Enabled")
    await expect(endpoint.locator(".endpoint-disabled")).to_have_count(0)

    # Delete, after confirming in the dialog.
    await endpoint.get_by_role("button", name="Delete…").click()
    dialog = view.page.locator("dialog#delete-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(failing_receiver.url)
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(endpoint).to_be_visible()
    await endpoint.get_by_role("button", name="Delete…").click()
    await dialog.get_by_role("button", name="Delete endpoint").click()
    await expect(endpoint).to_have_count(0)
    await expect(view.page.locator("#page-notice")).to_contain_text("Deleted the endpoint")
    assert (await api.get(f"/api/webhooks/{made.json()['id']}")).status_code == 404


async def test_load_more_shows_older_deliveries(admin_key, open_webhooks, receiver, api, new_board):
    board = await new_board()
    made = await api.post(
        "/api/webhooks",
        json={"url": receiver.url, "event_types": ["*"], "board_id": board["id"]},
    )
    assert made.status_code == 201, made.text
    eid = made.json()["id"]
    for _ in range(12):
        assert (await api.post(f"/api/webhooks/{eid}/ping")).status_code == 202
    view = await open_webhooks(admin_key)
    endpoint = view.endpoint(receiver.url)
    await expect(view.rows(endpoint)).to_have_count(10)
    await expect(endpoint.locator(".deliveries-shown")).to_have_text("10 of 12, newest first")
    more = endpoint.get_by_role("button", name="Load more")
    await more.click()
    await expect(view.rows(endpoint)).to_have_count(12)
    await expect(more).to_be_hidden()
    ids = [
        int(i)
        for i in await view.rows(endpoint).evaluate_all(
            "rows => rows.map(r => r.dataset.deliveryId)"
        )
    ]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 12


async def test_refusals_are_shown_on_the_form(
    admin_key, open_webhooks, strict_server, new_board, people
):
    board = await new_board()
    # An event type that is not one: the field says why.
    view = await open_webhooks(admin_key)
    await view.create("https://hooks.example.com/in", board["name"], "card.moved, Card Moved!")
    error = view.form.locator(".form-error")
    await expect(error).to_have_text(re.compile("Invalid value for: event_types"))
    field = view.form.locator('[data-field-error="event_types"]')
    await expect(field).to_contain_text("not an event type")
    await expect(view.form.get_by_label("Event types")).to_have_attribute("aria-invalid", "true")
    await expect(view.endpoint("https://hooks.example.com/in")).to_have_count(0)
    await view.form.get_by_label("Event types").fill("card.moved")
    await expect(field).to_be_hidden()

    # A server that refuses loopback addresses (production): the problem's detail on top,
    # the URL's own message under it, and nothing created.
    strict = await open_webhooks(admin_key, strict_server)
    url = "http://127.0.0.1:9/hook"
    await strict.create(url, board["name"], "card.*")
    await expect(strict.form.locator(".form-error")).to_contain_text(
        "loopback, private, link-local or metadata address"
    )
    url_error = strict.form.locator('[data-field-error="url"]')
    await expect(url_error).to_be_visible()
    await expect(url_error).to_contain_text("resolves to a loopback")
    await expect(strict.form.get_by_label("URL")).to_be_focused()
    await expect(strict.created_secret).to_be_hidden()
    await expect(strict.endpoint(url)).to_have_count(0)

    # Agents do not get the page at all.
    response = await strict.page.context.request.get(f"{strict_server.url}/webhooks")
    assert response.status == 200  # the admin
    agent_context = await strict.page.context.browser.new_context(
        storage_state=people["agent"].storage_state
    )
    try:
        refused = await (await agent_context.new_page()).goto(f"{strict_server.url}/webhooks")
        assert refused is not None and refused.status == 403
    finally:
        await agent_context.close()
