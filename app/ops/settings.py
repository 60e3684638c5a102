"""Operations settings, read from ``SWARMBOARD_*`` like the rest of the configuration."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["OpsSettings"]


class OpsSettings(BaseSettings):
    """``SWARMBOARD_LOG_FORMAT`` and ``SWARMBOARD_METRICS_TOKEN``."""

    model_config = SettingsConfigDict(env_prefix="SWARMBOARD_", extra="ignore")

    # json: one object per line (for log shippers); text: a line for people.
    log_format: Literal["json", "text"] = "json"
    # When set, GET /metrics wants "Authorization: Bearer <token>" from any address;
    # unset, it answers direct (unproxied) requests from loopback and private networks.
    metrics_token: str | None = None
