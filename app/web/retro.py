"""The Retro page: a board's flow and support metrics for a date range, as charts."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
