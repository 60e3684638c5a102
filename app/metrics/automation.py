"""The "Automation" section of the support metrics: bots' work measured by what the
customer confirmed, its cost, and what happened when a bot handed a card over.

Definitions (all over the period, with the board's card filters):

- **cards bots worked** (the denominator of every rate): cards with at least one event
  caused by a bot (pulled, moved, commented, replied, resolved, handed over...);
- **bot resolution**: a card a bot moved into a done column (``card.moved`` by a bot,
  ``actor.kind = "bot"``), counted once per card; its outcome is the customer's answer
  to the question that move asked (the card's latest bot resolution in the period):
  *confirmed* (yes), *rejected* (no: the card reopened), *assumed* (no yes/no answer
  before the link expired), *awaiting* (the link is still open) or *withdrawn* (the
  card left done before an answer);
- **confirmed_rate** = confirmed / cards bots worked; **assumed_rate** = (confirmed +
  assumed) / cards bots worked: what an assumed-resolution count (Intercom Fin: "no
  reply within 24 hours counts as resolved") would report;
- **hand-over**: a swarm a bot requested; **handover_rate** = cards handed over / cards
  bots worked;
- **cost**: bots' usage reported in the period / bots' confirmed resolutions; people's
  handling time recorded in the period x ``SWARMBOARD_STAFF_HOURLY_COST`` / people's
  confirmed resolutions (null when the setting is unset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.core.db import settings_of
from app.metrics import automation_repository as sql
from app.metrics.params import Scope
from app.metrics.stats import mean, percentile, rate

__all__ = ["FIN_DEFINITION", "automation_report"]

FIN_DEFINITION = "no reply within 24 hours counts as resolved"
NONE = "none"  # the split key of cards without a channel or product
OUTCOMES = ("confirmed", "assumed", "rejected", "awaiting", "withdrawn")


def outcome(state: str | None, expires_at: float | None, now: float) -> str:
    """What became of the question a move into done asked."""
    if state == "confirmed":
        return "confirmed"
    if state == "rejected":
        return "rejected"
    if state in ("pending", "answered"):  # "answered": scores, but no yes or no
        return "assumed" if expires_at is not None and expires_at <= now else "awaiting"
    return "withdrawn"  # superseded: the card left done, or no question was asked


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@dataclass
class _Slice:
    worked: set[int] = field(default_factory=set)
    bot: dict[int, str] = field(default_factory=dict)  # card -> outcome of its latest
    people: dict[int, str] = field(default_factory=dict)
    handed: set[int] = field(default_factory=set)
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    handling: float = 0.0

    def report(self, hourly: float | None) -> dict[str, Any]:
        counts = {k: sum(1 for o in self.bot.values() if o == k) for k in OUTCOMES}
        worked = len(self.worked)
        people_confirmed = sum(1 for o in self.people.values() if o == "confirmed")
        people_cost = None if hourly is None else self.handling / 3600.0 * hourly
        return {
            "bot_cards_worked": worked,
            "bot_resolutions": len(self.bot),
            **counts,
            "confirmed_rate": rate(counts["confirmed"], worked),
            "assumed_rate": rate(counts["confirmed"] + counts["assumed"], worked),
            "handovers": len(self.handed),
            "handover_rate": rate(len(self.handed), worked),
            "bot_cost_usd": _money(self.cost),
            "bot_input_tokens": self.input_tokens,
            "bot_output_tokens": self.output_tokens,
            "cost_per_confirmed_resolution_usd": (
                _money(self.cost / counts["confirmed"]) if counts["confirmed"] else None
            ),
            "people_resolutions": len(self.people),
            "people_confirmed": people_confirmed,
            "people_handling_seconds": round(self.handling, 3),
            "people_cost_usd": _money(people_cost),
            "people_cost_per_confirmed_resolution_usd": (
                _money(people_cost / people_confirmed)
                if people_cost is not None and people_confirmed
                else None
            ),
        }


class _Slices:
    def __init__(self) -> None:
        self.overall = _Slice()
        self.by_channel: dict[str, _Slice] = {}
        self.by_product: dict[str, _Slice] = {}

    def of(self, channel: str | None, product: str | None) -> list[_Slice]:
        return [
            self.overall,
            self.by_channel.setdefault(channel or NONE, _Slice()),
            self.by_product.setdefault(product or NONE, _Slice()),
        ]


def _durations(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return {
        "count": len(ordered),
        "mean": ms(mean(ordered)),
        "median": ms(percentile(ordered, 50)),
        "p85": ms(percentile(ordered, 85)),
    }


def _followup(session: Session, board_id: int, rows: list[Any], now: float) -> dict[str, Any]:
    """After a hand-over: how long the swarm took, and the customer's answer since."""
    answers = sql.answers_of(session, board_id=board_id, card_ids=[r[1] for r in rows])
    cycle: list[float] = []
    confirmed = rejected = 0
    for _, card_id, _, _, requested, ended, state in rows:
        if ended is not None and state in ("resolved", "cancelled"):
            cycle.append(max(ended - requested, 0.0))
        since = [solved for c, solved, at in answers if c == card_id and at >= requested]
        if since:  # the latest answer given after the hand-over
            confirmed += since[-1]
            rejected += not since[-1]
    count = len(rows)
    return {
        "handovers": count,
        "swarms_ended": len(cycle),
        "swarms_open": sum(1 for r in rows if r[6] == "open"),
        "swarm_cycle_seconds": _durations(cycle),
        "customer_confirmed": confirmed,
        "customer_rejected": rejected,
        "customer_unanswered": count - confirmed - rejected,
        "customer_confirmed_rate": rate(confirmed, count),
    }


def automation_report(
    session: Session, *, board_id: int, scope: Scope, now: float
) -> dict[str, Any]:
    """The automation section over the scope (the caller has checked board access)."""
    period, filters = scope.period, scope.filters
    hourly = settings_of(session).staff_hourly_cost
    slices = _Slices()
    args: dict[str, Any] = {"board_id": board_id, "filters": filters, "period": period}
    for card_id, channel, product in sql.bot_worked(session, **args):
        for s in slices.of(channel, product):
            s.worked.add(card_id)
    for card_id, actor_kind, channel, product, state, expires in sql.resolutions(session, **args):
        result = outcome(state, expires, now)
        for s in slices.of(channel, product):  # in log order: the latest one stays
            (s.bot if actor_kind == "bot" else s.people)[card_id] = result
    handed = sql.handovers(session, **args)
    for _, card_id, channel, product, *_ in handed:
        for s in slices.of(channel, product):
            s.handed.add(card_id)
    for channel, product, cost, tokens_in, tokens_out in sql.bot_costs(session, **args):
        for s in slices.of(channel, product):
            s.cost += cost
            s.input_tokens += tokens_in
            s.output_tokens += tokens_out
    for channel, product, seconds in sql.people_handling(session, **args):
        for s in slices.of(channel, product):
            s.handling += seconds
    return {
        **slices.overall.report(hourly),
        "by_channel": {k: v.report(hourly) for k, v in sorted(slices.by_channel.items())},
        "by_product": {k: v.report(hourly) for k, v in sorted(slices.by_product.items())},
        "handover_followup": _followup(session, board_id, handed, now),
        "staff_hourly_cost": hourly,
        "assumed_definition": FIN_DEFINITION,
    }
