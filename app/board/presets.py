"""Ready-made boards: ``POST /api/boards`` with ``preset`` instead of ``columns``.

"support-swarming" is the demo's board (app/demo.py, app/demo_loop.py): its columns,
lanes, WIP limits and SLA policies; "blank" is a plain To do / Doing / Done.

SLA policies belong to alerts, a layer above board: a preset lists them as plain field
dicts and board hands them to the writer that :func:`app.wiring.install` registers with
:func:`set_policy_writer`, in the board's own transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.board.reactions import WiringMissing
from app.board.schemas import ColumnCreate, LaneCreate, PresetName
from app.events.service import ActorRef

__all__ = ["PRESETS", "PolicyWriter", "Preset", "set_policy_writer", "write_policies"]

_DAY = 86400


@dataclass(frozen=True, slots=True)
class Preset:
    columns: list[ColumnCreate]
    lanes: list[LaneCreate] = field(default_factory=list)
    # SlaPolicyCreate fields (app/alerts/schemas.py), validated by the writer.
    sla_policies: list[dict[str, Any]] = field(default_factory=list)


PRESETS: dict[PresetName, Preset] = {
    "support-swarming": Preset(
        columns=[
            ColumnCreate(name="Triage", stage="backlog"),
            ColumnCreate(
                name="Investigating", stage="active", wip_limit=5, stall_after_seconds=2 * _DAY
            ),
            ColumnCreate(name="Swarming", stage="active", wip_limit=3, stall_after_seconds=_DAY),
            ColumnCreate(name="Ready for engineering", stage="active", requires_insight=True),
            ColumnCreate(name="Waiting on customer", stage="active", waits_on_customer=True),
            ColumnCreate(name="Resolved", stage="done"),
        ],
        lanes=[LaneCreate(name="Expedite", wip_limit=1), LaneCreate(name="Standard")],
        sla_policies=[
            {"name": "Urgent", "priority": "urgent", "frt_seconds": 3600, "ttr_seconds": 8 * 3600},
            {"name": "Chat", "channel": "chat", "frt_seconds": 15 * 60, "ttr_seconds": _DAY},
            {"name": "Standard", "frt_seconds": 8 * 3600, "ttr_seconds": 3 * _DAY},
        ],
    ),
    "blank": Preset(
        columns=[
            ColumnCreate(name="To do", stage="backlog"),
            ColumnCreate(name="Doing", stage="active"),
            ColumnCreate(name="Done", stage="done"),
        ],
    ),
}


class PolicyWriter(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        board_id: int,
        actor: ActorRef,
        policies: list[dict[str, Any]],
    ) -> None:
        """Create these SLA policies on the board (with their events)."""


_writer: list[PolicyWriter] = []
_lock = threading.Lock()


def set_policy_writer(fn: PolicyWriter) -> None:
    """Register who creates a preset's SLA policies (once, at wiring)."""
    with _lock:
        _writer[:] = [fn]


def write_policies(
    session: Session, *, board_id: int, actor: ActorRef, policies: list[dict[str, Any]]
) -> None:
    """Create a preset's SLA policies through the registered writer."""
    if not policies:
        return
    if not _writer:
        raise WiringMissing("app.wiring.install() has not run: a preset's SLA policies need it")
    _writer[0](session, board_id=board_id, actor=actor, policies=policies)
