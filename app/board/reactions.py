"""What else a card change causes, and what may refuse it, without board importing who.

Board writes a change and appends its events; the domains above board (alerts, confirm,
insights, swarm, tickets) hook in here at wiring (:func:`app.wiring.install`), so board
depends on none of them. Two kinds of hook:

* **Subscribers** react, in the transaction of the change, to the events it appended:
  ``fn(session, event, card)`` with the event's envelope (what clients get) and
  :class:`CardFacts` (what a reaction needs about the card beyond the event's public
  data). An operation appends all its own events first (a move's ``card.moved`` and its
  ``wip.*`` notes) and then :func:`publish` runs the subscribers of each, in order of
  registration; so their events follow in the log, and a failing subscriber rolls the
  whole change back. SLA policy assignment, asking and withdrawing the customer's
  confirmation, and clearing or raising alerts react this way.
* **Admission policies** are consulted before anything is written and may refuse:

  - *ready checks*, for a card entering a column that takes only ready cards
    (``requires_insight``): the insight gate;
  - *load sources*: more (person, card) pairs that count toward a personal WIP limit,
    besides the active cards a person is assigned to: open swarms.

Until wiring has run, every use fails loudly (:class:`WiringMissing`) instead of silently
skipping the gate, the swarm load and the reactions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from app.events.types import EVENT_TYPES

__all__ = [
    "CardFacts",
    "LoadSource",
    "ReadyCheck",
    "Subscriber",
    "UserFilter",
    "WiringMissing",
    "add_load_source",
    "add_ready_check",
    "check_ready",
    "installed",
    "load_sources",
    "publish",
    "seal",
    "subscribe",
]

Envelope = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CardFacts:
    """The card a published event is about, as it is after the change."""

    card_id: int
    board_id: int
    # The stage of the card's column now, and before the change (None: a new card).
    stage: str
    was: str | None
    external_ref: str | None
    customer_id: int | None
    # When the change happened (the card's own timestamps use this instant).
    at: datetime

    @property
    def entered_done(self) -> bool:
        return self.stage == "done" and self.was != "done"

    @property
    def left_done(self) -> bool:
        return self.was == "done" and self.stage != "done"


Subscriber = Callable[[Session, Envelope, CardFacts], None]
UserFilter = Callable[[ColumnElement[int]], ColumnElement[bool]]
# (user filter, card id to leave out) -> SELECT user_id, card_id: the pairs that count.
LoadSource = Callable[[UserFilter, Any], Select[Any]]


class ReadyCheck(Protocol):
    def __call__(
        self, session: Session, *, card_id: int | None, card: Mapping[Any, Any], column_name: str
    ) -> None:
        """Raise a domain error when the card may not enter ``column_name`` yet."""


class WiringMissing(RuntimeError):
    """A card change ran before :func:`app.wiring.install`: it would skip its policies."""


class _Registry:
    def __init__(self) -> None:
        self.sealed = False
        self.subscribers: dict[str, tuple[Subscriber, ...]] = {}
        self.ready_checks: tuple[ReadyCheck, ...] = ()
        self.load_sources: tuple[LoadSource, ...] = ()
        self.lock = threading.Lock()


_registry = _Registry()


def _open_for_registration() -> None:
    if _registry.sealed:
        raise RuntimeError("reactions are registered at wiring, before the registry is sealed")


def subscribe(event_type: str, fn: Subscriber) -> None:
    """Run ``fn`` for every published event of this type (registration order)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not an event type (app/events/types.py)")
    with _registry.lock:
        _open_for_registration()
        _registry.subscribers[event_type] = (*_registry.subscribers.get(event_type, ()), fn)


def add_ready_check(fn: ReadyCheck) -> None:
    """Consult ``fn`` before a card enters a column that takes only ready cards."""
    with _registry.lock:
        _open_for_registration()
        _registry.ready_checks = (*_registry.ready_checks, fn)


def add_load_source(fn: LoadSource) -> None:
    """Count the (person, card) pairs ``fn`` selects toward personal WIP limits."""
    with _registry.lock:
        _open_for_registration()
        _registry.load_sources = (*_registry.load_sources, fn)


def seal() -> None:
    """Wiring is complete: from now on card changes may run (and nothing registers)."""
    with _registry.lock:
        _registry.sealed = True


def installed() -> bool:
    return _registry.sealed


def _require() -> _Registry:
    if not _registry.sealed:
        raise WiringMissing(
            "app.wiring.install() has not run: card changes would skip the insight gate, "
            "the swarm load and their reactions"
        )
    return _registry


def publish(session: Session, card: CardFacts, events: Sequence[Envelope]) -> None:
    """Run the subscribers of each of an operation's events, once all are appended."""
    subscribers = _require().subscribers
    for event in events:
        for fn in subscribers.get(event["type"], ()):
            fn(session, event, card)


def check_ready(
    session: Session, *, card_id: int | None, card: Mapping[Any, Any], column_name: str
) -> None:
    """Ask every ready check whether the card may enter this column (they raise if not)."""
    for check in _require().ready_checks:
        check(session, card_id=card_id, card=card, column_name=column_name)


def load_sources() -> tuple[LoadSource, ...]:
    """What counts toward a personal WIP limit besides assigned active cards."""
    return _require().load_sources
