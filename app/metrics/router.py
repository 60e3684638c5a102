"""Flow metrics and forecast endpoints (thin: the services compute)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["metrics"])
