"""Swarm metrics for a board's retro: how often and how fast cards were swarmed, how big
the swarms were, how many teams a fix needed, and whether swarmed cards finished faster.

Choices the definitions leave open:

- A swarm belongs to the range when it was *requested* in it; a card is swarmed in the
  range when one of its swarms was.
- **Swarm size**: distinct people who joined, including those who left later; a swarm
  nobody joined has size 0.
- **Time to swarm**: per swarmed card, from its start to its first swarm request in the
  range; from its creation when it had not started by then.
- **Cycle time split**: a card finished in the range is *swarmed* when a swarm was
  requested on it at or before its finish.
- **Teams needed**: distinct teams among the members of the card's swarms in the range;
  a member without a team is a team of one (as ``app/swarm/reports.py`` counts); a card
  nobody joined needed no team and is in no bucket.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board.access import board_role
from app.metrics import support_repository as sql
from app.metrics.params import Scope
from app.metrics.stats import percentile

__all__ = ["swarm_report"]

HOUR = 3600.0


def _cycle(hours: list[float]) -> dict[str, Any]:
    ordered = sorted(hours)
    return {"count": len(ordered), "p50": percentile(ordered, 50), "p85": percentile(ordered, 85)}


def _median(values: list[float]) -> float | None:
    found = percentile(sorted(values), 50)
    return None if found is None else float(found)


def swarm_report(
    session: Session, *, actor: Principal, board_id: int, scope: Scope, now: float | None = None
) -> dict[str, Any]:
    """Swarming on the board over the range: frequency, size, speed, teams and cycle time."""
    board_role(session, actor=actor, board_id=board_id)
    now = time.time() if now is None else now
    period, filters = scope.period, scope.filters
    first_ever: dict[int, float] = {}  # card -> its earliest swarm request
    first_in_range: dict[int, float] = {}
    size: dict[int, set[int]] = {}  # swarm in the range -> who joined it
    card_of: dict[int, int] = {}
    for swarm_id, card_id, requested in sql.swarms(session, board_id=board_id, filters=filters):
        first_ever.setdefault(card_id, requested)  # oldest first
        if period.holds(requested):
            first_in_range.setdefault(card_id, requested)
            size[swarm_id] = set()
            card_of[swarm_id] = card_id
    teams: dict[int, set[str]] = defaultdict(set)
    members = sql.members_of_swarms(session, board_id=board_id, filters=filters, period=period)
    for swarm_id, user_id, team in members:
        size[swarm_id].add(user_id)
        teams[card_of[swarm_id]].add(team if team is not None else f"user:{user_id}")

    cycle: dict[bool, list[float]] = {True: [], False: []}
    to_swarm: list[float] = []
    rows = sql.card_rows(
        session, board_id=board_id, filters=filters, period=period, now=now, swarmed_too=True
    )
    for card in rows:
        asked = first_in_range.get(card.id)
        if asked is not None:
            start = card.start
            since = start if start is not None and start <= asked else card.created
            to_swarm.append(round(max(asked - since, 0.0), 3))
        finish = card.finish
        if period.holds(finish) and card.start is not None and finish is not None:
            swarmed = first_ever.get(card.id, finish + 1) <= finish
            cycle[swarmed].append(round(max(finish - card.start, 0.0) / HOUR, 3))

    distribution = {"1": 0, "2": 0, "3+": 0}
    for names in teams.values():
        distribution["3+" if len(names) >= 3 else str(len(names))] += 1
    return {
        "board_id": board_id,
        "from": period.start,
        "to": period.end,
        "cards_swarmed": len(first_in_range),
        "swarms": len(size),
        "median_swarm_size": _median([len(people) for people in size.values()]),
        "median_time_to_swarm_seconds": _median(to_swarm),
        "cycle_time": {"swarmed": _cycle(cycle[True]), "not_swarmed": _cycle(cycle[False])},
        "teams_needed": distribution,
    }
