"""The definition of ready: which insight fields a card still lacks.

:func:`check_ready` is a ready check that board consults (registered in app/wiring.py
through :mod:`app.board.reactions`) inside the move's transaction, so a move into a
``requires_insight`` column is refused (422, ``insight-incomplete``) before anything is
written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.core.models import table_of
from app.insights.exceptions import InsightIncomplete
from app.insights.models import Evidence
from app.insights.schemas import InsightField

__all__ = ["INSIGHT_FIELDS", "check_ready", "evidence_count", "missing_fields"]

# In the order the card drawer shows them: the API's documented list, so the two agree.
INSIGHT_FIELDS: tuple[str, ...] = get_args(InsightField)
_LABELS = {
    "evidence": "evidence (a screenshot or photo)",
    "problem_statement": "a problem statement",
    "suggested_fix": "a suggested fix",
    "impact_per_month": "an impact estimate per month",
    "effort_hours": "an effort estimate in hours",
    "owner_team": "an owner team",
}

evidence = table_of(Evidence)
_COUNT = select(func.count()).where(evidence.c.card_id == bindparam("card_id"))


def evidence_count(session: Session, card_id: int) -> int:
    return int(session.connection().execute(_COUNT, {"card_id": card_id}).scalar_one())


def _lacks(name: str, card: Mapping[Any, Any], evidence_items: int) -> bool:
    if name == "evidence":
        return evidence_items < 1
    value = card.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return name == "effort_hours" and float(value) <= 0


def missing_fields(card: Mapping[Any, Any], evidence_items: int) -> list[str]:
    """The insight fields still missing, in display order (empty: a complete insight)."""
    missing = [name for name in INSIGHT_FIELDS if _lacks(name, card, evidence_items)]
    return missing


def check_ready(
    session: Session, *, card_id: int | None, card: Mapping[Any, Any], column_name: str
) -> None:
    """Refuse entry into a ready-for-delegation column unless the card is an insight."""
    count = evidence_count(session, card_id) if card_id is not None else 0
    missing = missing_fields(card, count)
    if missing:
        listed = ", ".join(_LABELS[m] for m in missing)
        raise InsightIncomplete(
            f"Column '{column_name}' takes only actionable insights; this card lacks {listed}.",
            missing=missing,
            card_id=card_id,
        )
