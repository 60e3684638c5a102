"""Operations settings, read from ``SWARMBOARD_*`` like the rest of the configuration."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["OpsSettings"]


class OpsSettings(BaseSettings):
    """``SWARMBOARD_LOG_FORMAT``, ``SWARMBOARD_METRICS_TOKEN`` and
    ``SWARMBOARD_FORWARDED_ALLOW_IPS``."""

    model_config = SettingsConfigDict(env_prefix="SWARMBOARD_", extra="ignore")

    # json: one object per line (for log shippers); text: a line for people.
    log_format: Literal["json", "text"] = "json"
    # When set, GET /metrics wants "Authorization: Bearer <token>" from any address;
    # unset, it answers direct (unproxied) requests from loopback and private networks.
    metrics_token: str | None = None
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto `swarmboard serve`
    # believes: addresses or networks, comma-separated ("*" for any peer). Empty (the
    # default): none, so the client address is always the connection's own and a
    # forged header can neither pick a sign-in throttle bucket nor pose as https.
    forwarded_allow_ips: str = ""

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"SWARMBOARD_FORWARDED_ALLOW_IPS: {item!r} is not an IP address or "
                    "network (use commas between several, or * for any)"
                ) from None
        return ",".join(items)

    @property
    def trusted_proxies(self) -> list[str]:
        """The proxies to believe, as uvicorn's ``forwarded_allow_ips`` takes them."""
        return [item for item in self.forwarded_allow_ips.split(",") if item]
