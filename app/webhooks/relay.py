"""The relay: background workers that send due deliveries and record what happened.

Started in the lifespan on every replica with ``SWARMBOARD_WEBHOOK_RELAY=on``. A worker
claims a batch (a lease, so a killed process loses nothing), sends it concurrently with
httpx (a 15 s timeout, redirects never followed, the URL re-checked against SSRF each
time and the connection pinned to the addresses that check vetted), and records every
attempt in one transaction. It wakes at once when a committed
event may have deliveries, and polls cheaply for retries otherwise. On shutdown it claims
nothing more and records the attempts in flight before it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.core.config import Settings
from app.core.db import Database
from app.core.models import utcnow
from app.webhooks import outbox, pinning, repository, signing, ssrf
from app.webhooks.repository import Outcome

__all__ = ["Relay"]

log = logging.getLogger(__name__)

BATCH = 32
IDLE_POLL_SECONDS = 1.0
SUBSCRIPTIONS_TTL = 2.0
RECORD_EVERY = 0.2
MAX_BODY = 1024


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - now).total_seconds(), 0.0)


class Relay:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.delays = settings.retry_delays
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None
        # (board_id or None, event_type patterns) of enabled endpoints, for wake-ups.
        self._subscriptions: list[tuple[int | None, list[str]]] = []
        self._subscriptions_at = 0.0

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            transport=pinning.pinned_transport(
                httpx.Limits(max_connections=100, max_keepalive_connections=20)
            ),
            timeout=self.settings.webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,
        )
        self.db.after_commit.append(self._on_commit)
        for i in range(self.settings.webhook_workers):
            self._tasks.append(asyncio.create_task(self._worker(), name=f"webhook-relay-{i}"))

    async def stop(self, grace: float = 10.0) -> None:
        """Start no new attempt; let those in flight finish (up to ``grace`` s), then stop."""
        self._stopping = True
        self._wake.set()
        tasks, self._tasks = self._tasks, []
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            if pending:
                # Their deliveries stay leased, so another relay retries them after it.
                log.warning("webhook attempts still in flight after %s s: cut short", grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._on_commit in self.db.after_commit:
            self.db.after_commit.remove(self._on_commit)
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def wake(self) -> None:
        """Look for due deliveries now (and re-read the subscriptions)."""
        self._subscriptions_at = 0.0
        self._wake.set()

    async def _on_commit(self, events: list[dict[str, Any]]) -> None:
        # Wake only for events someone subscribed to, so busy boards without webhooks
        # cost the relay nothing; anything missed here is found by the idle poll.
        for event in events:
            for board_id, patterns in self._subscriptions:
                if board_id in (None, event["board_id"]) and outbox.matches(
                    patterns, event["type"]
                ):
                    self._wake.set()
                    return

    async def _refresh_subscriptions(self) -> None:
        if time.monotonic() - self._subscriptions_at < SUBSCRIPTIONS_TTL:
            return
        self._subscriptions = await self.db.read(repository.subscriptions)
        self._subscriptions_at = time.monotonic()

    async def _worker(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking, so a commit meanwhile is not missed
            try:
                await self._refresh_subscriptions()
                sent = await self.run_once()
            except Exception:  # the database may be briefly away; try again shortly
                log.exception("webhook relay round failed")
                sent = 0
            if sent == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)

    async def run_once(self) -> int:
        """Claim, send and record one batch; returns how many were attempted."""
        now = utcnow()
        if not await self.db.read(repository.has_due, now=now):
            return 0
        if self._stopping:  # shutdown began during the read: claim nothing more
            return 0
        batch = await self.db.write(
            repository.claim_due,
            now=now,
            limit=BATCH,
            lease_seconds=self.settings.webhook_lease_seconds,
        )
        if not batch:
            return 0
        # Record outcomes as they come in (every RECORD_EVERY seconds), so one slow
        # endpoint neither holds back the others' logs nor outlives their leases.
        pending = {asyncio.create_task(self._send(d)) for d in batch}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, timeout=RECORD_EVERY)
                if done:
                    outcomes = [t.result() for t in done]
                    await self.db.write(
                        repository.record_outcomes, outcomes=outcomes, delays=self.delays
                    )
        finally:
            # Cancelled (a stop past its grace): end the sends before the client closes.
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        return len(batch)

    async def _send(self, d: dict[str, Any]) -> Outcome:
        assert self._client is not None
        at = utcnow()
        live = [d["secret"]]
        expires = d["previous_secret_expires_at"]
        if d["previous_secret"] and expires is not None and expires > at:
            live.append(d["previous_secret"])

        def outcome(**kw: Any) -> Outcome:
            return Outcome(delivery_id=d["id"], endpoint_id=d["endpoint_id"], at=at, **kw)

        try:
            # Resolved once here; the connection goes to exactly these addresses.
            vetted = await ssrf.vet(d["url"], allow_private=self.settings.webhook_allow_private)
        except ssrf.UnsafeUrl as exc:
            return outcome(status=None, latency_ms=None, response=None, error=f"URL {exc}")
        headers = signing.headers_for(msg_id=d["event_id"], body=d["body"], at=at, secrets_=live)
        started = time.perf_counter()
        try:
            with pinning.pinned(vetted):
                async with self._client.stream(
                    "POST", d["url"], content=d["body"], headers=headers
                ) as response:
                    head = b""
                    async for part in response.aiter_bytes():  # keep at most 1 KB of it
                        head += part
                        if len(head) >= MAX_BODY:
                            break
        except httpx.TimeoutException:
            return outcome(status=None, latency_ms=None, response=None, error="timed out")
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            return outcome(status=None, latency_ms=None, response=None, error=error)
        latency = int((time.perf_counter() - started) * 1000)
        return outcome(
            status=response.status_code,
            latency_ms=latency,
            # Text a column can hold on both databases (PostgreSQL refuses NUL).
            response=head[:MAX_BODY].decode("utf-8", "replace").replace("\x00", "\ufffd") or None,
            error="redirects are not followed" if response.is_redirect else None,
            retry_after=_retry_after(response.headers.get("retry-after"), at),
        )
