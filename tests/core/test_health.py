"""Liveness and readiness as an orchestrator sees them."""

from __future__ import annotations

import httpx

from app.core.config import Settings
from app.main import create_app


async def test_readyz_reports_a_database_it_cannot_reach(tmp_path):
    # A SQLite file inside a directory that does not exist cannot be opened.
    settings = Settings(
        environment="test",
        secret_key="x-real-secret",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            live = await c.get("/healthz")
            ready = await c.get("/readyz")
    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["type"].endswith("database-unavailable")
