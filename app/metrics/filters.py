"""The date range and card filters every metric, forecast and export takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.core.errors import ValidationFailed

__all__ = [
    "DEFAULT_DAYS",
    "EARLIEST",
    "LATEST",
    "MAX_DAYS",
    "CardFilter",
    "DateRange",
    "date_range",
]

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
# The days a range may name: support history is after the epoch and before the year 3000.
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


@dataclass(frozen=True, slots=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @property
    def start_ts(self) -> float:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()

    @property
    def end_ts(self) -> float:
        """The instant the last day ends (exclusive bound)."""
        last = self.end + timedelta(days=1)
        return datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def holds(self, ts: float | None) -> bool:
        return ts is not None and self.start_ts <= ts < self.end_ts


def date_range(start: date | None, end: date | None, *, today: date | None = None) -> DateRange:
    """``from``/``to`` with defaults (the last 30 days through today), checked."""
    today = today or datetime.now(UTC).date()
    outside = [
        {"field": name, "in": "query", "message": f"must be from {EARLIEST} to {LATEST}"}
        for name, value in (("from", start), ("to", end))
        if value is not None and not EARLIEST <= value <= LATEST
    ]
    if outside:  # far dates would overflow the epoch arithmetic: a 422, never a 500
        raise ValidationFailed("The date range is out of bounds.", errors=outside)
    end = end or (today if start is None else max(today, start))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    errors = []
    if start > end:
        errors.append({"field": "from", "in": "query", "message": "must not be after 'to'"})
    elif (end - start).days + 1 > MAX_DAYS:
        errors.append(
            {"field": "to", "in": "query", "message": f"the range is at most {MAX_DAYS} days"}
        )
    if errors:
        raise ValidationFailed(f"The date range {start} to {end} is not valid.", errors=errors)
    return DateRange(start, end)


@dataclass(frozen=True, slots=True)
class CardFilter:
    """Which cards a metric looks at; None matches every card."""

    lane_id: int | None = None
    channel: str | None = None
    product: str | None = None
    priority: str | None = None
    segment: str | None = None

    def sql(self) -> tuple[str, dict[str, object]]:
        """``AND …`` clauses on the ``c`` (cards) alias, with their bind parameters."""
        clauses, params = [], {}
        for name, column in (
            ("lane_id", "c.lane_id"),
            ("channel", "c.channel"),
            ("product", "c.product"),
            ("priority", "c.priority"),
            ("segment", "c.segment"),
        ):
            value = getattr(self, name)
            if value is not None:
                clauses.append(f" AND {column} = :f_{name}")
                params[f"f_{name}"] = value
        return "".join(clauses), params
