"""The customer's confirmation page at ``/c/{token}``: no login, no JavaScript needed."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
