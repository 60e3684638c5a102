"""Prometheus metrics of one app, in a registry of its own (several apps never clash).

Request latency is observed by the middleware. Everything else is read when scraped:
open websockets from the hub, alert scans from the scheduler, and webhook deliveries by
state from the database (one grouped query, made by the endpoint just before rendering).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

__all__ = ["DELIVERY_STATES", "OpsMetrics"]

# Every state a delivery can be in (app/webhooks/models.py), reported even at zero.
DELIVERY_STATES = ("pending", "succeeded", "failed", "dead")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _StateCollector(Collector):
    """Reads the app's live state (``app.state``) at scrape time."""

    def __init__(self, metrics: OpsMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        state = self.metrics.app_state
        hub = getattr(state, "hub", None)
        sockets = GaugeMetricFamily(
            "swarmboard_websocket_connections",
            "Board websockets open on this process (subscribed to a board's events).",
        )
        channels = getattr(hub, "channels", {}) if hub is not None else {}
        sockets.add_metric([], sum(len(c.subscribers) for c in list(channels.values())))
        yield sockets
        sent = CounterMetricFamily(
            "swarmboard_websocket_events",
            "Board events handed to this process's websockets: 'direct' written at once "
            "(one shared frame), 'queued' for a socket still replaying or reading slowly.",
            labels=["path"],
        )
        sent.add_metric(["direct"], int(getattr(hub, "sent_direct", 0)))
        sent.add_metric(["queued"], int(getattr(hub, "sent_queued", 0)))
        yield sent

        alerts = getattr(state, "alerts", None)
        runs = int(getattr(alerts, "runs", 0))
        total = float(getattr(alerts, "total_seconds", 0.0))
        last = getattr(alerts, "last", None)
        scans = SummaryMetricFamily(
            "swarmboard_alert_scan_duration_seconds",
            "Alert scans run by this process (skipped ones included), and their time.",
        )
        scans.add_metric([], count_value=runs, sum_value=total)
        yield scans
        last_gauge = GaugeMetricFamily(
            "swarmboard_alert_scan_last_duration_seconds",
            "How long this process's most recent alert scan took.",
        )
        if last is not None:
            last_gauge.add_metric([], float(last.seconds))
        yield last_gauge
        skipped = CounterMetricFamily(
            "swarmboard_alert_scan_skipped",
            "Alert scans skipped because another replica held the scan lock.",
        )
        skipped.add_metric([], int(getattr(alerts, "skipped", 0)))
        yield skipped

        deliveries = GaugeMetricFamily(
            "swarmboard_webhook_deliveries",
            "Webhook deliveries in the database by state (the same on every replica).",
            labels=["state"],
        )
        counts = self.metrics.delivery_counts
        for name in sorted({*DELIVERY_STATES, *counts}):
            deliveries.add_metric([name], counts.get(name, 0))
        yield deliveries


class OpsMetrics:
    """The registry and instruments of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "swarmboard_http_request_duration_seconds",
            "HTTP request latency by method, route template and status class.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.app_state: Any = None
        self.delivery_counts: Mapping[str, int] = {}
        self.registry.register(_StateCollector(self))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, f"{status // 100}xx").observe(seconds)

    def render(self, delivery_counts: Mapping[str, int]) -> bytes:
        """The text exposition, with the delivery counts just read from the database."""
        self.delivery_counts = delivery_counts
        return generate_latest(self.registry)
