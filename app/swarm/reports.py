"""Reads across swarms: lists, the knowledge base, "swarms needing help", the teams a
fix needs and contribution credit."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from app.auth import repository as auth_repository
from app.auth.service import Principal
from app.board import repository as board_repository
from app.board.access import board_role, may_read
from app.board.exceptions import CardNotFound
from app.core.errors import ValidationFailed
from app.swarm import repository
from app.swarm.matching import skill_key
from app.swarm.schemas import (
    Contribution,
    ContributionReport,
    InvitationSummary,
    KnowledgePage,
    SwarmPage,
    TeamCard,
    TeamsReport,
)
from app.swarm.views import knowledge_item, swarm_views

__all__ = [
    "board_swarms",
    "card_swarms",
    "contributions",
    "my_invitations",
    "needing_help",
    "search_knowledge",
    "teams_needed",
]

# Open swarms looked at per "needing help" request; open swarms are few at any time.
_OPEN_POOL = 1000


def _utc(at: datetime | None) -> datetime | None:
    """Query times without an offset are read as UTC."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def board_swarms(
    session: Session, *, actor: Principal, board_id: int, state: str | None, limit: int, offset: int
) -> SwarmPage:
    """A board's swarms, newest first, optionally only those in one state."""
    board_role(session, actor=actor, board_id=board_id)
    rows, total = repository.list_swarms(
        session, board_id=board_id, state=state, limit=limit, offset=offset
    )
    return SwarmPage(swarms=swarm_views(session, rows), total=total, limit=limit, offset=offset)


def card_swarms(
    session: Session, *, actor: Principal, card_id: int, limit: int, offset: int
) -> SwarmPage:
    """A card's swarms, open and past, newest first."""
    card = board_repository.card_with_access(session, card_id=card_id, user_id=actor.id, lock=False)
    if card is None or not may_read(actor, is_member=card.member_id is not None):
        raise CardNotFound(f"Card {card_id} does not exist or you are not on its board.")
    rows, total = repository.list_swarms(
        session, card_id=card_id, state=None, limit=limit, offset=offset
    )
    return SwarmPage(swarms=swarm_views(session, rows), total=total, limit=limit, offset=offset)


def search_knowledge(
    session: Session,
    *,
    actor: Principal,
    q: str | None,
    board_id: int | None,
    limit: int,
    offset: int,
) -> KnowledgePage:
    """Knowledge notes of resolved swarms containing every word of ``q``, newest first."""
    if board_id is not None:
        board_role(session, actor=actor, board_id=board_id)
    words = [_escape_like(w) for w in (q or "").split()][:10]
    rows, total = repository.knowledge_rows(
        session,
        visible_to=None if actor.is_admin else actor.id,
        board_id=board_id,
        words=words,
        limit=limit,
        offset=offset,
    )
    return KnowledgePage(
        items=[knowledge_item(r) for r in rows], total=total, limit=limit, offset=offset
    )


def my_invitations(session: Session, *, actor: Principal) -> list[InvitationSummary]:
    """Your unanswered invitations to open swarms, oldest first."""
    rows = repository.pending_invitations_for(session, actor.id)
    titles = repository.card_titles(session, [r.card_id for r in rows]) if rows else {}
    return [
        InvitationSummary(
            invitation_id=r.id,
            swarm_id=r.swarm_id,
            board_id=r.board_id,
            card_id=r.card_id,
            card_title=titles.get(r.card_id, ""),
            skills=r.skills,
            question=r.question,
        )
        for r in rows
    ]


def needing_help(
    session: Session, *, actor: Principal, board_id: int | None, limit: int, offset: int
) -> SwarmPage:
    """Open swarms you are not in that need one of your skills, most needed first.

    A swarm needs a skill while nobody in it or invited to it covers that skill; swarms
    you are invited to are listed too.
    """
    if board_id is not None:
        board_role(session, actor=actor, board_id=board_id)
    me = auth_repository.get_user(session, actor.id)
    mine = {skill_key(s["name"]) for s in (me.skills if me else [])}
    rows, _ = repository.list_swarms(
        session,
        board_id=board_id,
        visible_to=actor.id,
        state="open",
        limit=_OPEN_POOL,
        offset=0,
    )
    views = swarm_views(session, rows)
    matches = []
    for view in views:
        if actor.id == view.requested_by or any(m.user_id == actor.id for m in view.members):
            continue
        unmatched = {skill_key(s) for s in view.unmatched_skills}
        invited = any(i.user_id == actor.id and i.state == "pending" for i in view.invitations)
        if mine & unmatched or invited:
            matches.append(view)
    matches.sort(key=lambda v: (-len(v.unmatched_skills), v.requested_at))
    return SwarmPage(
        swarms=matches[offset : offset + limit], total=len(matches), limit=limit, offset=offset
    )


def teams_needed(session: Session, *, actor: Principal, board_id: int) -> TeamsReport:
    """How many of the board's swarmed cards needed 1, 2, or 3 or more distinct teams."""
    board_role(session, actor=actor, board_id=board_id)
    per_card: dict[int, set[str]] = defaultdict(set)
    titles: dict[int, str] = {}
    for row in repository.card_team_sets(session, board_id):
        per_card[row.card_id].add(row.team)
        titles[row.card_id] = row.title
    distribution: dict[Literal["1", "2", "3+"], int] = {"1": 0, "2": 0, "3+": 0}
    for teams in per_card.values():
        distribution["3+" if len(teams) >= 3 else "2" if len(teams) == 2 else "1"] += 1
    worst = sorted(per_card.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:50]
    return TeamsReport(
        board_id=board_id,
        cards_swarmed=len(per_card),
        distribution=distribution,
        cards=[
            TeamCard(
                card_id=cid,
                title=titles[cid],
                teams=sorted(t for t in teams if not t.startswith("user:")),
                team_count=len(teams),
            )
            for cid, teams in worst
        ],
    )


def contributions(
    session: Session,
    *,
    actor: Principal,
    board_id: int,
    start: datetime | None,
    end: datetime | None,
) -> ContributionReport:
    """Who helped on the board's swarms in the period, alphabetically: team health, not a
    leaderboard of closed tickets."""
    board_role(session, actor=actor, board_id=board_id)
    start, end = _utc(start), _utc(end)
    if start is not None and end is not None and end <= start:
        raise ValidationFailed(
            "'to' must be after 'from'.",
            errors=[{"field": "to", "in": "query", "message": "must be after 'from'"}],
        )

    def within(at: datetime | None) -> bool:
        return at is not None and (start is None or at >= start) and (end is None or at < end)

    joined: dict[int, set[int]] = defaultdict(set)
    resolved: dict[int, set[int]] = defaultdict(set)
    waits: dict[int, list[float]] = defaultdict(list)
    for r in repository.contribution_rows(session, board_id=board_id, start=start, end=end):
        if within(r.joined_at) and r.swarm_id not in joined[r.user_id]:
            joined[r.user_id].add(r.swarm_id)
            waits[r.user_id].append((r.joined_at - r.requested_at).total_seconds())
        if r.state == "resolved" and r.left_at is None and within(r.ended_at):
            resolved[r.user_id].add(r.swarm_id)
    notes = repository.knowledge_authors(session, board_id=board_id, start=start, end=end)
    ids = set(joined) | set(resolved) | set(notes)
    who = repository.people(session, list(ids)) if ids else {}
    people = [
        Contribution(
            user_id=uid,
            name=who[uid].name if uid in who else "",
            team=who[uid].team if uid in who else None,
            swarms_joined=len(joined[uid]),
            swarms_resolved=len(resolved[uid]),
            knowledge_notes=notes.get(uid, 0),
            median_seconds_to_join=statistics.median(waits[uid]) if waits[uid] else None,
        )
        for uid in ids
    ]
    people.sort(key=lambda p: (p.name.casefold(), p.user_id))
    requested, resolved_count = repository.swarm_counts(
        session, board_id=board_id, start=start, end=end
    )
    return ContributionReport.model_validate(
        {
            "board_id": board_id,
            "from": start,
            "to": end,
            "swarms_requested": requested,
            "swarms_resolved": resolved_count,
            "people_helping": sum(1 for p in people if p.swarms_joined or p.swarms_resolved),
            "people": people,
        }
    )
