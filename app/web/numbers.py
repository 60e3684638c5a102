"""How pages print numbers: grouped thousands, trimmed decimals, a dash for none."""

from __future__ import annotations

__all__ = ["number"]


def number(value: float | None, digits: int = 1) -> str:
    """``value`` grouped with at most ``digits`` decimals (trailing zeros dropped); "—"
    for none."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
