"""Base class for request bodies, and date types that refuse numbers."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from annotated_types import MaxLen
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
    field_validator,
)

__all__ = ["AwareInstant", "Day", "InputModel", "Instant"]

_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def _refuse_numbers(value: Any) -> Any:
    # Pydantic reads a bare number as a Unix timestamp, so `to=0` quietly meant
    # 1970-01-01; a date is only ever written in ISO 8601.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date, like 2026-03-01 or 2026-03-01T09:30:00Z")
    return value


# Strict(False): a JSON body carries dates as strings, which strict mode would refuse.
Instant = Annotated[datetime, Strict(False), BeforeValidator(_refuse_numbers)]
AwareInstant = Annotated[AwareDatetime, Strict(False), BeforeValidator(_refuse_numbers)]
Day = Annotated[date, Strict(False), BeforeValidator(_refuse_numbers)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class InputModel(BaseModel):
    """Request bodies: JSON types as documented, unknown fields refused, strings trimmed,
    NUL characters refused.

    Strict types, because lax ones turned client mistakes into data: `false` became a
    WIP limit of 0 and `0` a boolean. PostgreSQL text cannot hold NUL, and SQLite would
    store it silently, so it is refused at the edge on both databases with a 422 that
    names the field.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _length_as_sent(cls, value: Any, info: ValidationInfo) -> Any:
        # Whitespace is trimmed before pydantic checks lengths; the documented maxLength
        # is about what the client sends, so a longer string is refused, not cut down.
        if isinstance(value, str) and info.field_name is not None:
            field = cls.model_fields[info.field_name]
            limits = [m.max_length for m in field.metadata if isinstance(m, MaxLen)]
            if limits and len(value) > min(limits):
                raise ValueError(f"String should have at most {min(limits)} characters")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL characters")
        return value
