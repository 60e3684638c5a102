"""SQL for ticket intake: customers, interactions, card links and the card counters that
the interactions add up to. Core statements, one round trip each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from app.board.repository import cards, columns
from app.core.models import UTCDateTime, table_of
from app.tickets.models import CardLink, Customer, Interaction

__all__ = [
    "apply_interaction",
    "card",
    "card_by_external_ref",
    "count_interactions",
    "customer",
    "delete_link",
    "frequencies",
    "insert_interaction",
    "insert_link",
    "intake_column_id",
    "link_row",
    "links_of",
    "list_interactions",
    "upsert_customer",
]

customers = table_of(Customer)
interactions = table_of(Interaction)
links = table_of(CardLink)
# Keeps each IN (...) well under SQLite's bound-parameter limit.
_CHUNK = 5_000


def intake_column_id(session: Session, *, board_id: int) -> int | None:
    """The board's intake column: the first current one by position."""
    stmt = (
        select(columns.c.id)
        .where(columns.c.board_id == board_id, columns.c.removed_at.is_(None))
        .order_by(columns.c.position, columns.c.id)
        .limit(1)
    )
    found = session.execute(stmt).scalar_one_or_none()
    return None if found is None else int(found)


def card(session: Session, card_id: int) -> Row[Any] | None:
    return session.execute(select(cards).where(cards.c.id == card_id)).first()


def card_by_external_ref(session: Session, *, board_id: int, external_ref: str) -> Row[Any] | None:
    stmt = select(cards).where(cards.c.board_id == board_id, cards.c.external_ref == external_ref)
    return session.execute(stmt).first()


def customer(session: Session, *, board_id: int, customer_id: int) -> Row[Any] | None:
    """The board's customer; None for another board's (a card only names its own)."""
    stmt: Select[Any] = select(
        customers.c.id, customers.c.ref, customers.c.name, customers.c.email
    ).where(customers.c.id == customer_id, customers.c.board_id == board_id)
    return session.execute(stmt).first()


def upsert_customer(
    session: Session,
    *,
    board_id: int,
    ref: str,
    name: str | None,
    email: str | None,
    now: datetime,
) -> Row[Any]:
    """Insert the board's customer, or update the name and email given; one atomic
    statement, so concurrent tickets of one new customer on a board do not collide.
    Another board's customer of the same ``ref`` is a different row, never touched."""
    dialect = session.connection().dialect.name
    ins: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(customers)
    ins = ins.values(
        board_id=board_id, ref=ref, name=name, email=email, created_at=now, updated_at=now
    )
    new_name = func.coalesce(ins.excluded.name, customers.c.name)
    new_email = func.coalesce(ins.excluded.email, customers.c.email)
    changed = or_(
        new_name.is_distinct_from(customers.c.name), new_email.is_distinct_from(customers.c.email)
    )
    stmt = ins.on_conflict_do_update(
        index_elements=[customers.c.board_id, customers.c.ref],
        set_={
            "name": new_name,
            "email": new_email,
            "updated_at": case((changed, ins.excluded.updated_at), else_=customers.c.updated_at),
        },
    ).returning(customers.c.id, customers.c.ref, customers.c.name, customers.c.email)
    row: Row[Any] = session.execute(stmt).one()
    return row


def insert_interaction(session: Session, values: dict[str, Any]) -> Row[Any]:
    stmt = insert(interactions).values(**values).returning(*interactions.c)
    row: Row[Any] = session.execute(stmt).one()
    return row


def _earliest(column: Any, at: datetime) -> ColumnElement[Any]:
    value = literal(at, UTCDateTime())
    return case((column.is_(None), value), (column > value, value), else_=column)


def apply_interaction(
    session: Session,
    *,
    card_id: int,
    kind: str,
    actor_kind: str,
    at: datetime,
    handle_seconds: float | None,
) -> Row[Any]:
    """Fold one interaction into the card's counters in SQL (so concurrent recordings add
    up) and return the counters as they now stand."""
    values: dict[str, Any] = {}
    if kind == "agent_reply" and actor_kind == "user":
        values["agent_replies"] = cards.c.agent_replies + 1
        # min(): a reply recorded late but sent earlier moves the first response back.
        values["first_response_at"] = _earliest(cards.c.first_response_at, at)
    if actor_kind == "bot":
        values["bot_handled"] = True
        if kind == "resolution":
            values["bot_resolved_at"] = _earliest(cards.c.bot_resolved_at, at)
    if kind == "handoff":
        values["handed_off_at"] = _earliest(cards.c.handed_off_at, at)
    if handle_seconds:
        values["handle_seconds"] = cards.c.handle_seconds + handle_seconds
    counters: tuple[Any, ...] = (
        cards.c.created_at,
        cards.c.first_response_at,
        cards.c.agent_replies,
        cards.c.handle_seconds,
        cards.c.bot_handled,
        cards.c.bot_resolved_at,
        cards.c.handed_off_at,
    )
    if not values:
        current: Select[Any] = select(*counters).where(cards.c.id == card_id)
        return session.execute(current).one()
    stmt = update(cards).where(cards.c.id == card_id).values(**values).returning(*counters)
    row: Row[Any] = session.execute(stmt).one()
    return row


def list_interactions(session: Session, *, card_id: int, limit: int, offset: int) -> list[Any]:
    """A card's interactions, oldest first (by when they happened, then as recorded)."""
    stmt = (
        select(interactions)
        .where(interactions.c.card_id == card_id)
        .order_by(interactions.c.at, interactions.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).all())


def count_interactions(session: Session, *, card_id: int) -> int:
    stmt = select(func.count()).where(interactions.c.card_id == card_id)
    return int(session.execute(stmt).scalar_one())


def link_row(session: Session, *, card_id: int, target_id: int) -> Row[Any] | None:
    stmt = select(links).where(links.c.card_id == card_id, links.c.target_id == target_id)
    return session.execute(stmt).first()


def insert_link(session: Session, values: dict[str, Any]) -> Row[Any]:
    row: Row[Any] = session.execute(insert(links).values(**values).returning(*links.c)).one()
    return row


def delete_link(session: Session, *, card_id: int, target_id: int) -> Row[Any] | None:
    """Remove a link; None when there was none (also when a concurrent removal won)."""
    stmt = (
        delete(links)
        .where(links.c.card_id == card_id, links.c.target_id == target_id)
        .returning(*links.c)
    )
    return session.execute(stmt).first()


def links_of(session: Session, *, card_id: int) -> tuple[list[Any], list[Any]]:
    """(links from this card to earlier ones, links from later cards to this one)."""
    stmt = (
        select(links)
        .where(or_(links.c.card_id == card_id, links.c.target_id == card_id))
        .order_by(links.c.created_at, links.c.id)
    )
    rows = session.execute(stmt).all()
    return [r for r in rows if r.card_id == card_id], [r for r in rows if r.target_id == card_id]


def frequencies(session: Session, card_ids: Iterable[int]) -> dict[int, int]:
    """Each card's frequency: 1 + the number of cards linked to it directly."""
    ids = sorted(set(card_ids))
    counts: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        stmt = (
            select(links.c.target_id, func.count())
            .where(links.c.target_id.in_(chunk))
            .group_by(links.c.target_id)
        )
        counts.update((int(t), int(n)) for t, n in session.execute(stmt).all())
    return {i: 1 + counts.get(i, 0) for i in ids}
