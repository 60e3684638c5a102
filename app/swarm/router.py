"""Swarm, knowledge and contribution endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, status

from app.auth.deps import CurrentUser
from app.core.deps import Db
from app.core.params import MAX_ID, PageLimit, PageOffset, PathId
from app.core.schemas import Instant
from app.swarm import reports, service
from app.swarm.schemas import (
    ContributionReport,
    InvitationSummary,
    KnowledgePage,
    SwarmCancel,
    SwarmCreate,
    SwarmJoin,
    SwarmPage,
    SwarmPublic,
    SwarmResolve,
    TeamsReport,
)

router = APIRouter(prefix="/api", tags=["swarms"])

OptionalJoin = Annotated[SwarmJoin | None, Body()]
BoardFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.post(
    "/cards/{card_id}/swarms", status_code=status.HTTP_201_CREATED, response_model=SwarmPublic
)
async def request_swarm(
    card_id: PathId, body: SwarmCreate, user: CurrentUser, db: Db
) -> SwarmPublic:
    """Ask for a swarm on a card: the best-matched people are invited at once."""
    return await db.write(service.request_swarm, actor=user, card_id=card_id, data=body)


@router.get("/cards/{card_id}/swarms", response_model=SwarmPage)
async def card_swarms(
    card_id: PathId, user: CurrentUser, db: Db, limit: PageLimit = 50, offset: PageOffset = 0
) -> SwarmPage:
    """A card's swarms, the open one and past ones, newest first."""
    return await db.read(
        reports.card_swarms, actor=user, card_id=card_id, limit=limit, offset=offset
    )


@router.get("/boards/{board_id}/swarms", response_model=SwarmPage)
async def board_swarms(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    state: Literal["open", "resolved", "cancelled"] | None = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> SwarmPage:
    """A board's swarms, newest first (``state=open`` for the ones running now)."""
    return await db.read(
        reports.board_swarms,
        actor=user,
        board_id=board_id,
        state=state,
        limit=limit,
        offset=offset,
    )


@router.get("/swarms/needing-help", response_model=SwarmPage)
async def needing_help(
    user: CurrentUser,
    db: Db,
    board_id: BoardFilter = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> SwarmPage:
    """Open swarms you are not in that still need one of your skills."""
    return await db.read(
        reports.needing_help, actor=user, board_id=board_id, limit=limit, offset=offset
    )


@router.get("/users/me/invitations", response_model=list[InvitationSummary])
async def my_invitations(user: CurrentUser, db: Db) -> list[InvitationSummary]:
    """Your unanswered invitations to open swarms."""
    return await db.read(reports.my_invitations, actor=user)


@router.get("/swarms/{swarm_id}", response_model=SwarmPublic)
async def get_swarm(swarm_id: PathId, user: CurrentUser, db: Db) -> SwarmPublic:
    """A swarm with its invitations, members and unmatched skills."""
    return await db.read(service.get_swarm, actor=user, swarm_id=swarm_id)


@router.post("/swarms/{swarm_id}/invitations/{invitation_id}/accept", response_model=SwarmPublic)
async def accept(
    swarm_id: PathId, invitation_id: PathId, user: CurrentUser, db: Db, body: OptionalJoin = None
) -> SwarmPublic:
    """Accept your invitation and join (409 ``person-wip-limit-exceeded`` at your limit)."""
    role = body.role if body else "helper"
    return await db.write(
        service.accept_invitation,
        actor=user,
        swarm_id=swarm_id,
        invitation_id=invitation_id,
        role=role,
    )


@router.post("/swarms/{swarm_id}/invitations/{invitation_id}/decline", response_model=SwarmPublic)
async def decline(
    swarm_id: PathId, invitation_id: PathId, user: CurrentUser, db: Db
) -> SwarmPublic:
    """Decline your invitation; the next best person is invited in your place."""
    return await db.write(
        service.decline_invitation, actor=user, swarm_id=swarm_id, invitation_id=invitation_id
    )


@router.post("/swarms/{swarm_id}/join", response_model=SwarmPublic)
async def join(
    swarm_id: PathId, user: CurrentUser, db: Db, body: OptionalJoin = None
) -> SwarmPublic:
    """Offer help without an invitation (409 ``person-wip-limit-exceeded`` at your limit)."""
    role = body.role if body else "helper"
    return await db.write(service.join_swarm, actor=user, swarm_id=swarm_id, role=role)


@router.post("/swarms/{swarm_id}/leave", response_model=SwarmPublic)
async def leave(swarm_id: PathId, user: CurrentUser, db: Db) -> SwarmPublic:
    """Leave a swarm."""
    return await db.write(service.leave_swarm, actor=user, swarm_id=swarm_id)


@router.post("/swarms/{swarm_id}/resolve", response_model=SwarmPublic)
async def resolve(swarm_id: PathId, body: SwarmResolve, user: CurrentUser, db: Db) -> SwarmPublic:
    """End the swarm as resolved, with the outcome and a knowledge note."""
    return await db.write(
        service.resolve_swarm,
        actor=user,
        swarm_id=swarm_id,
        outcome=body.outcome,
        knowledge=body.knowledge,
    )


@router.post("/swarms/{swarm_id}/cancel", response_model=SwarmPublic)
async def cancel(swarm_id: PathId, body: SwarmCancel, user: CurrentUser, db: Db) -> SwarmPublic:
    """End the swarm without a fix, giving the reason."""
    return await db.write(service.cancel_swarm, actor=user, swarm_id=swarm_id, reason=body.reason)


@router.post("/swarms/{swarm_id}/reopen", response_model=SwarmPublic)
async def reopen(swarm_id: PathId, user: CurrentUser, db: Db) -> SwarmPublic:
    """Reopen a resolved or cancelled swarm."""
    return await db.write(service.reopen_swarm, actor=user, swarm_id=swarm_id)


@router.get("/knowledge", response_model=KnowledgePage)
async def knowledge(
    user: CurrentUser,
    db: Db,
    q: Annotated[str | None, Query(max_length=200)] = None,
    board_id: BoardFilter = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> KnowledgePage:
    """Search the knowledge notes of resolved swarms (question, outcome and note)."""
    return await db.read(
        reports.search_knowledge, actor=user, q=q, board_id=board_id, limit=limit, offset=offset
    )


@router.get("/boards/{board_id}/swarms/teams", response_model=TeamsReport)
async def teams(board_id: PathId, user: CurrentUser, db: Db) -> TeamsReport:
    """How many swarmed cards needed 1, 2, or 3+ teams: many teams is an organisational smell."""
    return await db.read(reports.teams_needed, actor=user, board_id=board_id)


@router.get("/boards/{board_id}/contributions", response_model=ContributionReport)
async def contributions(
    board_id: PathId,
    user: CurrentUser,
    db: Db,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
) -> ContributionReport:
    """Who helped on swarms in the period: joins, resolutions, knowledge notes."""
    return await db.read(reports.contributions, actor=user, board_id=board_id, start=from_, end=to)
