"""What the board settings page reads: the board, its columns (with card counts), lanes,
members (with e-mail and board role) and SLA policies, for a lead or an admin.

Who may open it is the board's own rule (app/board/access.py): the effective role must
manage the board. The page never reads what the caller could not read through the API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.alerts import service as alerts_service
from app.auth import repository as auth_repository
from app.auth.service import Principal
from app.board import access
from app.board import repository as board_repository
from app.board.exceptions import BoardNotFound

__all__ = [
    "BOARD_ROLES",
    "SECTIONS",
    "NotManager",
    "duration",
    "settings_view",
]

# The board roles a lead can give (app/board/schemas.py BoardRole), in the page's words.
BOARD_ROLES: dict[str, str] = {
    "lead": "Lead",
    "agent": "Agent",
    "facilitator": "Facilitator",
    "viewer": "Viewer",
}
SECTIONS = ("board", "columns", "lanes", "members", "policies")

MINUTE, HOUR, DAY = 60, 3600, 86400
STALL_UNITS = ((HOUR, "hours"), (DAY, "days"))
ALERT_UNITS = ((MINUTE, "minutes"), (HOUR, "hours"))
TARGET_UNITS = ((MINUTE, "minutes"), (HOUR, "hours"))


class NotManager(Exception):
    """The caller reads the board but may not manage it (the page is a 403)."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


def duration(seconds: int | None, units: tuple[tuple[int, str], ...]) -> dict[str, Any]:
    """A number of seconds as the page's field shows it: the largest unit that divides
    it evenly, else the smallest one with up to two decimals ("" for none)."""
    if seconds is None:
        return {"value": "", "unit": units[-1][0], "units": units, "seconds": ""}
    unit = next((u for u, _ in reversed(units) if seconds % u == 0), units[0][0])
    value = f"{seconds / unit:.2f}".rstrip("0").rstrip(".")
    return {"value": value, "unit": unit, "units": units, "seconds": str(seconds)}


def _manager_role(session: Session, actor: Principal, board_id: int) -> str:
    role = access.role_on_board(session, actor=actor, board_id=board_id)
    if role is None:
        raise BoardNotFound(f"Board {board_id} does not exist or you are not a member.")
    if not access.may_manage(role):
        raise NotManager(role)
    return role


def _columns(session: Session, board_id: int) -> list[dict[str, Any]]:
    counts = board_repository.column_counts(session, board_id=board_id)
    out = []
    for row in board_repository.columns_of(session, board_id=board_id):
        col = dict(row._mapping)
        col["card_count"] = counts.get(col["id"], 0)
        col["stall"] = duration(col["stall_after_seconds"], STALL_UNITS)
        out.append(col)
    return out


def _members(session: Session, board_id: int) -> list[dict[str, Any]]:
    out = []
    for m in board_repository.members_of(session, board_id=board_id):
        user = auth_repository.get_user(session, m.user_id)
        out.append(
            {
                "user_id": m.user_id,
                "name": m.name,
                "email": user.email if user is not None else "",
                # None: the person's account role applies on this board.
                "board_role": m.role,
                "account_role": m.user_role,
            }
        )
    return out


def _policies(session: Session, actor: Principal, board_id: int) -> list[dict[str, Any]]:
    out = []
    for p in alerts_service.list_policies(session, actor=actor, board_id=board_id):
        policy = p.model_dump()
        policy["frt"] = duration(p.frt_seconds, TARGET_UNITS)
        policy["ttr"] = duration(p.ttr_seconds, TARGET_UNITS)
        out.append(policy)
    return out


def settings_view(session: Session, *, actor: Principal, board_id: int) -> dict[str, Any]:
    """Everything the settings page shows; 404 for a non-member, NotManager for a member
    who may not manage the board."""
    role = _manager_role(session, actor, board_id)
    board = board_repository.get_board(session, board_id)
    if board is None:
        raise BoardNotFound(f"Board {board_id} does not exist.")
    return {
        "id": board_id,
        "name": board.name,
        "role": role,
        "last_seq": board.last_seq,
        "currency": board.currency,
        "blocked_alert": duration(board.blocked_alert_seconds, ALERT_UNITS),
        "swarm_answer": duration(board.swarm_answer_seconds, ALERT_UNITS),
        "columns": _columns(session, board_id),
        "lanes": [dict(r._mapping) for r in board_repository.lanes_of(session, board_id=board_id)],
        "members": _members(session, board_id),
        "policies": _policies(session, actor, board_id),
        "roles": BOARD_ROLES,
        "self_id": actor.id,
    }
