"""``GET /metrics``: the Prometheus text exposition (not in the OpenAPI schema).

Access: with ``SWARMBOARD_METRICS_TOKEN`` set, a matching bearer token from anywhere;
unset, only direct requests from loopback or private addresses (a request carrying
proxy headers came through a reverse proxy, from who knows where, and is refused).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.core.db import Database
from app.core.errors import problem_response
from app.ops import repository
from app.ops.prometheus import OpsMetrics

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _private_peer(request: Request) -> bool:
    if any(name in request.headers for name in _PROXY_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _allowed(request: Request, token: str | None) -> bool:
    if token is None:
        return _private_peer(request)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


@router.get("/metrics", response_model=None)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process (and webhook deliveries from the database)."""
    token: str | None = request.app.state.metrics_token
    if not _allowed(request, token):
        if token is None:
            return problem_response(
                403,
                "forbidden",
                "Forbidden",
                "Metrics answer loopback and private addresses only; "
                "set SWARMBOARD_METRICS_TOKEN to scrape from elsewhere.",
            )
        return problem_response(
            401, "unauthenticated", "Unauthenticated", "A valid metrics token is required."
        )
    db: Database = request.app.state.db
    counts = await db.read(repository.delivery_counts)
    registry: OpsMetrics = request.app.state.ops_metrics
    return Response(registry.render(counts), media_type=CONTENT_TYPE_LATEST)
