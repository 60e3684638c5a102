"""How pages print dates: one format everywhere.

A moment is a ``<time datetime data-relative>`` whose text, for readers without
scripts, is ``7 Dec 2026, 09:14 UTC``; time.js shows it as "12 min ago" with the
viewer's local time as the tooltip. A day is ``7 Dec`` on the retro's axes and in its
tables, ``7 Dec 2026`` in running text. Exports and the API keep ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from markupsafe import Markup

__all__ = ["day_label", "day_text", "iso", "moment", "when"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(value: datetime | None) -> str:
    """A moment in the pages' one stable format: ``7 Dec 2026, 09:14 UTC`` ("" for none).

    It is what a reader without scripts sees; time.js shows "12 min ago" instead.
    """
    if value is None:
        return ""
    value = _utc(value)
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def day_label(value: date | datetime, *, year: bool = False) -> str:
    """A day as the retro's axes and tables label it: ``7 Dec`` (``7 Dec 2026`` with
    ``year``, for a range that spans more than one year)."""
    return f"{value.day} {value:%b %Y}" if year else f"{value.day} {value:%b}"


def day_text(value: date | datetime) -> str:
    """A day in running text, with its year: ``7 Dec 2026``."""
    return f"{value.day} {value:%b %Y}"


def iso(value: datetime | None) -> str:
    """The same moment for a ``<time datetime>`` attribute."""
    if value is None:
        return ""
    return _utc(value).isoformat().replace("+00:00", "Z")


def moment(value: datetime | None, class_: str = "") -> Markup:
    """A moment as every page prints it: ``<time datetime data-relative title>`` with the
    stable UTC text inside; time.js turns it into "3 h ago" with the viewer's local time
    as the tooltip. Nothing for none."""
    if value is None:
        return Markup("")
    value = _utc(value)
    title = f"{value:%a} {when(value)}"
    cls = Markup(' class="{}"').format(class_) if class_ else Markup("")
    return Markup('<time{} datetime="{}" data-relative title="{}">{}</time>').format(
        cls, iso(value), title, when(value)
    )
