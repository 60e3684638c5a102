"""Settings: one validated object, read from ``SWARMBOARD_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.secret import is_placeholder, load_or_create_key

__all__ = ["Settings", "get_settings", "log_format_asked"]


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``SWARMBOARD_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SWARMBOARD_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./swarmboard.db"
    admin_token: str | None = None
    # Signs session cookies and confirmation links. Unset (empty): a random key is
    # generated on first start and kept in <data_dir>/secret_key (see signing_key).
    secret_key: str = Field(default="", repr=False)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    # Live board fan-out across replicas: Redis pub/sub when set; otherwise PostgreSQL
    # LISTEN/NOTIFY on PostgreSQL, and in-process delivery on SQLite.
    redis_url: str | None = None
    redis_channel: str = "swarmboard:events"
    ws_queue_size: int = Field(default=256, ge=1, le=100_000)
    # Open websockets one person may have in one process; the excess is closed with 4429.
    ws_max_per_person: int = Field(default=20, ge=1, le=10_000)
    ws_ping_interval: float = Field(default=20.0, gt=0)
    # Events are small JSON; compression costs more memory and latency than it saves.
    ws_per_message_deflate: bool = False
    # The alert scan: "off" on replicas that only serve the API. Several replicas may all
    # run it on PostgreSQL (an advisory lock lets one scan at a time).
    scheduler: Literal["on", "off"] = "on"
    alert_scan_seconds: float = Field(default=30.0, ge=0.5, le=86_400)
    # Outgoing webhooks: the relay sends on every replica where it is on; rows are
    # claimed with SKIP LOCKED on PostgreSQL, so replicas share the work.
    webhook_relay: Literal["on", "off"] = "on"
    webhook_workers: int = Field(default=2, ge=1, le=64)
    # Seconds before each retry, comma-separated; the first entry is the first attempt.
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,36000"
    # An attempt in flight holds its delivery this long; a crashed replica's
    # deliveries become due again after it.
    webhook_lease_seconds: float = Field(default=60.0, ge=0.5, le=3600)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # Allow endpoints on loopback and private networks (tests, on-premises installs).
    webhook_allow_private: bool = False
    # On SIGTERM or SIGINT: how long websockets, requests, a running alert scan and
    # webhook attempts in flight get to finish before they are cut short (whole
    # seconds). The default fits inside Docker's 10 s before it sends SIGKILL.
    shutdown_grace_seconds: int = Field(default=8, ge=1, le=3600)

    # Uploaded evidence lives under this directory (created on first upload).
    data_dir: str = "./data"
    evidence_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # Evidence bytes a card, and a whole board, may hold; an upload past either is a 413.
    evidence_max_bytes_per_card: int = Field(default=50 * 1024 * 1024, ge=1024, le=2**40)
    evidence_max_bytes_per_board: int = Field(default=2 * 1024**3, ge=1024, le=2**44)
    # The address customers reach this server at; confirmation links are built on it.
    public_url: str = "http://127.0.0.1:8000"
    confirmation_days: float = Field(default=14.0, gt=0, le=365)
    # What an hour of a person's handling time costs, in US dollars: people's cost per
    # confirmed resolution, next to bots' reported cost (unset: reported as null).
    staff_hourly_cost: float | None = Field(default=None, ge=0, le=1_000_000)

    # Request bodies above this are refused with 413 before a handler sees them (evidence
    # uploads get evidence_max_bytes plus their multipart framing instead).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # Sign-in throttling, kept in each replica's memory: after this many failures within
    # the window, per email and per client address, sign-ins are refused with 429.
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_ip: int = Field(default=50, ge=1, le=100_000)
    login_window_seconds: float = Field(default=900.0, gt=0, le=86_400)
    # At most this many emails and addresses are remembered (least recent forgotten first).
    login_throttle_max_keys: int = Field(default=20_000, ge=100, le=1_000_000)
    # CPU-heavy work (forecasts, flow summaries, the Retro page) runs on a pool of its
    # own per process (app/core/cpu.py): this many threads, at most this many jobs
    # admitted (computing or waiting), at most this many per person; past a bound a
    # request gets 429 cpu-busy with Retry-After. One thread by default: forecasts are
    # pure Python, so a second one adds no throughput (the GIL) but doubles the time
    # pages wait for the interpreter (bench/cpu_pool.py).
    cpu_workers: int = Field(default=1, ge=1, le=64)
    cpu_max_jobs: int = Field(default=4, ge=1, le=1000)
    cpu_jobs_per_person: int = Field(default=2, ge=1, le=100)
    cpu_retry_after_seconds: int = Field(default=2, ge=1, le=3600)

    # Operations. json: one log object per line (for log shippers); text: a line for
    # people.
    log_format: Literal["json", "text"] = "json"
    # When set, GET /metrics wants "Authorization: Bearer <token>" from any address;
    # unset, it answers direct (unproxied) requests from loopback and private networks.
    metrics_token: str | None = None
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto `swarmboard serve`
    # believes: addresses or networks, comma-separated ("*" for any peer). Empty (the
    # default): none, so the client address is always the connection's own and a
    # forged header can neither pick a sign-in throttle bucket nor pose as https.
    forwarded_allow_ips: str = ""
    # The MCP server at /mcp for AI agents (app/agents/mcp_server.py); off: /mcp is a 404.
    mcp_enabled: bool = True

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// address")
        return value.rstrip("/")

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

    @model_validator(mode="after")
    def _lease_outlasts_attempt(self) -> Settings:
        # A lease shorter than an attempt would let a second relay send it meanwhile.
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "SWARMBOARD_WEBHOOK_LEASE_SECONDS must be longer than "
                "SWARMBOARD_WEBHOOK_TIMEOUT_SECONDS"
            )
        return self

    @property
    def retry_delays(self) -> list[float]:
        return [float(x) for x in self.webhook_retry_schedule.split(",") if x.strip()]

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _valid_schedule(cls, value: str) -> str:
        try:
            delays = [float(x) for x in value.split(",") if x.strip()]
        except ValueError as exc:
            raise ValueError("a comma-separated list of seconds") from exc
        if not delays or any(d < 0 for d in delays):
            raise ValueError("a non-empty list of seconds, none negative")
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        # In every environment: a published key signs cookies anyone can forge.
        if is_placeholder(self.secret_key):
            raise ValueError(
                "SWARMBOARD_SECRET_KEY is a published placeholder; set a real secret, or "
                "leave it unset to have one generated in the data directory"
            )
        return self

    _generated_key: str | None = PrivateAttr(default=None)

    def load_signing_key(self) -> str:
        """``secret_key``, or the key kept in ``<data_dir>/secret_key`` (generated, saved
        and logged when absent); read once per settings object."""
        if self.secret_key:
            return self.secret_key
        if self._generated_key is None:
            self._generated_key = load_or_create_key(self.data_dir)
        return self._generated_key

    @property
    def signing_key(self) -> str:
        """The key that signs cookies and links: read this, never ``secret_key``."""
        return self.load_signing_key()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Settings read once from the environment (the CLI and the default app use this)."""
    return Settings()


def log_format_asked() -> Literal["json", "text"]:
    """The log format ``SWARMBOARD_LOG_FORMAT`` asks for, read leniently: the CLI says
    why the settings are invalid in it, when :class:`Settings` itself cannot be built."""
    asked = os.environ.get("SWARMBOARD_LOG_FORMAT", "").strip().lower()
    return "text" if asked == "text" else "json"
