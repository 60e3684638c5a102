"""Access changes that must reach open websockets on every replica.

When someone loses or changes access (removed from a board, a new board role, a token
or session revoked, a password change, deactivation), the service that made the change
calls :func:`announce` in the same transaction. It appends an ``access.changed`` event
to each affected board, so the ordinary event pipeline (in-process, LISTEN/NOTIFY or
Redis) carries it to every replica; each hub then closes that user's sockets on that
board with :data:`CLOSE_ACCESS_CHANGED`, and the client reconnects through the
handshake, which checks access afresh. ``member.removed`` and ``member.updated`` (a new
board role) work the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.board import views as board_views
from app.events import service as events
from app.events.service import ActorRef

__all__ = ["ACCESS_EVENT_TYPES", "CLOSE_ACCESS_CHANGED", "announce"]

# Close code: "your access changed; reconnect to have it checked again".
CLOSE_ACCESS_CHANGED = 4408
# Events whose ``data.user_id`` names a person whose sockets on the board must close.
ACCESS_EVENT_TYPES = frozenset({"access.changed", "member.removed", "member.updated"})


def announce(
    session: Session,
    *,
    user_id: int,
    reason: str,
    actor: ActorRef,
    board_ids: Iterable[int] | None = None,
    everywhere: bool = False,
) -> None:
    """Append ``access.changed`` for ``user_id`` to the given boards, or to every board
    they are a member of (``everywhere=True``: every board, for an admin)."""
    if board_ids is None:
        board_ids = board_views.board_ids(session, member=None if everywhere else user_id)
    for board_id in sorted(set(board_ids)):
        events.append(
            session,
            board_id=board_id,
            type="access.changed",
            actor=actor,
            data={"user_id": user_id, "reason": reason},
        )
