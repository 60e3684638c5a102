"""Request and response bodies for webhook endpoints and deliveries."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, Field, field_validator

from app.core.params import MAX_ID
from app.core.schemas import InputModel
from app.events.types import subscribable

__all__ = [
    "AttemptPublic",
    "DeliveryDetail",
    "DeliveryPage",
    "DeliveryPublic",
    "EndpointCreate",
    "EndpointPage",
    "EndpointPublic",
    "EndpointUpdate",
    "EndpointWithSecret",
]

DeliveryState = Literal["pending", "succeeded", "failed", "dead"]
# "card.moved", "card.*" or "*"
_PATTERN = re.compile(r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")
_URL_RULES: dict[str, Any] = {"min_length": 8, "max_length": 2000, "pattern": r"^https?://"}
# The allowed values, for the OpenAPI schema; the service refuses others with a 422
# ``unknown-event-type`` problem that lists them.
EventTypePattern = Annotated[
    str,
    Field(
        description="An event type, `prefix.*` for every type with that prefix, or `*`.",
        json_schema_extra={"enum": list(subscribable())},
    ),
]


def _check_url(value: str | None) -> str | None:
    # Parsed as the relay's HTTP client will parse it, so an endpoint we cannot send to
    # (a host that is not valid IDNA, control characters) is refused when it is saved.
    if value is None:
        return value
    try:
        host = httpx.URL(value).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if not host:
        raise ValueError("must name a host")
    return value


def _check_types(value: list[str] | None) -> list[str] | None:
    if value is None:
        return value
    bad = [t for t in value if not _PATTERN.fullmatch(t)]
    if bad:
        raise ValueError(f"not an event type or prefix.* pattern: {', '.join(bad)}")
    return list(dict.fromkeys(value))


class EndpointCreate(InputModel):
    url: str = Field(**_URL_RULES)
    event_types: list[EventTypePattern] = Field(min_length=1, max_length=50)
    board_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    description: str = Field(default="", max_length=500)

    _url = field_validator("url")(_check_url)
    _types = field_validator("event_types")(_check_types)


class EndpointUpdate(InputModel):
    """Only the fields sent change; ``enabled: true`` re-enables a disabled endpoint."""

    url: str | None = Field(default=None, **_URL_RULES)  # optional, like every field here
    event_types: list[EventTypePattern] | None = Field(default=None, min_length=1, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None

    _url = field_validator("url")(_check_url)
    _types = field_validator("event_types")(_check_types)


class EndpointPublic(BaseModel):
    id: int
    owner_id: int | None
    board_id: int | None
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deliveries: dict[str, int] = Field(default_factory=dict, description="count per state")


class EndpointWithSecret(EndpointPublic):
    secret: str = Field(description="The whsec_ signing secret; shown only now.")


class EndpointPage(BaseModel):
    endpoints: list[EndpointPublic]
    total: int
    limit: int
    offset: int


class DeliveryPublic(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_latency_ms: int | None
    last_response: str | None = Field(description="The response body, at most 1 KB")
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AttemptPublic(BaseModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: int | None
    response_body: str | None
    error: str | None


class DeliveryDetail(DeliveryPublic):
    attempt_log: list[AttemptPublic]
    payload: str


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryPublic]
    total: int
    limit: int
    offset: int
