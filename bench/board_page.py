"""The board page with 2,000 cards: server render time, HTML size, and browser readiness.

What is measured, on a freshly migrated database (a SQLite file by default, or a fresh
PostgreSQL database that is dropped afterwards):

* the board is seeded through the service layer in one transaction: 5 columns, 2 lanes,
  9 members and 2,000 cards (owners, blocked cards with reasons, descriptions), spread
  over the columns the way a busy support board looks;
* a real ``uvicorn`` serves the app; a lead signs in through ``POST /login`` and the
  session cookie is reused;
* (a) server render: ``GET /boards/{id}`` with a keep-alive HTTP client on loopback,
  time to the last byte, after warm-up requests (p50 and max over the runs);
* (b) the HTML size in bytes (and gzipped, for information);
* (c) headless Chromium (Debian's ``/usr/bin/chromium``; nothing is downloaded), a fresh
  page per run: navigation start -> DOMContentLoaded, -> first contentful paint, and ->
  the first successful interaction: from DOMContentLoaded on, a click on the first
  card's "Move to..." button is retried until its menu opens, so a page that is parsed
  but not wired up yet (or whose main thread is busy) is charged for it. Also shown: DOM
  size and the event listeners attached to card elements (the page should delegate).
* (d) the page filter (filter.js), in Chromium on the same page: real keystrokes into
  "Search cards" (typing "refund twice", then 8 Backspaces: 20 updates, from all cards
  shown down to none and back) and 20 clicks on the Mine toggle. Each update is timed
  in the page from the input or click event's timestamp: to the end of the filter's
  work (its ``sb:filter-applied`` event), and to the next frame after it (a
  ``requestAnimationFrame`` then a task: style, layout and paint of the changed board
  included). Keystrokes are 150 ms apart, under the 250 ms debounce of the server
  search, as in steady typing.

Targets (issue 3): render < 300 ms, HTML <= 2 MB, ready to interact < 1.5 s; the filter
updates the board within 100 ms (judged on the p95 to the next frame). PASS or MISS is
judged on the p50 of the runs (the filter: its p95); the max is shown beside it, with the
load average (other work on this 2-core machine skews single runs).

    .venv/bin/python bench/board_page.py [--db sqlite|postgres] [--cards 2000] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import platform
import random
import re
import secrets
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import async_playwright  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.auth import service as auth_service  # noqa: E402
from app.auth.schemas import UserCreate  # noqa: E402
from app.board import cards as card_service  # noqa: E402
from app.board import service as board_service  # noqa: E402
from app.board.schemas import (  # noqa: E402
    BoardCreate,
    CardCreate,
    CardUpdate,
    ColumnCreate,
    LaneCreate,
    MemberCreate,
)
from app.core.config import Settings  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.wiring import install as install_wiring  # noqa: E402
from bench.common import PG_HOST, Server, pg_admin  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LEAD_EMAIL = "bench-lead@example.com"
PASSWORD = "bench-password-0123456789"
TARGET_RENDER_MS = 300.0
TARGET_HTML_BYTES = 2 * 1024 * 1024
TARGET_READY_MS = 1500.0
TARGET_FILTER_MS = 100.0

# (name, stage, WIP limit, share of the cards)
COLUMNS = [
    ("Triage", "backlog", None, 0.35),
    ("Investigating", "active", 450, 0.20),
    ("Swarming", "active", 100, 0.05),
    ("Waiting on customer", "active", None, 0.15),
    ("Resolved", "done", None, 0.25),
]
AGENTS = [
    "Arjun Mehta",
    "Sofia Lindqvist",
    "Lars Nielsen",
    "Ines Duarte",
    "Kenji Watanabe",
    "Amara Nwosu",
    "Lucía Romero",
    "Tomasz Zielinski",
]
PROBLEMS = [
    "Invoice PDF shows the wrong VAT rate",
    "SSO login loops back to the sign-in page",
    "Webhook retries stop after the first failure",
    "Card declined although the bank approved it",
    "CSV export misses the last day of the month",
    "Password reset mail lands in spam",
    "Refund shows twice in the statement",
    "Mobile app crashes on the attachments tab",
    "Partner dashboard times out on large accounts",
    "Duplicate account after social login",
]
CHANNELS = ["call", "chat", "email", "web", "bot"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]


# -- seeding through the service layer -------------------------------------------------
def seed(session: Session, *, cards: int, password: str) -> int:
    """One board with ``cards`` cards; returns its id. The lead can sign in."""
    rng = random.Random(2000)
    admin_user = auth_service.ensure_admin_token(session, token=auth_service.new_token())
    assert admin_user.id is not None
    admin = auth_service.Principal(id=admin_user.id, name="Admin", role="admin")
    board = board_service.create_board(
        session,
        actor=admin,
        data=BoardCreate(
            name="Customer Support (2,000 cards)",
            columns=[
                ColumnCreate(name=name, stage=stage, wip_limit=limit)
                for name, stage, limit, _ in COLUMNS
            ],
            lanes=[LaneCreate(name="Expedite"), LaneCreate(name="Standard")],
        ),
    )
    assert board.id is not None
    detail = board_service.board_detail(session, actor=admin, board_id=board.id)
    column_ids = [c.id for c in detail.columns]
    lane_ids = [lane.id for lane in detail.lanes]

    lead = _create_user(session, admin, "Maya Okafor", LEAD_EMAIL, "lead", password)
    people = [lead]
    for i, name in enumerate(AGENTS):
        people.append(_create_user(session, admin, name, f"agent{i}@example.com", "agent", None))
    for person in people:
        board_service.add_member(
            session,
            actor=admin,
            board_id=board.id,
            data=MemberCreate(user_id=person, role="lead" if person == lead else None),
        )

    shares = [share for *_, share in COLUMNS]
    for i in range(cards):
        column = column_ids[_pick(i, cards, shares)]
        problem = rng.choice(PROBLEMS)
        channel = rng.choice(CHANNELS)
        card = card_service.create_card(
            session,
            actor=admin,
            board_id=board.id,
            data=CardCreate(
                title=f"#{10_000 + i} {problem}",
                column_id=column,
                lane_id=lane_ids[0] if rng.random() < 0.1 else lane_ids[1],
                priority=rng.choice(PRIORITIES),
                channel=channel,
                product=rng.choice(["Billing", "Identity", "API", "Payments", "Reports"]),
                segment=rng.choice(["customer", "partner"]),
                description=(
                    f"Reported via {channel}. {problem}. Steps to reproduce, screenshots and "
                    "the customer's account id are attached; first reply sent."
                ),
                owner_id=rng.choice(people) if rng.random() < 0.8 else None,
            ),
        )
        if rng.random() < 0.05:
            card_service.update_card(
                session,
                actor=admin,
                card_id=card.id,
                data=CardUpdate(blocked=True, blocked_reason="Waiting for the vendor's logs"),
            )
    return board.id


def _pick(i: int, total: int, shares: list[float]) -> int:
    """Column index of card ``i``: contiguous blocks by share."""
    edge = 0.0
    for index, share in enumerate(shares):
        edge += share * total
        if i < edge:
            return index
    return len(shares) - 1


def _create_user(
    session: Session,
    admin: auth_service.Principal,
    name: str,
    email: str,
    role: str,
    password: str | None,
) -> int:
    fields: dict[str, Any] = {"name": name, "email": email, "role": role}
    if password is not None:
        fields["password"] = password
    user, _token = auth_service.create_user(session, actor=admin, data=UserCreate(**fields))
    assert user.id is not None
    return user.id


async def seed_database(url: str, cards: int) -> int:
    settings = Settings(
        environment="test", database_url=url, secret_key="bench-secret-not-placeholder"
    )
    install_wiring()  # the card services below run without the app
    db = Database(settings)
    db.start()
    try:
        return await db.write(seed, cards=cards, password=PASSWORD)
    finally:
        await db.dispose()


# -- measurements -------------------------------------------------------------------------
CSRF_INPUT = re.compile(
    r"<input[^>]*name=[\"']?(csrf[\w-]*|_csrf[\w-]*)[\"']?[^>]*>", re.IGNORECASE
)
VALUE = re.compile(r"value=[\"']([^\"']*)[\"']")


async def sign_in(http: httpx.AsyncClient) -> None:
    """Sign in through the login form, as a browser would (CSRF field included)."""
    form = await http.get("/login")
    form.raise_for_status()
    data = {"email": LEAD_EMAIL, "password": PASSWORD}
    for match in CSRF_INPUT.finditer(form.text):
        value = VALUE.search(match.group(0))
        data[match.group(1)] = value.group(1) if value else ""
    r = await http.post("/login", data=data)
    if r.status_code >= 400 or not http.cookies:
        raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")


@dataclass(slots=True)
class Render:
    times_ms: list[float]
    html: bytes
    wire_bytes: int
    encoding: str


async def measure_render(http: httpx.AsyncClient, board_id: int, runs: int) -> Render:
    """``GET /boards/{id}`` on a warm keep-alive connection, time to the last byte."""
    html, wire, encoding = b"", 0, ""
    for _ in range(3):  # warm-up: template compilation, caches, connection
        r = await http.get(f"/boards/{board_id}")
        r.raise_for_status()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = await http.get(f"/boards/{board_id}")
        times.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        html, wire = r.content, r.num_bytes_downloaded
        encoding = r.headers.get("content-encoding", "identity")
    return Render(times, html, wire, encoding)


@dataclass(slots=True)
class Browser:
    dcl_ms: list[float]
    fcp_ms: list[float]
    ready_ms: list[float]
    attempts: list[int]
    listeners_per_card: float
    dom_nodes: int


READY_PROBE = """async (deadline) => {
  // From DOMContentLoaded on, click the first card's "Move to..." button until its menu
  // shows; return when. (Clicking earlier would force layouts of a half-parsed page.)
  if (document.readyState === 'loading') {
    await new Promise(r => document.addEventListener('DOMContentLoaded', r, {once: true}));
  }
  const visible = el => !!el && el.getClientRects().length > 0 &&
                        getComputedStyle(el).visibility !== 'hidden';
  let attempts = 0;
  while (performance.now() < deadline) {
    const button = document.querySelector('article.card button.move-menu');
    if (button) {
      attempts += 1;
      button.click();
      await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
      const item = Array.from(document.querySelectorAll('button[data-move-to]')).find(visible);
      if (item) return {ready: performance.now(), attempts};
    } else {
      await new Promise(r => setTimeout(r, 5));
    }
  }
  return {ready: null, attempts};
}"""


FCP_PROBE = """() => new Promise(resolve => {
  const seen = performance.getEntriesByName('first-contentful-paint')[0];
  if (seen) return resolve(seen.startTime);
  new PerformanceObserver((list, observer) => {
    const entry = list.getEntriesByName('first-contentful-paint')[0];
    if (entry) { observer.disconnect(); resolve(entry.startTime); }
  }).observe({type: 'paint', buffered: true});
  setTimeout(() => resolve(null), 3000);
})"""


async def measure_browser(url: str, cookies: list[dict[str, Any]], runs: int) -> Browser:
    """Fresh page per run; the first run also starts with an empty HTTP cache."""
    dcl, fcp, ready, attempts = [], [], [], []
    listeners, nodes = 0.0, 0
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1600, "height": 1000})
            await context.add_cookies(cookies)  # type: ignore[arg-type]
            for run in range(runs):
                page = await context.new_page()
                await page.goto(url, wait_until="commit")
                # Runs in the page as soon as it can: a busy main thread delays it.
                probe = await page.evaluate(f"({READY_PROBE})(performance.now() + 30000)")
                await page.wait_for_load_state("domcontentloaded")
                nav = await page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].toJSON()"
                )
                if probe["ready"] is None:
                    raise RuntimeError("the Move-to menu never opened within 30 s")
                paint = await page.evaluate(FCP_PROBE)
                dcl.append(nav["domContentLoadedEventEnd"] - nav["startTime"])
                if paint is not None:
                    fcp.append(paint - nav["startTime"])
                ready.append(probe["ready"] - nav["startTime"])
                attempts.append(probe["attempts"])
                if run == runs - 1:
                    listeners = await _listeners_per_card(page)
                    nodes = await page.evaluate("document.getElementsByTagName('*').length")
                await page.close()
        finally:
            await browser.close()
    return Browser(dcl, fcp, ready, attempts, listeners, nodes)


async def _listeners_per_card(page: Any, sample: int = 25) -> float:
    """Mean number of event listeners attached directly to a card or its descendants."""
    cdp = await page.context.new_cdp_session(page)
    total = 0
    count = await page.evaluate("document.querySelectorAll('article.card').length")
    picks = sorted({int(i * (count - 1) / max(1, sample - 1)) for i in range(sample)})
    for index in picks:
        handle = await cdp.send(
            "Runtime.evaluate",
            {"expression": f"document.querySelectorAll('article.card')[{index}]"},
        )
        found = await cdp.send(
            "DOMDebugger.getEventListeners",
            {"objectId": handle["result"]["objectId"], "depth": -1},
        )
        total += len(found["listeners"])
    await cdp.detach()
    return total / len(picks)


@dataclass(slots=True)
class FilterTimes:
    typing_ms: list[float]  # event -> end of the filter's update
    typing_frame_ms: list[float]  # event -> the next frame after it
    mine_ms: list[float]
    mine_frame_ms: list[float]
    shown_while_typing: list[int]


FILTER_PROBE = """() => {
  // Each sb:filter-applied: its own duration, then the time to the next frame after it.
  window.__filter = [];
  document.addEventListener('sb:filter-applied', (ev) => {
    const d = ev.detail;
    if (d.cause !== 'input' && d.cause !== 'toggle') return;
    const row = {cause: d.cause, ms: d.ms, frame: null, shown: d.shown};
    window.__filter.push(row);
    requestAnimationFrame(() => setTimeout(() => { row.frame = performance.now() - d.at; }, 0));
  });
}"""
FILTER_DONE = "(n) => window.__filter.length >= n && window.__filter[n - 1].frame !== null"
TYPED = "refund twice"
BACKSPACES = 8
MINE_CLICKS = 20


async def measure_filter(url: str, cookies: list[dict[str, Any]]) -> FilterTimes:
    """Keystrokes into "Search cards" and clicks on Mine, timed in the page."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1600, "height": 1000})
            await context.add_cookies(cookies)  # type: ignore[arg-type]
            page = await context.new_page()
            await page.goto(url, wait_until="load")
            await page.wait_for_function(
                "() => document.getElementById('live-status')?.dataset.state === 'live'"
            )
            await page.evaluate(FILTER_PROBE)
            search = page.get_by_role("searchbox", name="Search cards")
            await search.focus()
            for n, key in enumerate([*TYPED, *["Backspace"] * BACKSPACES], start=1):
                await page.keyboard.press("Space" if key == " " else key)
                await page.wait_for_function(FILTER_DONE, arg=n)
                await page.wait_for_timeout(150)
            typing = await page.evaluate("() => window.__filter.slice()")
            # Clear the box (the server search then stops), then toggle Mine.
            await search.fill("")
            await page.wait_for_timeout(400)
            await page.evaluate("() => { window.__filter.length = 0; }")
            mine = page.get_by_role("button", name="Mine", exact=True)
            for i in range(MINE_CLICKS):
                await mine.click()
                await page.wait_for_function(FILTER_DONE, arg=i + 1)
                await page.wait_for_timeout(100)
            toggling = await page.evaluate("() => window.__filter.slice()")
        finally:
            await browser.close()
    return FilterTimes(
        typing_ms=[r["ms"] for r in typing],
        typing_frame_ms=[r["frame"] for r in typing],
        mine_ms=[r["ms"] for r in toggling],
        mine_frame_ms=[r["frame"] for r in toggling],
        shown_while_typing=[r["shown"] for r in typing],
    )


# -- report -----------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(cards: int, render: Render, browser: Browser, filt: FilterTimes) -> bool:
    size = len(render.html)
    gz = len(gzip.compress(render.html, 6))
    shown = render.html.count(b"<article")
    r50, rmax = statistics.median(render.times_ms), max(render.times_ms)
    d50, dmax = statistics.median(browser.dcl_ms), max(browser.dcl_ms)
    q50, qmax = statistics.median(browser.ready_ms), max(browser.ready_ms)
    fcp = browser.fcp_ms or [float("nan")]
    f50, fmax = statistics.median(fcp), max(fcp)
    rows = [
        ("server render GET /boards/{id}", f"{r50:.0f} ms", f"{rmax:.0f} ms", "< 300 ms",
         verdict(r50 < TARGET_RENDER_MS)),
        ("HTML size", f"{size / 1e6:.2f} MB", f"(gzip {gz / 1e6:.2f})", "<= 2 MB",
         verdict(size <= TARGET_HTML_BYTES)),
        ("Chromium: nav start -> DOMContentLoaded", f"{d50:.0f} ms", f"{dmax:.0f} ms", "",
         ""),
        ("Chromium: nav start -> first paint", f"{f50:.0f} ms", f"{fmax:.0f} ms", "", ""),
        ("Chromium: nav start -> menu opens", f"{q50:.0f} ms", f"{qmax:.0f} ms", "< 1.5 s",
         verdict(q50 < TARGET_READY_MS)),
    ]  # fmt: skip
    for name, done, frame in (
        ("filter: keystroke", filt.typing_ms, filt.typing_frame_ms),
        ("filter: Mine toggle", filt.mine_ms, filt.mine_frame_ms),
    ):
        rows.append(
            (
                f"{name} -> board updated",
                f"{pct(done, 0.5):.1f} ms",
                f"p95 {pct(done, 0.95):.1f} ms",
                "",
                "",
            )
        )
        rows.append((f"{name} -> next frame", f"{pct(frame, 0.5):.1f} ms",
                     f"p95 {pct(frame, 0.95):.1f} ms", "< 100 ms",
                     verdict(pct(frame, 0.95) < TARGET_FILTER_MS)))  # fmt: skip
    print(f"\ncards on the board: {cards}; <article> elements in the HTML: {shown}")
    print(
        f"on the wire: {render.wire_bytes} bytes (content-encoding: {render.encoding}); "
        "times are to the last byte, over loopback"
    )
    print(
        f"DOM elements: {browser.dom_nodes}; listeners on a card element and its children "
        f"(mean of a sample): {browser.listeners_per_card:.1f}; "
        f"clicks until the menu opened: {browser.attempts}"
    )
    label = "measure (verdict on p50; filter: p95)"
    head = f"{label:42} {'p50':>10} {'max or p95':>14} {'target':>9} {'':>5}"
    print(head)
    print("-" * len(head))
    for name, p50, worst, target, ok in rows:
        print(f"{name:42} {p50:>10} {worst:>14} {target:>9} {ok:>5}".rstrip())
    print(
        f"\nrender runs (ms): {', '.join(f'{t:.0f}' for t in render.times_ms)}\n"
        f"ready runs (ms, first = cold cache): {', '.join(f'{t:.0f}' for t in browser.ready_ms)}\n"
        f"filter keystrokes to next frame (ms): "
        f"{', '.join(f'{t:.0f}' for t in filt.typing_frame_ms)}\n"
        f"cards shown after each keystroke: {filt.shown_while_typing}\n"
        f"filter Mine clicks to next frame (ms): "
        f"{', '.join(f'{t:.0f}' for t in filt.mine_frame_ms)}"
    )
    if shown < cards:
        print(f"MISS: only {shown} of {cards} cards are in the HTML")
        return False
    load = os.getloadavg()[0]
    if load > len(os.sched_getaffinity(0)):
        print(f"note: load average {load:.1f} during the run; the machine was busy")
    return all(ok != "MISS" for *_, ok in rows)


# -- main ---------------------------------------------------------------------------------
async def run(args: argparse.Namespace, tmp: Path) -> bool:
    if args.db == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    else:
        url = f"postgresql+asyncpg://postgres@{PG_HOST}/{args.pg_name}"
    await asyncio.to_thread(upgrade_to_head, url)
    t0 = time.perf_counter()
    board_id = await seed_database(url, args.cards)
    print(f"seeded {args.cards} cards on board {board_id} in {time.perf_counter() - t0:.1f} s")
    server = Server(
        "board-page",
        "app.main:create_app",
        {
            "SWARMBOARD_DATABASE_URL": url,
            "SWARMBOARD_ENVIRONMENT": "test",
            "SWARMBOARD_SECRET_KEY": "bench-secret-not-placeholder",
        },
        tmp,
    )
    try:
        await asyncio.to_thread(server.wait_ready)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_in(http)
            render = await measure_render(http, board_id, args.runs)
            cookies = [
                {"name": c.name, "value": c.value or "", "url": server.url}
                for c in http.cookies.jar
            ]
        browser = await measure_browser(
            f"{server.url}/boards/{board_id}", cookies, args.browser_runs
        )
        filt = await measure_filter(f"{server.url}/boards/{board_id}", cookies)
    finally:
        server.stop()
        if tail := server.stderr_tail():
            print(f"--- uvicorn stderr (last lines) ---\n{tail}\n---")
    return report(args.cards, render, browser, filt)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15, help="timed server renders")
    parser.add_argument("--browser-runs", type=int, default=5, help="page loads in Chromium")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"machine: nproc={len(os.sched_getaffinity(0))} {platform.machine()} "
        f"Python {platform.python_version()}; db: {args.db}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    args.pg_name = f"sb_bench_page_{secrets.token_hex(5)}"
    with tempfile.TemporaryDirectory(prefix="sb-page-") as tmp:
        if args.db == "postgres":
            asyncio.run(pg_admin(f'CREATE DATABASE "{args.pg_name}"'))
        try:
            ok = asyncio.run(run(args, Path(tmp)))
        finally:
            if args.db == "postgres":
                asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
