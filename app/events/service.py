"""Appending to and reading the board event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.core.ids import event_id
from app.core.models import iso, utcnow
from app.events import repository

__all__ = ["ActorRef", "append", "envelope_from_row", "list_since"]


@dataclass(frozen=True, slots=True)
class ActorRef:
    """Who caused an event: a user, a bot, or the system itself."""

    id: int | None
    kind: str = "user"


SYSTEM = ActorRef(id=None, kind="system")


def append(
    session: Session, *, board_id: int, type: str, actor: ActorRef, data: dict[str, Any]
) -> dict[str, Any]:
    """Append one event in the caller's transaction and return its envelope."""
    seq = repository.next_seq(session, board_id)
    at = utcnow()
    eid = event_id()
    repository.insert_event(
        session,
        id=eid,
        board_id=board_id,
        seq=seq,
        type=type,
        at=at,
        actor_id=actor.id,
        actor_kind=actor.kind,
        data=data,
    )
    envelope = {
        "id": eid,
        "seq": seq,
        "board_id": board_id,
        "type": type,
        "at": iso(at),
        "actor": {"id": actor.id, "kind": actor.kind},
        "data": data,
    }
    session.info.setdefault("events", []).append(envelope)
    return envelope


def envelope_from_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "seq": row.seq,
        "board_id": row.board_id,
        "type": row.type,
        "at": iso(row.at),
        "actor": {"id": row.actor_id, "kind": row.actor_kind},
        "data": row.data,
    }


def list_since(
    session: Session, *, board_id: int, since: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Events with ``seq > since`` in order, and whether more follow."""
    rows = repository.list_events(session, board_id=board_id, since=since, limit=limit + 1)
    return [envelope_from_row(r) for r in rows[:limit]], len(rows) > limit
