"""Export endpoints (thin: the exporters stream, the services decide)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["exports"])
