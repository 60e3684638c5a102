"""Operations: structured logs with request ids and the Prometheus ``/metrics`` endpoint."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import Settings

__all__ = ["install_ops"]


def install_ops(app: FastAPI, settings: Settings) -> None:
    """Add request logging and metrics to ``app`` (nothing yet)."""
