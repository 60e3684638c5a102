"""Archiving a card takes it off the board; restoring brings it back.

An archived card has left the board page, the column and lane counts, every WIP
admission and every person's WIP load (:mod:`app.board.repository` leaves out rows
with ``archived_at`` set); metrics and exports keep it, since it was real work. It
cannot be edited, moved or assigned until it is restored
(:func:`app.board.cards.require_live`: 409 ``card-archived``).

Both are idempotent: archiving an archived card, or restoring one that is on the board,
answers 200 with the card as it is, and records nothing.

``card.archived`` is published to the reactions registered at wiring, in the same
transaction: the card's open swarm is cancelled (its members' WIP is freed) and its
active alerts are resolved. Restoring reopens neither.

Restoring goes through the one move path (:func:`app.board.cards.move`) back into the
card's column and lane, at the bottom, under the usual limits: into a full column it is
refused (409 ``wip-limit-exceeded``, nothing written) unless a lead or admin gives an
``override_reason``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board import cards, reactions, repository, wip
from app.board.access import WORK, require_role
from app.board.reactions import CardFacts
from app.board.schemas import CardPublic, CardRestore
from app.board.service import actor_ref
from app.core.models import utcnow
from app.events import service as events

__all__ = ["archive_card", "restore_card"]


def archive_card(session: Session, *, actor: Principal, card_id: int) -> CardPublic:
    """Take a card off the board (and out of every WIP count); idempotent."""
    row, role = cards.load(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "archive cards")
    fields = {c.name: getattr(row, c.name) for c in repository.cards.columns}
    if row.archived_at is not None:
        return CardPublic.model_validate(fields)  # already archived: nothing to record
    now = utcnow()
    changes = {"archived_at": now, "version": row.version + 1, "updated_at": now}
    repository.update_card(session, card_id, changes)
    archived = events.append(
        session,
        board_id=row.board_id,
        type="card.archived",
        actor=actor_ref(actor),
        data={"card_id": card_id, "column_id": row.column_id, "lane_id": row.lane_id},
    )
    facts = CardFacts(
        card_id=card_id,
        board_id=row.board_id,
        stage=row.column_stage,
        was=row.column_stage,
        external_ref=row.external_ref,
        customer_id=row.customer_id,
        at=now,
    )
    reactions.publish(session, facts, [archived])
    return CardPublic.model_validate({**fields, **changes})


def restore_card(
    session: Session, *, actor: Principal, card_id: int, data: CardRestore
) -> CardPublic:
    """Put an archived card back in its column and lane, at the bottom, under the usual
    WIP limits; idempotent for a card on the board."""
    row, role = cards.load(session, actor=actor, card_id=card_id, lock=True)
    require_role(role, WORK, "restore cards")
    fields = {c.name: getattr(row, c.name) for c in repository.cards.columns}
    if row.archived_at is None:
        return CardPublic.model_validate(fields)  # on the board already: nothing to record
    target = repository.lock_column(session, row.column_id)
    assert target is not None  # a card's column cannot be deleted (RESTRICT)
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
        reason=data.override_reason,
        restore=True,
    )
    return CardPublic.model_validate({**fields, **changes})
