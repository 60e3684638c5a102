"""``swarmboard serve --demo --agent`` in Chromium: the lead watches the FAQ bot work the
demo board live. Cards it answers from the knowledge notes pass through Investigating
with its bot badge and land in Resolved; the card no note answers gets a swarm (the
hand-over). The page is never reloaded.

One server for the module (seeding the demo's 90 days is the costly part). The bot
starts as soon as the server listens, so the test stops it first with its kill switch
(availability 'away'), opens the page, and only then lets it work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from app.demo import DEMO_LOGIN, DEMO_PASSWORD
from app.demo_bot import BOT_EMAIL, CARDS
from tests.browser.helpers import BoardPage, login
from tests.conftest import ADMIN_TOKEN, empty_database
from tests.ops.helpers import serve_process

# The bot's steps are 0.4 s apart (--agent-pause; a person still sees each one arrive)
# and it waits five seconds when stopped: four cards take well under a minute, and slow
# CI gets twice that.
WORK_MS = 120_000


@dataclass
class Demo:
    url: str
    board_id: int
    bot_id: int
    columns: dict[str, int]
    cards: dict[str, int]  # the bot's demo cards, by title


def _admin(url: str) -> httpx.Client:
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=15
    )


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo with its agent on a database of its own, the bot stopped at once."""
    tmp: Path = tmp_path_factory.mktemp("agent-demo")
    with (
        empty_database(database_url, tmp, "agentdemo") as url,
        serve_process(
            url, tmp, args=("--demo", "--agent", "--agent-pause", "0.4"), log_level="warning"
        ) as server,
        _admin(server.url) as api,
    ):
        found = api.get("/api/users", params={"q": BOT_EMAIL}).json()["users"]
        assert [u["kind"] for u in found] == ["bot"], found
        bot_id = found[0]["id"]
        r = api.patch(f"/api/users/{bot_id}", json={"availability": "away"})
        assert r.status_code == 200, r.text
        boards = api.get("/api/boards").json()["boards"]
        board_id = boards[0]["id"]
        board = api.get(f"/api/boards/{board_id}").json()
        assert bot_id in {m["user_id"] for m in board["members"] if m["kind"] == "bot"}
        titles = {title for title, *_ in CARDS}
        yield Demo(
            url=server.url,
            board_id=board_id,
            bot_id=bot_id,
            columns={c["name"]: c["id"] for c in board["columns"]},
            # The newest card of each title: the bot's were made last.
            cards={
                c["title"]: c["id"]
                for c in sorted(board["cards"], key=lambda c: c["id"])
                if c["title"] in titles
            },
        )


async def test_the_lead_watches_the_bot_resolve_and_hand_over_live(
    demo: Demo, browser: Browser
) -> None:
    assert len(demo.cards) == len(CARDS), demo.cards
    *answered, handed = (demo.cards[title] for title, *_ in CARDS)
    context = await browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = await context.new_page()
        await login(page, demo.url, DEMO_LOGIN, DEMO_PASSWORD)
        board = BoardPage(page, demo.board_id, "maya")
        await page.goto(f"{demo.url}/boards/{demo.board_id}")
        await board.expect_live()
        await page.evaluate("window.sbNotReloaded = true")
        resolved, investigating = demo.columns["Resolved"], demo.columns["Investigating"]
        with _admin(demo.url) as api:
            # Stopped: it may hold the first card, but has not reached the last one.
            state = api.get(f"/api/boards/{demo.board_id}").json()
            last = next(c for c in state["cards"] if c["id"] == handed)
            assert last["column_id"] == demo.columns["Triage"] and not last["assignee_ids"]
            column = {c["id"]: c["column_id"] for c in state["cards"]}
            waiting = [card_id for card_id in answered if column[card_id] != resolved]
            assert len(waiting) >= 2, state["cards"]

            r = api.patch(f"/api/users/{demo.bot_id}", json={"availability": "available"})
            assert r.status_code == 200, r.text

        # A card the bot pulled shows in Investigating with its bot badge, then moves on.
        pulled = board.card_in(investigating, waiting[-1])
        await expect(pulled.locator(".bot-assignee")).to_contain_text("FAQ bot", timeout=WORK_MS)
        for card_id in waiting:
            await board.expect_card_in(resolved, card_id, within_ms=WORK_MS)
        # The last one has no note to answer from: handed over to people, with a swarm.
        await expect(board.card(handed).locator(".swarm-badge")).to_be_visible(timeout=WORK_MS)
        await expect(board.card_in(investigating, handed)).to_be_visible()
        await expect(board.card(handed).locator(".bot-assignee")).to_have_count(0)
        assert await page.evaluate("window.sbNotReloaded === true")
        assert not board.errors, board.errors
    finally:
        await context.close()
