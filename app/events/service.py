"""Appending to and reading the board event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.core.ids import event_id
from app.core.models import iso, utcnow
from app.events import repository

__all__ = [
    "SYSTEM",
    "ActorRef",
    "append",
    "append_many",
    "envelope_from_row",
    "list_for_card",
    "list_since",
    "log_bounds",
]


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
    # Once this transaction holds the board's seq lock (an event of it appended and not
    # rolled back), PostgreSQL takes the number and inserts in one round trip. The first
    # event still locks before reading the clock, so ``at`` keeps rising with ``seq``.
    one_trip = session.connection().dialect.name == "postgresql" and any(
        e["board_id"] == board_id for e in reversed(session.info.get("events", []))
    )
    seq = None if one_trip else repository.next_seq(session, board_id)
    at = utcnow()
    eid = event_id()
    row: dict[str, Any] = {
        "id": eid,
        "board_id": board_id,
        "type": type,
        "at": at,
        "actor_id": actor.id,
        "actor_kind": actor.kind,
        "data": data,
    }
    if seq is None:
        seq = repository.append_event_pg(session, **row)
    else:
        repository.insert_event(session, seq=seq, **row)
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


def append_many(
    session: Session, items: list[tuple[int, str, ActorRef, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Append many events, ``(board_id, type, actor, data)`` each, in the caller's
    transaction: one sequence reservation per board and one insert in all, so a scan that
    raises a thousand alerts does not pay a thousand round trips."""
    by_board: dict[int, list[tuple[str, ActorRef, dict[str, Any]]]] = {}
    for board_id, type_, actor, data in items:
        by_board.setdefault(board_id, []).append((type_, actor, data))
    at = utcnow()
    rows: list[dict[str, Any]] = []
    envelopes: list[dict[str, Any]] = []
    for board_id in sorted(by_board):
        batch = by_board[board_id]
        first = repository.reserve_seqs(session, board_id, len(batch))
        for offset, (type_, actor, data) in enumerate(batch):
            eid = event_id()
            row = {
                "id": eid,
                "board_id": board_id,
                "seq": first + offset,
                "type": type_,
                "at": at,
                "actor_id": actor.id,
                "actor_kind": actor.kind,
                "data": data,
                "card_id": repository.card_of(data),
            }
            rows.append(row)
            envelopes.append(
                {
                    "id": eid,
                    "seq": row["seq"],
                    "board_id": board_id,
                    "type": type_,
                    "at": iso(at),
                    "actor": {"id": actor.id, "kind": actor.kind},
                    "data": data,
                }
            )
    repository.insert_events(session, rows)
    session.info.setdefault("events", []).extend(envelopes)
    return envelopes


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


def list_for_card(
    session: Session, *, card_id: int, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """A card's events with ``seq < before`` (None: from the newest), newest first, and
    whether older ones follow."""
    rows = repository.list_for_card(session, card_id=card_id, before=before, limit=limit + 1)
    return [envelope_from_row(r) for r in rows[:limit]], len(rows) > limit


def log_bounds(session: Session, *, board_id: int) -> tuple[int | None, int]:
    """(oldest retained seq or None, newest seq) of a board's log."""
    return repository.log_bounds(session, board_id=board_id)
