"""Swarms as the API shows them, and knowledge suggestions for a new request."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.swarm import handover, repository
from app.swarm.matching import skill_key
from app.swarm.models import Swarm
from app.swarm.schemas import InvitationPublic, KnowledgeItem, SwarmMemberPublic, SwarmPublic

__all__ = ["board_cards", "knowledge_item", "suggestions", "swarm_views"]

# Candidate notes scored per suggestion: the newest ones the person may read.
_SUGGESTION_POOL = 500
_WORD = re.compile(r"[^\W_]{4,}")
_STOP = frozenset(
    [
        "that",
        "this",
        "with",
        "from",
        "have",
        "does",
        "when",
        "what",
        "which",
        "there",
        "their",
        "they",
        "them",
        "then",
        "than",
        "were",
        "been",
        "will",
        "would",
        "could",
        "should",
        "about",
        "into",
        "after",
        "before",
        "because",
        "again",
        "only",
        "just",
        "also",
        "still",
        "customer",
        "customers",
        "ticket",
        "tickets",
        "issue",
        "problem",
        "help",
        "need",
    ]
)


def board_cards(session: Session, *, board_id: int) -> tuple[int, list[Any]]:
    """The board's ``last_seq`` and its cards as the board page shows them, each with its
    open swarm's id, read as one snapshot (no access check: the caller checked the board).

    Here rather than in the board package: the board does not know swarms, and the
    badges must come from the same statement as ``last_seq``.
    """
    return repository.board_snapshot(session, board_id)


def swarm_views(session: Session, swarms: Sequence[Swarm]) -> list[SwarmPublic]:
    """The public shape of several swarms: four queries whatever their number, plus
    one per hand-over for its conversation."""
    ids = [s.id for s in swarms if s.id is not None]
    invs: dict[int, list[InvitationPublic]] = defaultdict(list)
    for i in repository.invitations_of(session, ids) if ids else []:
        invs[i.swarm_id].append(
            InvitationPublic(
                id=i.id,
                user_id=i.user_id,
                name=i.name,
                state=i.state,
                skills=i.skills,
                invited_at=i.invited_at,
                answered_at=i.answered_at,
            )
        )
    mems: dict[int, list[SwarmMemberPublic]] = defaultdict(list)
    for m in repository.members_of(session, ids) if ids else []:
        mems[m.swarm_id].append(
            SwarmMemberPublic(
                user_id=m.user_id,
                name=m.name,
                team=m.team,
                role=m.role,
                joined_at=m.joined_at,
            )
        )
    titles = repository.card_titles(session, [s.card_id for s in swarms]) if swarms else {}
    handed = handover.handovers(session, swarms) if swarms else {}
    return [
        SwarmPublic(
            id=s.id,
            board_id=s.board_id,
            card_id=s.card_id,
            card_title=titles.get(s.card_id, ""),
            state=s.state,
            skills=s.skills,
            question=s.question,
            tried=s.tried,
            requested_by=s.requested_by,
            requested_at=s.requested_at,
            ended_at=s.ended_at,
            outcome=s.outcome,
            knowledge=s.knowledge,
            cancel_reason=s.cancel_reason,
            invitations=invs.get(s.id or 0, []),
            members=mems.get(s.id or 0, []),
            unmatched_skills=s.unmatched_skills,
            handover=handed.get(s.id or 0),
            suggested_knowledge=[],
        )
        for s in swarms
    ]


def knowledge_item(row: Row[Any]) -> KnowledgeItem:
    return KnowledgeItem(
        source="swarm" if row.swarm_id is not None else "card",
        swarm_id=row.swarm_id,
        board_id=row.board_id,
        card_id=row.card_id,
        card_title=row.card_title,
        skills=row.skills,
        question=row.question,
        outcome=row.outcome or "",
        knowledge=row.knowledge or "",
        author_id=row.knowledge_by,
        resolved_at=row.ended_at,
    )


def _words(*texts: str | None) -> set[str]:
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(w for w in _WORD.findall(text.casefold()) if w not in _STOP)
    return found


def suggestions(
    session: Session, *, actor: Principal, swarm: Swarm, limit: int = 3
) -> list[KnowledgeItem]:
    """Up to ``limit`` earlier knowledge notes that share skills or words with the swarm.

    A shared skill weighs twice a shared word; only notes on boards the requester is a
    member of are considered, so a suggestion never leaks another board's tickets.
    """
    assert swarm.id is not None
    skills = {skill_key(s) for s in swarm.skills}
    words = _words(swarm.question, swarm.tried)
    scored: list[tuple[int, int, Row[Any]]] = []
    for row in repository.recent_knowledge(
        session,
        visible_to=None if actor.is_admin else actor.id,
        exclude_swarm=swarm.id,
        limit=_SUGGESTION_POOL,
    ):
        shared_skills = skills & {skill_key(s) for s in row.skills}
        shared_words = words & _words(row.question, row.outcome, row.knowledge)
        score = 2 * len(shared_skills) + len(shared_words)
        if score:
            scored.append((score, row.swarm_id or 0, row))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [knowledge_item(r) for _, _, r in scored[:limit]]
