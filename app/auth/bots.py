"""The rules that make an AI agent (a user of kind 'bot') a teammate under limits.

A bot works through API tokens and MCP only. It is always an 'agent' (a board role may
make it a 'viewer'), so it never manages a board; it cannot sign in to pages, override
a WIP limit or approve an insight. Setting its availability to 'away' is the kill
switch: every change it asks for is refused from the next request on, on every replica,
because the principal is read from the database on each request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.auth.exceptions import BotNotAllowed, BotStopped
from app.auth.roles import BOT_ROLES

if TYPE_CHECKING:  # the service imports these rules
    from app.auth.service import Principal

__all__ = ["forbid_bot", "refuse_if_stopped", "require_bot_role"]


def refuse_if_stopped(actor: Principal) -> None:
    """Refuse any change by a bot whose availability is 'away' (the kill switch)."""
    if actor.is_bot and actor.availability == "away":
        raise BotStopped(
            f"{actor.name} is stopped (availability 'away'); a lead or admin sets it back "
            "to 'available' to let it work again."
        )


def forbid_bot(actor: Principal | None, action: str) -> None:
    """Refuse something only a person may do (``action``: 'override WIP limits', …)."""
    if actor is not None and actor.is_bot:
        raise BotNotAllowed(f"A bot cannot {action}; a person has to.")


def require_bot_role(kind: str, role: str | None, *, field: str = "role") -> None:
    """A bot's role (global or on a board) is 'agent' or 'viewer', never a managing one."""
    if kind == "bot" and role is not None and role not in BOT_ROLES:
        detail = f"A bot can only be an agent or a viewer, not {role!r}."
        raise BotNotAllowed(detail, errors=[{"field": field, "in": "body", "message": detail}])
