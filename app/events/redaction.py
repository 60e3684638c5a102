"""Who may see a customer's confirmation link, and the redacted view for everyone else.

A confirmation link lets its holder answer for the customer (and a "no" reopens the
card past hard WIP limits), so only roles that may contact the customer see it. Every
reader of the event log (the HTTP log, ``events.csv``, the websocket) goes through
:func:`for_role`; webhook payloads are not redacted (endpoint owners are leads or admins).
"""

from __future__ import annotations

from typing import Any

from app.auth.roles import WORK

__all__ = ["CONTACT_ROLES", "LINK_FIELDS", "for_role", "may_contact_customer", "redact"]

# Roles that work tickets and so may contact the customer: the same set as the board's
# "may work" rule (app/board/access.py), from the role vocabulary both read.
CONTACT_ROLES = WORK
# Event type -> the data fields that hold a customer's confirmation link.
LINK_FIELDS: dict[str, tuple[str, ...]] = {"confirmation.requested": ("url",)}


def may_contact_customer(role: str) -> bool:
    """True when this board role may see and use the customer's confirmation link."""
    return role in CONTACT_ROLES


def redact(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with every link field set to null and named in ``data.redacted``.

    Returns the same object when there is nothing to redact (no copy on the hot path).
    """
    fields = LINK_FIELDS.get(envelope.get("type", ""))
    if not fields:
        return envelope
    data = dict(envelope.get("data") or {})
    present = [f for f in fields if data.get(f) is not None]
    if not present:
        return envelope
    for f in present:
        data[f] = None
    data["redacted"] = sorted(present)
    return {**envelope, "data": data}


def for_role(envelope: dict[str, Any], role: str) -> dict[str, Any]:
    """The envelope as a reader with board role ``role`` may see it."""
    return envelope if may_contact_customer(role) else redact(envelope)
