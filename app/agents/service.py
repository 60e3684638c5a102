"""Outcomes of AI agents' work: what a card cost (usage reports) and its resolution.

Both are open to any member who may work the board (a person's client may report too);
a bot that is stopped (availability 'away') is refused before anything is written.
A resolution moves the card into the board's first done column through the one move
path, so WIP limits and the customer's confirmation apply as to a person's move.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from app.agents import repository
from app.agents.exceptions import InvalidUsage, NoDoneColumn
from app.agents.schemas import UsagePage, UsagePublic, UsageTotals
from app.auth import bots
from app.auth.service import Principal
from app.board import cards, wip
from app.board import repository as board_repository
from app.board.access import WORK, require_role
from app.board.schemas import CardPublic
from app.board.service import actor_ref
from app.core.errors import ValidationFailed
from app.events import service as events

__all__ = ["list_usage", "report_usage", "resolve_card"]


def _invalid(field: str, message: str) -> InvalidUsage:
    return InvalidUsage(
        f"{field} {message}.", errors=[{"field": field, "in": "body", "message": message}]
    )


def _check_usage(*, model: str, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
    if not model.strip():
        raise _invalid("model", "must not be blank")
    if input_tokens < 0:
        raise _invalid("input_tokens", "must be 0 or more")
    if output_tokens < 0:
        raise _invalid("output_tokens", "must be 0 or more")
    if not math.isfinite(cost_usd) or cost_usd < 0:
        raise _invalid("cost_usd", "must be a finite number, 0 or more")


def report_usage(
    session: Session,
    *,
    actor: Principal,
    card_id: int,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: float,
) -> UsagePublic:
    """Record what working a card cost (tokens and US dollars) and append its event."""
    row, role = cards.load(session, actor=actor, card_id=card_id, lock=False)
    require_role(role, WORK, "report usage")
    bots.refuse_if_stopped(actor)
    _check_usage(
        model=model, input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost_usd
    )
    usage = repository.insert_usage(
        session,
        board_id=row.board_id,
        card_id=card_id,
        user_id=actor.id,
        model=model.strip(),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=float(cost_usd),
    )
    events.append(
        session,
        board_id=row.board_id,
        type="card.usage_reported",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "model": usage.model,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": usage.cost_usd,
            "user_id": actor.id,
        },
    )
    return usage


def list_usage(session: Session, *, actor: Principal, card_id: int) -> UsagePage:
    """A card's usage reports with their totals, for any member of its board."""
    cards.load(session, actor=actor, card_id=card_id, lock=False)
    items = repository.usage_of(session, card_id=card_id)
    totals = UsageTotals(
        input_tokens=sum(u.input_tokens for u in items),
        output_tokens=sum(u.output_tokens for u in items),
        cost_usd=round(sum(u.cost_usd for u in items), 6),
    )
    return UsagePage(items=items, totals=totals)


def resolve_card(
    session: Session,
    *,
    actor: Principal,
    card_id: int,
    resolution: str,
    knowledge: str | None = None,
) -> CardPublic:
    """Record what solved the card and move it to the board's first done column (a card
    already in a done column stays where it is)."""
    row, role = cards.load(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "resolve cards")
    bots.refuse_if_stopped(actor)
    cards.require_live(row)
    resolution = resolution.strip()
    knowledge = (knowledge.strip() or None) if knowledge is not None else None
    if not resolution:
        raise ValidationFailed(
            "resolution must not be blank.",
            errors=[{"field": "resolution", "in": "body", "message": "must not be blank"}],
        )
    done = [
        c
        for c in board_repository.columns_of(session, board_id=row.board_id)
        if c.stage == "done" and c.removed_at is None
    ]
    if not done:
        raise NoDoneColumn(f"Board {row.board_id} has no done column to resolve cards into.")
    changes: dict[str, object] = {}
    if row.column_stage != "done":  # already done: nothing to move, nobody to ask again
        target = board_repository.lock_column(session, done[0].id)
        if target is None:  # removed since the list was read
            raise NoDoneColumn(f"Board {row.board_id} has no done column to resolve cards into.")
        changes = cards.move(
            session,
            row,
            target=target,
            lane_id=row.lane_id,
            index=None,
            actor=actor_ref(actor),
            enforcement=wip.Enforcement.REFUSE,
            principal=actor,
            role=role,
        )
    repository.set_resolution(
        session, card_id=card_id, resolution=resolution, knowledge=knowledge, by=actor.id
    )
    events.append(
        session,
        board_id=row.board_id,
        type="card.resolved",
        actor=actor_ref(actor),
        data={
            "card_id": card_id,
            "resolution": resolution,
            "knowledge": knowledge,
            "by": "bot" if actor.is_bot else "person",
        },
    )
    fields = {c.name: getattr(row, c.name) for c in board_repository.cards.columns}
    return CardPublic.model_validate({**fields, **changes, "resolution": resolution})
