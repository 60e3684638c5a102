"""Webhook errors; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import NotFound, ValidationFailed

__all__ = ["DeliveryNotFound", "EndpointNotFound", "UnknownEventType", "UnsafeWebhookUrl"]


class EndpointNotFound(NotFound):
    type = "webhook-not-found"


class DeliveryNotFound(NotFound):
    type = "delivery-not-found"


class UnsafeWebhookUrl(ValidationFailed):
    """The URL points at a loopback, private, link-local or metadata address."""

    type = "unsafe-webhook-url"
    title = "This URL is not allowed for webhooks"


class UnknownEventType(ValidationFailed):
    """A subscription names an event type that no board event has."""

    type = "unknown-event-type"
    title = "No such event type"
