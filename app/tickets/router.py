"""Ticket intake, interaction and link endpoints (thin: the services hold the rules)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.auth.deps import CurrentUser
from app.core.deps import Db
from app.core.params import PageLimit, PageOffset, PathId
from app.tickets import service
from app.tickets.schemas import (
    CardLinks,
    InteractionCreate,
    InteractionPage,
    InteractionPublic,
    LinkCreate,
    LinkRecorded,
    TicketCreate,
    TicketPublic,
)

router = APIRouter(prefix="/api", tags=["tickets"])


@router.post(
    "/boards/{board_id}/tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketPublic,
    responses={200: {"description": "A repeat of a known external_ref: the same card"}},
)
async def take_in(
    board_id: PathId, body: TicketCreate, user: CurrentUser, db: Db, response: Response
) -> Any:
    """Take in a customer ticket into the intake column (never refused by a WIP limit)."""
    ticket, created = await db.write(service.take_in, actor=user, board_id=board_id, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["ETag"] = f'"{ticket["version"]}"'
    return ticket


@router.post(
    "/cards/{card_id}/interactions",
    status_code=status.HTTP_201_CREATED,
    response_model=InteractionPublic,
)
async def record_interaction(
    card_id: PathId, body: InteractionCreate, user: CurrentUser, db: Db
) -> Any:
    """Record a reply, customer message, bot turn, note, hand-off or resolution."""
    return await db.write(service.record_interaction, actor=user, card_id=card_id, data=body)


@router.get("/cards/{card_id}/interactions", response_model=InteractionPage)
async def list_interactions(
    card_id: PathId, user: CurrentUser, db: Db, limit: PageLimit = 50, offset: PageOffset = 0
) -> Any:
    """A ticket's interactions, oldest first, with its FRT, AHT and automation summary."""
    return await db.read(
        service.list_interactions, actor=user, card_id=card_id, limit=limit, offset=offset
    )


@router.post(
    "/cards/{card_id}/links", status_code=status.HTTP_201_CREATED, response_model=LinkRecorded
)
async def link_cards(card_id: PathId, body: LinkCreate, user: CurrentUser, db: Db) -> Any:
    """Link this (newer) ticket to an earlier one with the same problem."""
    return await db.write(service.link_cards, actor=user, card_id=card_id, data=body)


@router.delete("/cards/{card_id}/links/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_cards(card_id: PathId, target_id: PathId, user: CurrentUser, db: Db) -> None:
    """Remove this ticket's link to an earlier one."""
    await db.write(service.unlink_cards, actor=user, card_id=card_id, target_id=target_id)


@router.get("/cards/{card_id}/links", response_model=CardLinks)
async def card_links(card_id: PathId, user: CurrentUser, db: Db) -> Any:
    """The tickets this one repeats, the ones repeating it, and its frequency."""
    return await db.read(service.card_links, actor=user, card_id=card_id)
