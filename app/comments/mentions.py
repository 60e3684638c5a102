"""Which of a board's members a comment ``@mentions``.

A handle is ``@`` followed by letters, digits and ``_ . % + -`` (the characters of an
e-mail local part), not preceded by a letter, digit or one of those characters (so the
address ``ada@example.com`` in a comment mentions nobody); dots that end it are
punctuation (``thanks @maya.``). Case does not matter.

A handle names a member when it is their e-mail's local part (``@maya`` for
maya@example.com), or else their first name (the first word of their name) when exactly
one member has that first name. A handle that fits no member, or several (two members
named Sam, or maya@a.example and maya@b.example), names nobody: the author learns
nothing about who exists beyond the board's members.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Person", "handles", "resolve"]

_HANDLE = re.compile(r"(?<![\w.%+@-])@([\w.%+-]+)")


@dataclass(frozen=True, slots=True)
class Person:
    """A member who may be mentioned."""

    id: int
    email: str
    name: str


def handles(body: str) -> list[str]:
    """The handles in ``body``, case-folded, each once, in order of first appearance."""
    found = (h.rstrip(".").casefold() for h in _HANDLE.findall(body))
    return [h for h in dict.fromkeys(found) if h]


def _one_each(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """key -> id for the keys that belong to exactly one person."""
    owners: dict[str, set[int]] = {}
    for key, person_id in pairs:
        owners.setdefault(key, set()).add(person_id)
    return {key: ids.pop() for key, ids in owners.items() if len(ids) == 1}


def resolve(body: str, people: Iterable[Person], *, author_id: int | None) -> list[int]:
    """The ids of the ``people`` that ``body`` mentions, in order, each once, without the
    author."""
    wanted = handles(body)
    if not wanted:
        return []
    people = list(people)
    by_local = _one_each((p.email.rpartition("@")[0].casefold(), p.id) for p in people)
    locals_taken = {p.email.rpartition("@")[0].casefold() for p in people}
    by_first = _one_each((p.name.split()[0].casefold(), p.id) for p in people if p.name.split())
    ids: dict[int, None] = {}
    for handle in wanted:
        # An e-mail local part is the person's own; a first name only when it is not
        # also someone's local part (then that is the one meant, or it is ambiguous).
        found = by_local.get(handle)
        if found is None and handle not in locals_taken:
            found = by_first.get(handle)
        if found is not None and found != author_id:
            ids[found] = None
    return list(ids)
