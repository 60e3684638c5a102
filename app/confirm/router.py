"""confirm endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["confirm"])
