"""Who to invite: the smallest set of people who together cover the requested skills.

Pure functions over plain data, so the rules are property-tested on their own
(``tests/swarm/test_matching.py``) and the service only gathers the candidates.

Minimum set cover is NP-hard; the greedy choice (always take the person who covers the
most still-uncovered skills) is within a factor H(d) = 1 + 1/2 + ... + 1/d of the
optimum, d being the most skills one person covers, and is what a human dispatcher
would do. Ties go to the higher skill level, then to the most spare capacity, then to
the lower user id so that a request always gets the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Candidate", "Match", "eligible", "match", "skill_key"]


def skill_key(name: str) -> str:
    """Skills match case-insensitively and ignoring surrounding spaces."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A board member as the matcher sees them."""

    user_id: int
    skills: Mapping[str, int]  # skill_key -> level 1..3
    available: bool = True
    wip_limit: int | None = None
    load: int = 0  # active cards plus open swarm memberships

    @property
    def spare(self) -> float:
        if self.wip_limit is None:
            return math.inf
        return self.wip_limit - self.load


@dataclass(slots=True)
class Match:
    """Who to invite (each with the requested skills they cover) and what nobody covers."""

    picks: list[tuple[int, list[str]]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def eligible(person: Candidate, *, requester_id: int | None, exclude: Iterable[int] = ()) -> bool:
    """Available, below their WIP limit, not the requester and not already asked."""
    return (
        person.available
        and person.spare > 0
        and person.user_id != requester_id
        and person.user_id not in set(exclude)
    )


def match(
    skills: Sequence[str],
    people: Iterable[Candidate],
    *,
    requester_id: int | None,
    exclude: Iterable[int] = (),
) -> Match:
    """Greedy set cover of ``skills`` by the eligible ``people``.

    Skills are returned as the requester wrote them (first spelling wins).
    """
    wanted: dict[str, str] = {}
    for name in skills:
        wanted.setdefault(skill_key(name), name)
    excluded = set(exclude)
    pool = [
        p
        for p in people
        if eligible(p, requester_id=requester_id, exclude=excluded)
        and any(k in p.skills for k in wanted)
    ]
    coverable = {k for k in wanted if any(k in p.skills for p in pool)}
    result = Match(unmatched=[wanted[k] for k in wanted if k not in coverable])
    uncovered = set(coverable)
    while uncovered:
        best: Candidate | None = None
        best_rank: tuple[int, int, float, int] | None = None
        for person in pool:
            gain = uncovered.intersection(person.skills)
            if not gain:
                continue
            rank = (
                len(gain),
                sum(person.skills[k] for k in gain),
                person.spare,
                -person.user_id,
            )
            if best_rank is None or rank > best_rank:
                best, best_rank = person, rank
        if best is None:  # cannot happen: every uncovered skill is coverable
            break
        gained = [k for k in wanted if k in uncovered and k in best.skills]
        result.picks.append((best.user_id, [wanted[k] for k in gained]))
        uncovered.difference_update(gained)
        pool.remove(best)
    return result
