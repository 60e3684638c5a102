"""Web security for every response and request: headers, body-size limits, sign-in
throttling (installed by :func:`install_security`)."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import Settings

__all__ = ["install_security"]


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the security middleware to ``app`` (nothing yet)."""
