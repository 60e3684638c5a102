"""The demo board's past: 90 days of a support team's work, written through the ordinary
services under a simulated clock (:func:`app.core.models.simulated_now`).

The script (app/demo_history_plan.py) says what arrives when and how long each step
takes; this module plays it as a small discrete-event simulation that walks the clock
forward, so events get increasing ``seq`` and ``at``. The team pulls from Triage when
Investigating has room (its WIP limit of 5; a lead overrides it, with a reason, for an
urgent card or one waiting since the day before), looks for an assignee under their
personal limit, blocks and unblocks, swarms, waits on customers, answers tickets and
bot hand-offs, hears back from surveys (a "not solved" reopens the card) and clears
the Resolved column every evening (archiving: the cards stay in metrics and exports).

It stops at ``end``; by then Investigating, Swarming and the Expedite lane hold none of its
cards (the present-day demo fills them) and nobody carries its work, so the present-day
seeding meets the same board it always did, plus the backlog and waiting cards of a real
team.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.agents import service as agents_service
from app.auth.service import Principal
from app.board import archive, cards, repository, wip
from app.board.access import WORK, require_role
from app.board.schemas import CardCreate, CardUpdate
from app.board.service import actor_ref
from app.confirm import service as confirm_service
from app.confirm.schemas import SurveyCreate
from app.core.models import simulated_now
from app.demo_history_plan import (
    EXPERTS,
    KNOWLEDGE,
    SEED,
    SKILLS,
    CardPlan,
    is_work,
    next_work,
    plan_arrivals,
    work_add,
)
from app.swarm import service as swarm_service
from app.swarm.schemas import SwarmCreate
from app.tickets import service as tickets
from app.tickets.schemas import InteractionCreate, TicketCreate

__all__ = ["DemoBoard", "HistoryStats", "write_history"]

_TRIAGE, _INVESTIGATING, _SWARMING, _WAITING, _RESOLVED = range(5)
_INVESTIGATING_LIMIT, _SWARMING_LIMIT = 5, 3  # the demo board's column limits
_MAX_OVERRIDES = 6
_KEEP_DONE = timedelta(hours=36)  # finished cards stay on the board this long
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class DemoBoard:
    """The demo board as the history needs it: its first five columns (Triage,
    Investigating, Swarming, Waiting on customer, Resolved), lanes (Expedite,
    Standard) and people (the lead first, then the agents; others may be invited)."""

    board_id: int
    admin: Principal
    people: list[Principal]
    column_ids: list[int]
    lane_ids: list[int]
    # The demo's AI agent: it answers the bot tickets it can and reports what that cost.
    bot: Principal | None = None


@dataclass(slots=True)
class HistoryStats:
    cards: int = 0
    finished: int = 0
    archived: int = 0
    reopened: int = 0
    swarms: int = 0
    overrides: int = 0
    surveys: int = 0


@dataclass(eq=False, slots=True)
class _Card:
    plan: CardPlan
    id: int = 0
    column: int = _TRIAGE
    lane: int = 1
    assignee: Principal | None = None
    ready_at: datetime | None = None
    finished: datetime | None = None
    reworked: bool = False


@dataclass(slots=True)
class _Team:
    queue: list[_Card] = field(default_factory=list)
    investigating: int = 0
    swarming: int = 0
    expedite: set[int] = field(default_factory=set)  # Expedite cards made or active
    done: list[_Card] = field(default_factory=list)  # finished, still on the board
    waking: bool = False
    last_override: date | None = None


class _History:
    def __init__(self, session: Session, board: DemoBoard, end: datetime) -> None:
        self.s, self.b, self.end = session, board, end
        self.freeze = end - timedelta(hours=10)  # no new work starts after this
        self.rng = random.Random(SEED + 1)  # the team's own choices, as they happen
        self.lead = board.people[0]
        self.heap: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.team = _Team()
        self.stats = HistoryStats()
        # Read once: the history changes neither the columns nor anyone's WIP limit, so
        # each move and each "who has room?" need not read them again.
        self.columns = [repository.lock_column(session, i) for i in board.column_ids]
        ids = [p.id for p in board.people]
        self.limits = {int(u.id): u.wip_limit for u in repository.lock_users(session, ids)}

    def at(self, t: datetime, fn: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self.heap, (t, next(self.order), fn, args))

    def run(self, plans: list[CardPlan]) -> HistoryStats:
        for plan in plans:
            self.at(plan.arrive, self.arrive, _Card(plan))
        evening = plans[0].arrive.replace(hour=18, minute=0, second=0) if plans else self.end
        while evening < self.end:
            self.at(evening, self.sweep)
            evening += timedelta(days=1)
        while self.heap and self.heap[0][0] < self.end:
            t, _, fn, args = heapq.heappop(self.heap)
            with simulated_now(t):
                fn(t, *args)
        self.stats.cards = len(plans)
        return self.stats

    # --- the services, as the team uses them ---------------------------------------

    def move(self, c: _Card, column: int, actor: Principal, reason: str | None = None) -> None:
        # What cards.move_card does, minus re-reading the target column and building
        # the card it returns: the same checks (WIP limits included), row and event.
        row, role = cards.load(self.s, actor=actor, card_id=c.id, lock=True)
        require_role(role, WORK, "move cards")
        target = self.columns[column]
        assert target is not None
        if row.column_id == target.id:  # already there: nothing to write, as move_card
            c.column = column
            return
        cards.move(
            self.s,
            row,
            target=target,
            lane_id=row.lane_id,
            index=None,
            actor=actor_ref(actor),
            enforcement=wip.Enforcement.REFUSE,
            principal=actor,
            role=role,
            reason=reason,
        )
        c.column = column

    def update(self, c: _Card, actor: Principal, **fields: Any) -> None:
        cards.update_card(self.s, actor=actor, card_id=c.id, data=CardUpdate(**fields))

    def contact(self, c: _Card, kind: str, by: str, actor: Principal | None = None) -> None:
        handle = self.rng.randint(90, 900) if by == "user" else None
        data = {"kind": kind, "actor_kind": by, "handle_seconds": handle}
        tickets.record_interaction(
            self.s,
            actor=actor or self.b.admin,
            card_id=c.id,
            data=InteractionCreate.model_validate(data),
        )

    def at_limit(self, user_ids: list[int]) -> set[int]:
        """Who of these carries their WIP limit already (one query, not one a person)."""
        loads = wip.person_loads(self.s, user_ids)
        return {
            u
            for u in user_ids
            if (lim := self.limits.get(u)) is not None and loads.get(u, 0) >= lim
        }

    def worker(self, c: _Card) -> Principal:
        return c.assignee or self.lead

    # --- a card's life ---------------------------------------------------------------

    def arrive(self, t: datetime, c: _Card) -> None:
        p = c.plan
        if p.kind == "card":
            if p.priority == "urgent" and not self.team.expedite:
                c.lane = 0
            made = cards.create_card(
                self.s,
                actor=self.b.people[1] if p.channel == "call" else self.lead,
                board_id=self.b.board_id,
                data=CardCreate.model_validate(
                    {
                        "title": p.title,
                        "lane_id": self.b.lane_ids[c.lane],
                        "priority": p.priority,
                        "channel": p.channel,
                        "product": p.product,
                        "segment": p.segment,
                        "description": f"Reported by {p.segment} via {p.channel}.",
                    }
                ),
            )
            c.id = made.id
            if c.lane == 0:
                self.team.expedite.add(c.id)
        else:
            assert p.customer is not None
            ref, name, email = p.customer
            ticket, _ = tickets.take_in(
                self.s,
                actor=self.b.admin,
                board_id=self.b.board_id,
                data=TicketCreate.model_validate(
                    {
                        "external_ref": p.ref,
                        "title": p.title,
                        "channel": p.channel,
                        "product": p.product,
                        "priority": p.priority,
                        "segment": p.segment,
                        "customer": {"ref": ref, "name": name, "email": email},
                    }
                ),
            )
            c.id = int(ticket["id"])
        if p.kind == "bot":
            self.contact(c, "bot_reply", "bot", self.b.bot)
            self.at(t + 2 * _MINUTE, self.bot_done if p.bot_solves else self.handoff, c)
            return
        self.at(work_add(t, p.triage_hours), self.ready, c)

    def bot_done(self, t: datetime, c: _Card) -> None:
        """The bot answered it alone: an automated resolution, at a notional cost (its
        tokens follow from the card's id, so the history stays the same every run)."""
        bot = self.b.bot
        self.contact(c, "resolution", "bot", bot)
        if bot is None:
            self.finish(t, c, self.b.admin)
            return
        tokens_in, tokens_out = 6_000 + 397 * (c.id % 13), 350 + 41 * (c.id % 11)
        agents_service.report_usage(
            self.s,
            actor=bot,
            card_id=c.id,
            model="faq-bot (notional)",
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            # A notional $3 / $15 per million input / output tokens.
            cost_usd=round(tokens_in * 3e-6 + tokens_out * 15e-6, 6),
        )
        self.finish(t, c, bot)

    def handoff(self, t: datetime, c: _Card) -> None:
        self.contact(c, "handoff", "bot", self.b.bot)
        self.at(work_add(t, c.plan.triage_hours), self.ready, c)

    def ready(self, t: datetime, c: _Card) -> None:
        """Triaged: tickets get their first answer; the card joins the team's queue."""
        if c.plan.kind != "card":
            self.contact(c, "agent_reply", "user", self.lead)
        c.ready_at = t
        self.team.queue.append(c)
        self.dispatch(t)

    def wake(self, t: datetime) -> None:
        self.team.waking = False
        self.dispatch(t)

    def dispatch(self, t: datetime) -> None:
        """Pull from the queue while Investigating has room (urgent first)."""
        team = self.team
        if t >= self.freeze:
            return
        if not is_work(t):
            if not team.waking:
                team.waking = True
                self.at(next_work(t), self.wake)
            return
        while team.queue:
            # Another active Expedite card keeps this one waiting (the lane's limit is 1).
            pullable = [c for c in team.queue if c.lane == 1 or not team.expedite - {c.id}]
            if not pullable:
                return
            c = min(pullable, key=lambda c: (c.plan.priority != "urgent", c.ready_at))
            reason = None
            if team.investigating >= _INVESTIGATING_LIMIT:
                assert c.ready_at is not None
                overdue = t - c.ready_at > timedelta(hours=8)
                if (
                    (c.plan.priority == "urgent" or overdue)
                    and self.stats.overrides < _MAX_OVERRIDES
                    and team.last_override != t.date()
                ):
                    reason = (
                        "Urgent: a customer is down, it goes ahead of the queue."
                        if c.plan.priority == "urgent"
                        else "Waiting since this morning; pulled in before it breaches its SLA."
                    )
                    team.last_override = t.date()
                    self.stats.overrides += 1
                else:
                    return
            team.queue.remove(c)
            self.pull(t, c, reason)

    def pull(self, t: datetime, c: _Card, reason: str | None) -> None:
        people = self.b.people
        order = [*EXPERTS[c.plan.product], *range(len(people))]
        picks = [people[i] for i in dict.fromkeys(order)]
        # The card is in Triage, unassigned and unswarmed: it adds to nobody's load.
        full = self.at_limit([p.id for p in picks])
        c.assignee = next((p for p in picks if p.id not in full), None)
        if c.assignee is not None:
            self.update(c, self.lead, assignee_ids=[c.assignee.id])
        self.move(c, _INVESTIGATING, self.lead if reason else self.worker(c), reason)
        self.team.investigating += 1
        if c.lane == 0:
            self.team.expedite.add(c.id)
        hours = c.plan.rework_hours if c.reworked else c.plan.work_hours
        self.investigate(t, c, hours)

    def investigate(self, t: datetime, c: _Card, hours: float) -> None:
        leave = self.clamp(t, work_add(t, hours))
        if c.plan.block and not c.reworked:
            self.at(t + (leave - t) * 0.2, self.block, c, True)
            self.at(t + (leave - t) * 0.85, self.block, c, False)
        self.at(leave, self.leave_investigating, c)

    def clamp(self, t: datetime, leave: datetime) -> datetime:
        """Work in the limited columns ends before the history does."""
        return leave if leave < self.end - 5 * _MINUTE else t + (self.end - t) * 0.6

    def block(self, t: datetime, c: _Card, on: bool) -> None:
        reason = c.plan.block if on else None
        self.update(c, self.worker(c), blocked=on, blocked_reason=reason)

    def leave_investigating(self, t: datetime, c: _Card) -> None:
        self.team.investigating -= 1
        p = c.plan
        swarm_end = work_add(t, p.swarm_hours)
        if c.reworked:
            self.finish(t, c)
        elif (
            p.path == "swarm"
            and self.team.swarming < _SWARMING_LIMIT
            and swarm_end < self.end - 5 * _MINUTE
        ):
            self.swarm(t, c, swarm_end)
        elif p.path == "wait" and c.lane == 1:
            if p.kind != "card":
                self.contact(c, "agent_reply", "user", self.worker(c))
            worker = self.worker(c)
            if c.assignee is not None:  # the ball is in the customer's court
                self.update(c, self.lead, assignee_ids=[])
                c.assignee = None
            self.move(c, _WAITING, worker)
            self.at(t + timedelta(days=p.wait_days), self.customer_back, c)
        else:
            self.finish(t, c)
        self.dispatch(t)

    def swarm(self, t: datetime, c: _Card, until: datetime) -> None:
        requester = self.worker(c)
        self.move(c, _SWARMING, requester)
        self.team.swarming += 1
        self.stats.swarms += 1
        swarm = swarm_service.request_swarm(
            self.s,
            actor=requester,
            card_id=c.id,
            data=SwarmCreate(
                skills=SKILLS[c.plan.product],
                question=f"{c.plan.title}: stuck after the first checks.",
                tried="Reproduced it with a test account and read the logs; no clear cause.",
            ),
        )
        for inv in swarm.invitations[:2]:
            joins = t + timedelta(minutes=self.rng.randint(10, 90))
            self.at(min(joins, until - 20 * _MINUTE), self.accept, swarm.id, inv.id, inv.user_id)
        self.at(until - 5 * _MINUTE, self.resolve_swarm, c, swarm.id, requester)
        self.at(until, self.leave_swarm, c)

    def accept(self, t: datetime, swarm_id: int, invitation_id: int, user_id: int) -> None:
        if self.at_limit([user_id]):
            return  # too busy: the invitation stays unanswered
        person = next((p for p in self.b.people if p.id == user_id), None)
        if person is None:
            return
        swarm_service.accept_invitation(
            self.s, actor=person, swarm_id=swarm_id, invitation_id=invitation_id, role="helper"
        )

    def resolve_swarm(self, t: datetime, c: _Card, swarm_id: int, requester: Principal) -> None:
        swarm_service.resolve_swarm(
            self.s,
            actor=requester,
            swarm_id=swarm_id,
            outcome=f"Found the cause of '{c.plan.title}' together.",
            knowledge=KNOWLEDGE[c.plan.product],
        )

    def leave_swarm(self, t: datetime, c: _Card) -> None:
        self.team.swarming -= 1
        self.finish(t, c)
        self.dispatch(t)

    def customer_back(self, t: datetime, c: _Card) -> None:
        if c.plan.kind != "card":
            self.contact(c, "customer_message", "user", self.lead)
        self.at(work_add(t, self.rng.uniform(0.3, 3)), self.finish, c)

    def finish(self, t: datetime, c: _Card, actor: Principal | None = None) -> None:
        if c.plan.kind != "card" and actor is None:
            self.contact(c, "agent_reply", "user", self.worker(c))
        self.move(c, _RESOLVED, actor or self.worker(c))
        self.team.expedite.discard(c.id)
        c.finished = t
        self.team.done.append(c)
        self.stats.finished += 1
        survey = c.plan.survey
        if survey is None or c.reworked:
            return
        when = t + timedelta(hours=survey.after_hours)
        if survey.solved or when < self.freeze:  # late "no"s would reopen into the present
            self.at(when, self.survey, c)

    def survey(self, t: datetime, c: _Card) -> None:
        """The customer's answers, through the survey tool; "not solved" reopens it."""
        survey = c.plan.survey
        if survey is None or c.column != _RESOLVED or c not in self.team.done:
            return
        confirm_service.record_survey(
            self.s,
            actor=self.lead,
            card_id=c.id,
            data=SurveyCreate(
                solved=survey.solved, csat=survey.csat, ces=survey.ces, nps=survey.nps
            ),
        )
        self.stats.surveys += 1
        if survey.solved:
            return
        # The confirmation service moved it back into Investigating (over the limit, if
        # need be: the customer is never refused).
        self.stats.reopened += 1
        self.stats.finished -= 1
        self.team.done.remove(c)
        c.column, c.reworked, c.finished = _INVESTIGATING, True, None
        self.team.investigating += 1
        if c.lane == 0:
            self.team.expedite.add(c.id)
        self.investigate(t, c, c.plan.rework_hours)

    def sweep(self, t: datetime) -> None:
        """The evening clear-out: cards finished a day and a half ago leave the board."""
        for c in list(self.team.done):
            assert c.finished is not None
            if c.finished < t - _KEEP_DONE:
                archive.archive_card(self.s, actor=self.lead, card_id=c.id)
                self.team.done.remove(c)
                self.stats.archived += 1


def write_history(session: Session, *, board: DemoBoard, end: datetime) -> HistoryStats:
    """Write the demo board's last 90 days up to ``end``, through the services."""
    plans = plan_arrivals(random.Random(SEED), end)
    return _History(session, board, end).run(plans)
