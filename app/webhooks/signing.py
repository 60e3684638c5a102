"""Standard Webhooks signatures (the ``standardwebhooks`` package does the HMAC)."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

__all__ = ["headers_for", "new_secret"]


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def headers_for(*, msg_id: str, body: str, at: datetime, secrets_: list[str]) -> dict[str, str]:
    """The three Standard Webhooks headers; one ``v1,`` signature per live secret (two
    while a rotated secret is still honoured)."""
    signatures = " ".join(Webhook(s).sign(msg_id, at, body) for s in secrets_)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "Swarmboard-Webhooks/1",
    }
