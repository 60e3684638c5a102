"""Public identifiers."""

from __future__ import annotations

from ulid import ULID

__all__ = ["event_id"]


def event_id() -> str:
    """A unique, time-ordered event id such as ``evt_01JD...``."""
    return f"evt_{ULID()}"
