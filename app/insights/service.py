"""Evidence and insight rules: who may attach, see and remove evidence, how much a card
and a board may hold, and how a card's insight and the board's ranking are read.

The byte caps (``evidence_max_bytes_per_card``, ``evidence_max_bytes_per_board``) are
checked in the transaction that records the upload, under the card's and the board's
row locks (card first, then board: the order a card move takes them), so two uploads at
once cannot both pass a cap. A refused upload's file is deleted by the router.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards as board_cards
from app.board.access import WORK, board_role, effective_role, may_read, require_role
from app.board.service import actor_ref
from app.core.db import settings_of
from app.core.models import utcnow
from app.events import service as events
from app.insights import gate, repository
from app.insights.exceptions import EvidenceNotFound, EvidenceQuotaExceeded
from app.insights.repository import SORTS, Sort
from app.insights.storage import StoredFile

__all__ = [
    "SORTS",
    "Sort",
    "add_evidence",
    "board_insights",
    "card_insight",
    "evidence_file",
    "evidence_target",
    "list_evidence",
    "remove_evidence",
]


def _card(
    session: Session, *, actor: Principal, card_id: int, lock: bool = False
) -> tuple[Row[Any], str]:
    """The card and the caller's role on its board (404 when they may not read it)."""
    return board_cards.load(session, actor=actor, card_id=card_id, lock=lock)


def _evidence(session: Session, *, actor: Principal, evidence_id: int) -> tuple[Row[Any], str]:
    row = repository.evidence_with_access(session, evidence_id=evidence_id, user_id=actor.id)
    if row is None or not may_read(actor, is_member=row.member_id is not None):
        raise EvidenceNotFound(f"Evidence {evidence_id} does not exist or is not on your board.")
    return row, effective_role(actor, row.member_role)


def _public(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "card_id": row.card_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "url": f"/api/evidence/{row.id}/content",
        "created_at": row.created_at,
        "uploaded_by": row.uploaded_by,
    }


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def _check_room(session: Session, *, board_id: int, card_id: int, adding: int | None) -> None:
    """Refuse (413) evidence that would take the card or the board past its byte cap;
    ``adding`` None asks only whether anything fits (before the upload is read)."""
    settings = settings_of(session)
    on_card, on_board = repository.evidence_bytes(session, board_id=board_id, card_id=card_id)
    for scope, used, cap in (
        ("card", on_card, settings.evidence_max_bytes_per_card),
        ("board", on_board, settings.evidence_max_bytes_per_board),
    ):
        if used + (adding or 0) <= cap and (adding is not None or used < cap):
            continue
        held = (
            f"Evidence on this {scope} uses {used} of its {cap} bytes ({_mib(used)} of {_mib(cap)})"
        )
        if adding is None:
            detail = f"{held}: no more fits. Remove evidence from the {scope} first."
        else:
            detail = f"{held}; this {adding}-byte file would go past that cap."
        raise EvidenceQuotaExceeded(
            detail, scope=scope, used_bytes=used, max_bytes=cap, upload_bytes=adding
        )


def evidence_target(session: Session, *, actor: Principal, card_id: int) -> int:
    """The board an upload to this card would go to, once the caller may add evidence
    and the card and its board have room left (checked again when the file is recorded)."""
    row, role = _card(session, actor=actor, card_id=card_id)
    require_role(role, WORK, "add evidence")
    _check_room(session, board_id=int(row.board_id), card_id=card_id, adding=None)
    return int(row.board_id)


def add_evidence(
    session: Session, *, actor: Principal, card_id: int, stored: StoredFile
) -> dict[str, Any]:
    """Record a stored file as evidence on the card: access and the byte caps are checked
    again in this transaction, with the card and then the board locked."""
    row, role = _card(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "add evidence")
    repository.lock_board(session, int(row.board_id))
    _check_room(session, board_id=int(row.board_id), card_id=card_id, adding=stored.size_bytes)
    evidence = repository.insert_evidence(
        session,
        {
            "board_id": row.board_id,
            "card_id": card_id,
            "filename": stored.filename,
            "content_type": stored.content_type,
            "size_bytes": stored.size_bytes,
            "sha256": stored.sha256,
            "storage_key": stored.storage_key,
            "uploaded_by": actor.id,
            "created_at": utcnow(),
        },
    )
    events.append(
        session,
        board_id=row.board_id,
        type="evidence.added",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "evidence_id": evidence.id,
            "filename": evidence.filename,
            "content_type": evidence.content_type,
            "size_bytes": evidence.size_bytes,
        },
    )
    return _public(evidence)


def list_evidence(session: Session, *, actor: Principal, card_id: int) -> list[dict[str, Any]]:
    """A card's evidence, oldest first, for any member of its board."""
    _card(session, actor=actor, card_id=card_id)
    return [_public(r) for r in repository.evidence_of_card(session, card_id)]


def evidence_file(session: Session, *, actor: Principal, evidence_id: int) -> dict[str, Any]:
    """Where an evidence file is stored and how to serve it, for members of its board."""
    row, _ = _evidence(session, actor=actor, evidence_id=evidence_id)
    return {**_public(row), "storage_key": row.storage_key}


def remove_evidence(session: Session, *, actor: Principal, evidence_id: int) -> str:
    """Delete an evidence row; returns the storage key whose file goes after commit."""
    row, role = _evidence(session, actor=actor, evidence_id=evidence_id)
    require_role(role, WORK, "remove evidence")
    if not repository.delete_evidence(session, evidence_id):
        raise EvidenceNotFound(f"Evidence {evidence_id} does not exist or is not on your board.")
    events.append(
        session,
        board_id=row.board_id,
        type="evidence.removed",
        actor=actor_ref(actor),
        data={"card_id": row.card_id, "evidence_id": evidence_id, "filename": row.filename},
    )
    return str(row.storage_key)


def _components(row: Any) -> dict[str, Any]:
    missing = gate.missing_fields(row._mapping, row.evidence_count)
    return {
        "card_id": row.card_id,
        "problem_statement": row.problem_statement,
        "impact_per_month": row.impact_per_month,
        "effort_hours": row.effort_hours,
        "owner_team": row.owner_team,
        "frequency": int(row.frequency),
        "score": None if row.score is None else float(row.score),
        "teams_needed": int(row.teams_needed),
        "missing": missing,
        "complete": not missing,
    }


def card_insight(session: Session, *, actor: Principal, card_id: int) -> dict[str, Any]:
    """The card as an actionable insight: fields, evidence, what is missing, and its score."""
    card, _ = _card(session, actor=actor, card_id=card_id)
    row = repository.card_insight(session, board_id=card.board_id, card_id=card_id)
    assert row is not None
    return {
        **_components(row),
        "suggested_fix": row.suggested_fix,
        "currency": repository.currency_of(session, card.board_id),
        "evidence": [_public(r) for r in repository.evidence_of_card(session, card_id)],
    }


def board_insights(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    sort: Sort = "score",
    complete: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The board's insights (cards with any insight field or evidence), ranked, one page."""
    board_role(session, actor=actor, board_id=board_id)
    rows = repository.insight_page(
        session, board_id=board_id, sort=sort, complete=complete, limit=limit, offset=offset
    )
    items = [
        {
            **_components(r),
            "title": r.title,
            "column_id": r.column_id,
            "column_name": r.column_name,
            "evidence_count": int(r.evidence_count),
        }
        for r in rows
    ]
    total = (
        offset + len(items)
        if 0 < len(items) < limit or (not items and offset == 0)
        else repository.count_insights(session, board_id=board_id, complete=complete)
    )
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "sort": sort,
        "currency": repository.currency_of(session, board_id),
    }
