"""Wiring: what happens beside a card change, registered once per process.

Board appends its events and consults its admission policies through
:mod:`app.board.reactions`; the domains above board hook in here, so board imports none
of them (and confirm imports neither alerts nor tickets):

* **policies**, consulted before anything is written: the insight gate (a card entering
  a ``requires_insight`` column) and the open swarms that count toward personal WIP;
* **subscribers**, run in the change's transaction after its own events: SLA policy
  assignment, clearing the "customer said no" alert when the card is finished again,
  asking the customer when a card enters done (withdrawing the question when it leaves),
  raising the alert on a "no", and, when a card is archived, cancelling its open swarm
  and resolving its alerts.
* **presets**: a board created from a preset (app/board/presets.py) gets its SLA
  policies written by alerts, in the board's transaction.

Where several subscribers react to one event type they run in the order registered
below, and their events follow in that order: finishing a card again logs the alert's
resolution before the new question, as it always has.

:func:`install` is called by :func:`app.main.create_app` and by the CLI (and the demo
seeding); until it has run, card changes fail (``WiringMissing``) rather than skip the
gate or a reaction.
"""

from __future__ import annotations

import threading

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.alerts import reactions as alert_reactions
from app.alerts import service as alert_service
from app.alerts import sla
from app.auth import hooks as auth_hooks
from app.auth.models import User
from app.auth.roles import MANAGE
from app.board import presets, reactions
from app.board import service as board_service
from app.board.access import effective_role_sql
from app.board.models import BoardMember
from app.confirm import requests as confirmations
from app.core.models import table_of
from app.events.service import ActorRef
from app.insights import gate
from app.realtime import access as realtime_access
from app.swarm import load as swarm_load
from app.swarm import reactions as swarm_reactions
from app.tickets import service as tickets

__all__ = ["install"]

_lock = threading.Lock()


def _announce_access(
    session: Session, *, user_id: int, reason: str, actor_id: int, everywhere: bool
) -> None:
    """Auth's access changes close the person's sockets through realtime's event."""
    realtime_access.announce(
        session, user_id=user_id, reason=reason, actor=ActorRef(id=actor_id), everywhere=everywhere
    )


def _led_people(lead_id: int, *, led_only: bool) -> Select[tuple[int]]:
    """The people on the boards ``lead_id`` manages (``led_only``) or is on, for auth's
    people directory (app/auth/hooks.py), by board's effective-role rule."""
    members, users = table_of(BoardMember), table_of(User)
    mine = members.alias("lead_membership")
    boards = select(mine.c.board_id).where(mine.c.user_id == lead_id)
    if led_only:
        boards = boards.join(users, users.c.id == mine.c.user_id).where(
            effective_role_sql(users.c.role, mine.c.role).in_(sorted(MANAGE))
        )
    return select(members.c.user_id).where(members.c.board_id.in_(boards))


def install() -> None:
    """Register every policy and reaction; idempotent."""
    with _lock:
        if reactions.installed():
            return
        reactions.add_ready_check(gate.check_ready)
        reactions.add_load_source(swarm_load.open_swarm_pairs)
        for kind in ("card.created", "card.moved", "card.reopened", "card.updated"):
            reactions.subscribe(kind, sla.reassign)
        # Before the question: the alert is resolved first in the log.
        for kind in ("card.created", "card.moved"):
            reactions.subscribe(kind, alert_reactions.clear_rejection_on_done)
        # The question names the customer; tickets owns customers, so its lookup is
        # passed in here rather than imported by confirm.
        ask = confirmations.asker(customer_of=tickets.customer_contact)
        for kind in ("card.created", "card.moved", "card.reopened"):
            reactions.subscribe(kind, ask)
        reactions.subscribe("customer.rejected", alert_reactions.raise_on_rejection)
        # Archiving a card ends its open swarm (freeing its members' WIP), then resolves
        # its alerts (the swarm-unanswered one included).
        reactions.subscribe("card.archived", swarm_reactions.cancel_on_archive)
        reactions.subscribe("card.archived", alert_reactions.resolve_on_archive)
        # Auth imports only core: its access changes and "shares a board" come from here.
        auth_hooks.on_access_changed(_announce_access)
        auth_hooks.set_colleague_check(board_service.share_a_board)
        # A board created from a preset gets its SLA policies from alerts (above board).
        presets.set_policy_writer(alert_service.create_preset_policies)
        auth_hooks.set_led_people(_led_people)
        reactions.seal()
