"""The APScheduler 3.11 job that runs the alert scan, started and stopped in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.alerts.scan import Scanner, ScanResult
from app.core.db import Database
from app.core.models import utcnow

__all__ = ["JOB_ID", "AlertScheduler"]

JOB_ID = "alerts.scan"
log = logging.getLogger(__name__)
# APScheduler logs two INFO lines per run ("Running job", "executed successfully") and
# more on start and stop: the scan's own lines say what matters, so only its warnings
# (missed runs, a job still running) and errors stay.
_CHATTY = ("apscheduler.executors", "apscheduler.scheduler")


class AlertScheduler:
    """One interval job: coalesced, never overlapping itself, a few seconds' misfire grace."""

    def __init__(self, db: Database, interval_seconds: float) -> None:
        self.db = db
        self.scanner = Scanner(interval_seconds)
        self.interval_seconds = interval_seconds
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self.last: ScanResult | None = None
        # Read by GET /metrics: scans finished by this process, and their total time.
        self.runs = 0
        self.skipped = 0
        self.total_seconds = 0.0
        self._running: asyncio.Task[object] | None = None

    async def run_once(self, now: datetime | None = None) -> ScanResult:
        """One scan now (or at ``now``, for tests)."""
        result = await self.db.write(self.scanner.scan, now=now or utcnow())
        self.last = result
        self.runs += 1
        self.skipped += int(result.skipped)
        self.total_seconds += result.seconds
        if result.skipped:
            log.debug("alert scan skipped: another replica is scanning")
        elif any(result.raised.values()) or any(result.resolved.values()):
            log.info(
                "alert scan: raised %s, resolved %s in %.0f ms",
                {k: v for k, v in result.raised.items() if v},
                {k: v for k, v in result.resolved.items() if v},
                result.seconds * 1000,
            )
        return result

    async def _job(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.run_once()
        except Exception:  # a failed scan must not kill the job; the next one retries
            log.exception("alert scan failed")
        finally:
            self._running = None

    def start(self) -> None:
        for name in _CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)
        self._scheduler.add_job(
            self._job,
            "interval",
            seconds=self.interval_seconds,
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(5, int(self.interval_seconds)),
        )
        self._scheduler.start()

    async def stop(self, grace: float) -> None:
        """Start no new scan; let a running one finish (up to ``grace`` seconds), then stop."""
        if not self._scheduler.running:
            return
        # APScheduler's shutdown cancels a running asyncio job whatever ``wait`` says, so
        # pause first (no new run starts) and wait for the running scan ourselves.
        self._scheduler.pause()
        running = self._running
        if running is not None:
            _, late = await asyncio.wait({running}, timeout=grace)
            if late:
                log.warning("alert scan still running after %s s: cancelled", grace)
        self.shutdown()
        if running is not None and not running.done():
            await asyncio.wait({running})  # let the cancelled scan roll back

    def shutdown(self) -> None:
        """Stop at once, cancelling a scan in progress (it rolls back; the next redoes it)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
