"""Operations: structured logs with request ids and the Prometheus ``/metrics`` endpoint."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import Settings
from app.ops.middleware import RequestOpsMiddleware
from app.ops.prometheus import OpsMetrics
from app.ops.router import router

__all__ = ["install_ops"]


def install_ops(app: FastAPI, settings: Settings) -> None:
    """Add request ids, request logs and ``GET /metrics`` to ``app``.

    The log format itself is set by whoever owns the process (``swarmboard serve``
    calls :func:`app.ops.logging.configure_logging`), never by building an app.
    """
    metrics = OpsMetrics()
    metrics.app_state = app.state
    app.state.ops_metrics = metrics
    # The metrics token of these settings, not of the environment at request time.
    app.state.metrics_token = settings.metrics_token
    app.add_middleware(RequestOpsMiddleware, metrics=metrics)
    app.include_router(router)
