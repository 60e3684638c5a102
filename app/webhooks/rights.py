"""An endpoint works only while its owner could create it now.

Managing an endpoint (reading it or its deliveries, changing, pinging, redelivering,
rotating, deleting) and receiving deliveries both need the owner's *current* rights:
the board's "may manage" rule (:mod:`app.board.access`) on the endpoint's board, or
admin for an all-boards endpoint. An admin manages every endpoint. While the owner
lacks the rights (or is deactivated), the outbox writes no delivery for the endpoint
and the relay sends none already queued (they become ``dead`` with a ``last_error``
saying why); once the owner has them again, new events are delivered again.

The rules themselves are :func:`app.board.access.may_manage_sql` and
:func:`app.board.access.may_receive_sql`; this module applies them to the endpoint table.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import access
from app.core.models import table_of
from app.webhooks.models import WebhookEndpoint

__all__ = ["NOT_SENT", "RECEIVES", "manages", "may_manage"]

endpoints = table_of(WebhookEndpoint)

NOT_SENT = (
    "Not sent: the endpoint's owner no longer leads its board (or, for every board, is "
    "no longer an admin), or has been deactivated."
)

# SQL: the endpoint's owner may receive its deliveries now.
RECEIVES = access.may_receive_sql(owner_id=endpoints.c.owner_id, board_id=endpoints.c.board_id)


def manages(actor: Principal) -> ColumnElement[bool]:
    """SQL: the endpoint is one ``actor`` may manage now (admins: every endpoint)."""
    if actor.is_admin:
        return true()
    managed = access.may_manage_sql(user_id=actor.id, board_id=endpoints.c.board_id)
    return and_(endpoints.c.owner_id == actor.id, managed)


def may_manage(session: Session, *, actor: Principal, board_id: int | None) -> bool:
    """Python: may ``actor`` manage an endpoint of this board (None: every board) now?"""
    if actor.is_admin:
        return True
    if board_id is None:
        return False
    role = access.role_on_board(session, actor=actor, board_id=board_id)
    return role is not None and access.may_manage(role)
