"""The ASGI application: routers, error handlers and shared resources."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.agents import mcp_server
from app.agents.router import router as agents_router
from app.alerts.router import router as alerts_router
from app.alerts.scheduler import AlertScheduler
from app.auth import service as auth_service
from app.auth import session as web_session
from app.auth.router import router as auth_router
from app.board.activity_router import router as activity_router
from app.board.log_router import router as events_router
from app.board.router import router as board_router
from app.board.search_router import router as search_router
from app.comments.router import router as comments_router
from app.confirm.router import router as confirm_router
from app.core.config import Settings, get_settings
from app.core.cpu import CpuPool
from app.core.db import Database
from app.core.errors import install_error_handlers, problem_response
from app.core.openapi import install_openapi, problem_content
from app.core.security import install_security
from app.exports.router import router as exports_router
from app.insights.router import router as insights_router
from app.metrics.router import router as metrics_router
from app.metrics.support_router import router as support_metrics_router
from app.ops import install_ops
from app.ops.apidocs import install_api_docs
from app.realtime import wiring as realtime
from app.realtime.router import router as realtime_router
from app.swarm.router import router as swarm_router
from app.tickets.router import router as tickets_router
from app.web.confirm_page import router as confirm_page_router
from app.web.error_page import error_page
from app.web.router import router as web_router
from app.web.templating import STATIC_DIR
from app.webhooks import outbox
from app.webhooks.relay import Relay
from app.webhooks.router import router as webhooks_router
from app.wiring import install as install_wiring

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _tune_gc() -> None:
    """Keep full garbage collections from stalling every socket.

    With a thousand open websockets the process tracks ~300,000 objects, and each full
    collection (every few seconds by default) froze the event loop for ~180 ms while
    freeing nothing. Objects alive after start-up are moved out of the collector's
    view, so a full collection scans only what came later.

    Young collections run every 50,000 net new objects (default 700). A threshold of
    5,000 halved the RSS growth of a replica under bench/load.py (the cycles every
    request's SQL statements form, SQLAlchemy's memoized clause attributes, are freed
    sooner), but cost a card move ~40% more server CPU on bench/moves.py; docs/deploy.md
    says what the growth amounts to.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; engines and caches are created in the lifespan, not here."""
    settings = settings or get_settings()
    # Board's reactions and policies (idempotent): every service the app runs needs them.
    install_wiring()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings)
        db.start()
        app.state.db = db
        app.state.settings = settings
        # CPU-heavy work (forecasts, summaries) on bounded threads of its own.
        cpu = CpuPool.from_settings(settings)
        cpu.start()
        app.state.cpu = cpu
        # Without SWARMBOARD_SECRET_KEY the first start generates the key (and logs it).
        settings.load_signing_key()
        hub, broker = realtime.build(settings, db)
        app.state.hub = hub
        app.state.broker = broker
        # Always built, so an API-only replica can still run a scan by hand (and tests
        # can drive it with their own clock); only started when the scheduler is on.
        alerts = AlertScheduler(db, settings.alert_scan_seconds)
        app.state.alerts = alerts
        # The outbox is written on every replica; the relay sends where it is on.
        db.before_commit.append(outbox.enqueue_for_events)
        relay = Relay(db, settings) if settings.webhook_relay == "on" else None
        app.state.relay = relay
        grace = settings.shutdown_grace_seconds
        stopping: asyncio.Task[None] | None = None
        began = 0.0

        async def stop_background() -> None:
            # Together, so the scan and the webhook attempts share one grace period.
            stops = [alerts.stop(grace)]
            if relay is not None:
                stops.append(relay.stop(grace))
            await asyncio.gather(*stops)

        def begin_shutdown() -> asyncio.Task[None]:
            """Start no new scan or webhook attempt; those in flight get the grace period."""
            nonlocal stopping, began
            if stopping is None:
                began = time.monotonic()
                log.info("shutdown started: up to %s s for work in flight", grace)
                stopping = asyncio.create_task(stop_background())
            return stopping

        # `swarmboard serve` calls this as soon as the signal arrives, while uvicorn is
        # still closing websockets and finishing requests; otherwise it runs below.
        app.state.begin_shutdown = begin_shutdown
        try:
            if settings.admin_token:
                await db.write(auth_service.ensure_admin_token, token=settings.admin_token)
            await broker.start()
            if settings.scheduler == "on":
                alerts.start()
            if relay is not None:
                await relay.start()
            _tune_gc()
            async with mcp_server.running(app, settings):
                yield
        finally:
            await begin_shutdown()
            await broker.stop()
            cpu.shutdown()
            await db.dispose()
            log.info("shutdown complete in %.1f s", time.monotonic() - began)

    app = FastAPI(
        title="Swarmboard",
        version=__version__,
        description="A live Kanban board for customer-support teams.",
        lifespan=lifespan,
        # FastAPI's pages load their scripts from a CDN, which the CSP refuses: /docs is
        # served from packaged files instead (app/ops/apidocs.py), and there is no /redoc.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    install_openapi(app)
    install_security(app, settings)
    install_ops(app, settings)
    install_api_docs(app)
    # Browsers sign in with a session cookie; the websocket asks this who they are.
    app.state.session_principal = web_session.session_principal
    # A browser asking for a page gets errors as the styled page (app.core.errors).
    app.state.error_page = error_page
    app.include_router(auth_router)
    app.include_router(board_router)
    app.include_router(search_router)
    app.include_router(activity_router)
    app.include_router(events_router)
    app.include_router(realtime_router)
    app.include_router(swarm_router)
    app.include_router(alerts_router)
    app.include_router(webhooks_router)
    app.include_router(tickets_router)
    app.include_router(confirm_router)
    app.include_router(insights_router)
    app.include_router(comments_router)
    app.include_router(metrics_router)
    app.include_router(support_metrics_router)
    app.include_router(exports_router)
    app.include_router(agents_router)
    app.include_router(confirm_page_router)
    mcp_server.install(app, settings)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        response_model=None,
        responses={
            503: {"description": "The database is not reachable", "content": problem_content()}
        },
    )
    async def readyz() -> Any:
        """Readiness: the database answers a query."""
        try:
            await app.state.db.ping()
        except Exception as exc:
            log.warning("readiness check failed: %s", exc)
            return problem_response(
                503, "database-unavailable", "Not ready", "The database is not reachable."
            )
        return {"status": "ready", "database": "sqlite" if settings.is_sqlite else "postgresql"}

    return app
