"""Every event type a board's log can hold: the one list webhooks subscribe from.

A service that appends a new type adds it here too; ``tests/webhooks/test_event_types.py``
scans the source and fails on a type that is appended but missing, and checks that
``docs/webhooks.md`` describes each one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["EVENT_TYPES", "is_known", "subscribable", "unknown"]

EVENT_TYPES: tuple[str, ...] = (
    "access.changed",
    "alert.acknowledged",
    "alert.raised",
    "alert.resolved",
    "board.created",
    "board.updated",
    "card.archived",
    "card.blocked",
    "card.commented",
    "card.created",
    "card.linked",
    "card.moved",
    "card.reopened",
    "card.resolved",
    "card.restored",
    "card.unblocked",
    "card.unlinked",
    "card.updated",
    "card.usage_reported",
    "column.created",
    "column.removed",
    "column.updated",
    "comment.deleted",
    "comment.edited",
    "confirmation.requested",
    "confirmation.withdrawn",
    "customer.confirmed",
    "customer.rejected",
    "evidence.added",
    "evidence.removed",
    "interaction.recorded",
    "lane.created",
    "lane.removed",
    "lane.updated",
    "member.added",
    "member.removed",
    "member.updated",
    "sla_policy.created",
    "sla_policy.deleted",
    "sla_policy.updated",
    "survey.recorded",
    "swarm.accepted",
    "swarm.cancelled",
    "swarm.declined",
    "swarm.invited",
    "swarm.joined",
    "swarm.left",
    "swarm.reopened",
    "swarm.requested",
    "swarm.resolved",
    "wip.exceeded",
    "wip.overridden",
)
_KNOWN = frozenset(EVENT_TYPES)
_PREFIXES = frozenset(t.split(".", 1)[0] for t in EVENT_TYPES)
_SHAPE = re.compile(r"[a-z_]+\.\*")


def is_known(pattern: str) -> bool:
    """An event type, ``prefix.*`` for a prefix some type has, or ``*``."""
    if pattern == "*" or pattern in _KNOWN:
        return True
    return bool(_SHAPE.fullmatch(pattern)) and pattern[:-2] in _PREFIXES


def unknown(patterns: Iterable[str]) -> list[str]:
    """The patterns that match no event type, in the order given."""
    return [p for p in patterns if not is_known(p)]


def subscribable() -> tuple[str, ...]:
    """Every value a subscription may name: each type, each ``prefix.*``, and ``*``."""
    return (*EVENT_TYPES, *sorted(f"{prefix}.*" for prefix in _PREFIXES), "*")
