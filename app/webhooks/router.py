"""Webhook endpoints and the delivery log (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status

from app.auth.deps import CurrentUser
from app.core.deps import Db
from app.core.params import PageLimit, PageOffset, PathId
from app.webhooks import service, ssrf
from app.webhooks.exceptions import UnsafeWebhookUrl
from app.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPage,
    DeliveryPublic,
    EndpointCreate,
    EndpointPage,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
)

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


async def _safe(request: Request, url: str | None) -> None:
    if url is None:
        return
    try:
        allow = request.app.state.settings.webhook_allow_private
        await ssrf.check_url(url, allow_private=allow)
    except ssrf.UnsafeUrl as exc:
        detail = f"The webhook URL {exc}."
        raise UnsafeWebhookUrl(
            detail, errors=[{"field": "url", "in": "body", "message": str(exc)}]
        ) from exc


def _wake(request: Request) -> None:
    relay = getattr(request.app.state, "relay", None)
    if relay is not None:
        relay.wake()


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EndpointWithSecret)
async def create(body: EndpointCreate, request: Request, user: CurrentUser, db: Db) -> Any:
    """Subscribe a URL to board events; the response shows its secret once."""
    await _safe(request, body.url)
    out = await db.write(service.create_endpoint, actor=user, data=body)
    _wake(request)  # re-read subscriptions so the first events go out at once
    return out


@router.get("", response_model=EndpointPage)
async def list_endpoints(
    user: CurrentUser, db: Db, limit: PageLimit = 50, offset: PageOffset = 0
) -> Any:
    """Your webhook endpoints (all of them, for an admin)."""
    return await db.read(service.list_endpoints, actor=user, limit=limit, offset=offset)


@router.get("/{endpoint_id}", response_model=EndpointPublic)
async def get(endpoint_id: PathId, user: CurrentUser, db: Db) -> Any:
    """One endpoint, with delivery counts and why it is disabled, if it is."""
    return await db.read(service.get_endpoint, actor=user, endpoint_id=endpoint_id)


@router.patch("/{endpoint_id}", response_model=EndpointPublic)
async def update(
    endpoint_id: PathId, body: EndpointUpdate, request: Request, user: CurrentUser, db: Db
) -> Any:
    """Change an endpoint; ``enabled: true`` resumes one that was disabled."""
    await _safe(request, body.url)
    out = await db.write(service.update_endpoint, actor=user, endpoint_id=endpoint_id, data=body)
    _wake(request)
    return out


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(endpoint_id: PathId, user: CurrentUser, db: Db) -> Response:
    """Remove an endpoint and its delivery log."""
    await db.write(service.delete_endpoint, actor=user, endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret)
async def rotate(endpoint_id: PathId, user: CurrentUser, db: Db) -> Any:
    """A new secret; the old one keeps signing too for 24 hours."""
    return await db.write(service.rotate_secret, actor=user, endpoint_id=endpoint_id)


@router.post("/{endpoint_id}/ping", status_code=202, response_model=DeliveryPublic)
async def ping(endpoint_id: PathId, request: Request, user: CurrentUser, db: Db) -> Any:
    """Send a ``webhook.ping`` test event."""
    out = await db.write(service.ping, actor=user, endpoint_id=endpoint_id)
    _wake(request)
    return out


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryPage)
async def deliveries(
    endpoint_id: PathId,
    user: CurrentUser,
    db: Db,
    state: Literal["pending", "succeeded", "failed", "dead"] | None = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> Any:
    """The delivery log, newest first."""
    return await db.read(
        service.list_deliveries,
        actor=user,
        endpoint_id=endpoint_id,
        state=state,
        limit=limit,
        offset=offset,
    )


@router.get("/{endpoint_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def delivery(endpoint_id: PathId, delivery_id: PathId, user: CurrentUser, db: Db) -> Any:
    """One delivery: its payload and every attempt."""
    return await db.read(
        service.get_delivery, actor=user, endpoint_id=endpoint_id, delivery_id=delivery_id
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryPublic,
)
async def redeliver(
    endpoint_id: PathId, delivery_id: PathId, request: Request, user: CurrentUser, db: Db
) -> Any:
    """Send that delivery's event again, as a new delivery with the same webhook-id."""
    out = await db.write(
        service.redeliver, actor=user, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    _wake(request)
    return out
