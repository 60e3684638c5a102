"""Page-specific reads (the board list, the board page) and the sign-in check.

The board page is read as one consistent snapshot: the cards and the board's
``last_seq`` come from a single statement, so a page never shows a card state newer
or older than the sequence number its live updates resume from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.alerts import service as alerts_service
from app.auth import password
from app.auth import service as auth_service
from app.auth.service import Principal
from app.board import access
from app.board import repository as board_repository
from app.board import views as board_views
from app.board.views import BoardListing
from app.core.db import Database
from app.core.models import utcnow
from app.swarm import views as swarm_views

__all__ = [
    "ALERT_LABELS",
    "age_text",
    "authenticate",
    "board_page",
    "initials",
    "visible_boards",
]

MAX_LISTED_BOARDS = 500

# How the page names each alert kind (the card badges, the column mark, the panel). The
# board page hands them to alerts.js in its #board-meta block: the script has no copy.
# One per AlertKind (tests/web/test_constants.py).
ALERT_LABELS: dict[str, str] = {
    "stalled": "Stalled",
    "blocked": "Blocked too long",
    "sla_warning": "SLA warning",
    "sla_breach": "SLA breached",
    "wip_breach": "Over WIP limit",
    "swarm_unanswered": "Swarm unanswered",
    "customer_rejected": "Not solved for the customer",
}


async def authenticate(
    db: Database, *, email: str, password_text: str
) -> tuple[Principal, str] | None:
    """The person with this email and password and their password fingerprint, or None.

    An unknown email costs the same hash verification as a wrong password, so neither
    the answer nor its timing tells whether an account exists.
    """
    email = email.strip().lower()
    found = None
    if 3 <= len(email) <= 320 and len(password_text) <= password.MAX_LENGTH:
        found = await db.read(auth_service.login_candidate, email=email)
    stored = found[1] if found is not None else None
    if not await password.verify_password_async(stored, password_text) or found is None:
        return None
    principal, stored = found
    if password.needs_rehash(stored):
        fresh = await password.hash_password_async(password_text)
        if await db.write(
            auth_service.set_password_hash,
            user_id=principal.id,
            password_hash=fresh,
            replacing=stored,
        ):
            stored = fresh
    return principal, password.fingerprint(stored)


def visible_boards(session: Session, *, actor: Principal) -> list[BoardListing]:
    """The boards the person can open (admins: all), by name, with their card counts."""
    return board_views.visible_boards(session, actor=actor, limit=MAX_LISTED_BOARDS)


def initials(name: str | None) -> str:
    """ "Maya Okafor" -> "MO"; "Admin" -> "A"."""
    words = [w for w in (name or "").replace("-", " ").split() if w]
    if not words:
        return "?"
    first, last = words[0][0], words[-1][0] if len(words) > 1 else ""
    return (first + last).upper()


def age_text(since: datetime, now: datetime) -> str:
    """Time in the column, as the card shows it: "now", "12m", "3h", "2d"."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def wip_state(count: int, limit: int | None) -> str:
    """The column's colour class: ``wip-full`` at the limit, ``wip-near`` one below."""
    if limit is None:
        return ""
    if count >= limit:
        return "wip-full"
    return "wip-near" if count == limit - 1 else ""


def _active_alerts(
    session: Session, board_id: int
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """The board's open and acknowledged alerts, oldest first: (by card, by column).

    Card alerts go on their card; column-level ones (a WIP breach: no card) on their
    column. The page's live updates are keyed by alert id, so an alert raised or
    resolved between this read and ``last_seq`` is simply applied again, harmlessly.
    """
    by_card: dict[int, list[dict[str, Any]]] = {}
    by_column: dict[int, list[dict[str, Any]]] = {}
    for a in alerts_service.active_alerts(session, board_id=board_id):
        flag = {"id": a.id, "kind": a.kind, "state": a.state, "label": _alert_label(a.kind)}
        if a.card_id is not None:
            by_card.setdefault(a.card_id, []).append(flag)
        elif a.column_id is not None:
            by_column.setdefault(a.column_id, []).append(flag)
    return by_card, by_column


def _alert_label(kind: str) -> str:
    return ALERT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def board_page(session: Session, *, actor: Principal, board_id: int) -> dict[str, Any]:
    """Everything the board page renders: columns by lane with their cards (each with its
    open swarm and its active alerts, if any), and counts."""
    role = access.board_role(session, actor=actor, board_id=board_id)
    # The cards and ``last_seq`` in one statement (with each card's open swarm).
    last_seq, card_rows = swarm_views.board_cards(session, board_id=board_id)
    card_alerts, column_alerts = _active_alerts(session, board_id)
    board = board_views.board_header(session, board_id=board_id)
    cols = board_views.columns_of(session, board_id=board_id)
    lanes = board_views.lanes_of(session, board_id=board_id)
    members = board_views.member_names(session, board_id=board_id)
    # Bots (AI agents) wear a bot badge wherever the page names them.
    bots = {
        int(m.user_id)
        for m in board_repository.members_of(session, board_id=board_id)
        if m.kind == "bot"
    }
    lane_ids = [lane.id for lane in lanes]
    unlaned = not lanes or any(c.lane_id not in lane_ids for c in card_rows)
    rows: list[int | None] = [*lane_ids, *([None] if unlaned else [])]
    now = utcnow()
    grid: dict[int, dict[int | None, list[dict[str, Any]]]] = {
        c.id: {lane: [] for lane in rows} for c in cols
    }
    for c in card_rows:
        lane = c.lane_id if c.lane_id in lane_ids else None
        grid[c.column_id][lane].append(
            {
                "id": c.id,
                "column_id": c.column_id,
                "position": c.position,
                "title": c.title,
                "priority": c.priority,
                "channel": c.channel,
                "product": c.product,
                "external_ref": c.external_ref,
                "owner_id": c.owner_id,
                "assignee_ids": c.assignee_ids or [],
                "blocked": c.blocked,
                "blocked_reason": c.blocked_reason,
                "version": c.version,
                "since": int(c.column_entered_at.timestamp()),
                "age": age_text(c.column_entered_at, now),
                "owner_name": c.owner_name,
                "owner_initials": initials(c.owner_name) if c.owner_name else None,
                "owner_is_bot": c.owner_id in bots,
                "bot_assignees": [
                    {"id": b, "name": members.get(b, f"Bot {b}")}
                    for b in c.assignee_ids or []
                    if b in bots
                ],
                "skills": list(c.skills or []),
                "swarm_id": c.swarm_id,
                "alerts": card_alerts.get(c.id, []),
            }
        )
    columns = []
    for c in cols:
        count = sum(len(cards) for cards in grid[c.id].values())
        columns.append(
            {
                "id": c.id,
                "name": c.name,
                "stage": c.stage,
                "wip_limit": c.wip_limit,
                "wip_policy": c.wip_policy,
                "requires_insight": c.requires_insight,
                "reopen_target": c.reopen_target,
                "count": count,
                "state": wip_state(count, c.wip_limit),
                "alerts": column_alerts.get(c.id, []),
                "lanes": [{"id": lane, "cards": grid[c.id][lane]} for lane in rows],
            }
        )
    lane_info = [{"id": lane.id, "name": lane.name, "wip_limit": lane.wip_limit} for lane in lanes]
    if lanes and unlaned:
        lane_info.append({"id": None, "name": "No lane", "wip_limit": None})
    return {
        "id": board_id,
        "name": board.name,
        "currency": board.currency,
        "role": role,
        "can_work": role in access.WORK,
        "last_seq": last_seq,
        "columns": columns,
        "lanes": lane_info,
        "members": members,
        "bots": sorted(bots),
        "card_total": len(card_rows),
        "alert_total": sum(map(len, card_alerts.values())) + sum(map(len, column_alerts.values())),
        "alert_labels": ALERT_LABELS,
    }
