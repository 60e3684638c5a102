"""Shared model plumbing: metadata naming convention, JSON type and UTC timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

__all__ = [
    "JSONType",
    "UTCDateTime",
    "iso",
    "metadata",
    "simulated_now",
    "table_of",
    "utcnow",
]

# Stable constraint names, so Alembic can alter and drop them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, so values are normalised to UTC on the way in and tagged
    as UTC on the way out; PostgreSQL stores ``timestamptz``.
    """

    from sqlalchemy import DateTime as _DateTime

    impl = _DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The moment utcnow() answers instead of the wall clock, while simulated_now() holds one.
_SIMULATED: ContextVar[datetime | None] = ContextVar("simulated_now", default=None)


def utcnow() -> datetime:
    """Now, in UTC: the wall clock, or the moment :func:`simulated_now` set."""
    return _SIMULATED.get() or datetime.now(UTC)


@contextmanager
def simulated_now(moment: datetime) -> Iterator[None]:
    """Make :func:`utcnow` answer ``moment`` (timezone-aware) in this context.

    For writing a past through the ordinary services: the demo history
    (app/demo_history.py) walks a simulated clock forward, so every event, stay and
    timestamp it writes is dated as if it had happened then. Nothing else uses it.
    """
    if moment.tzinfo is None:
        raise ValueError("simulated_now needs a timezone-aware moment")
    token = _SIMULATED.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _SIMULATED.reset(token)


def iso(value: datetime) -> str:
    """RFC 3339 with milliseconds and a ``Z``, as in the event envelope."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a SQLModel table class (typed, for Core statements)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
