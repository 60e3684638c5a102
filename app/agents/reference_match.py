"""How the reference agent decides that a knowledge note answers a card: word overlap.

No LLM, no embeddings: a score anyone can recompute by hand.

- A text's *terms* are its words, lower-cased, split on anything that is not a letter
  or a digit, without common English words (:data:`STOPWORDS`) and words shorter than
  three characters; a trailing "s" is dropped from words longer than three ("payments"
  and "payment" are one term).
- The card's terms come from its title: the title names the case, while descriptions
  are often boilerplate ("Steps and screenshots attached").
- A note's terms come from everything it says: the title of the card it was written
  on, the swarm's question, its outcome and the knowledge itself.
- ``score = shared terms / the card's terms``: the share of the card's title that the
  note talks about, from 0 to 1.
- A note *matches* when ``score >= MIN_SCORE`` (0.6) and at least ``MIN_SHARED`` (2)
  terms are shared; the best match is the highest score, then the newest note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MIN_SCORE",
    "MIN_SHARED",
    "STOPWORDS",
    "Match",
    "best_match",
    "keywords",
    "score",
    "terms",
]

MIN_SCORE = 0.6
MIN_SHARED = 2
# Common English words: they say nothing about what a case is.
_COMMON = """
    a about after again all also an and any are as at be been before but by can
    cannot could did does doesn don for from get gets got had has have how into its
    just more most not now off once only other our out over same should some such
    than that the their them then there these they this those through too under
    until very was were what when where which while who why will with without would
    you your yet
"""
STOPWORDS = frozenset(_COMMON.split())
_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> set[str]:
    """The text's terms (see the module docstring)."""
    found: set[str] = set()
    for word in _WORD.findall(text.casefold()):
        if len(word) < 3 or word in STOPWORDS:
            continue
        found.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return found


def keywords(text: str, limit: int = 4) -> list[str]:
    """The longest terms of ``text``, at most ``limit``: what to search the notes for."""
    return sorted(terms(text), key=lambda w: (-len(w), w))[:limit]


def note_text(note: Mapping[str, Any]) -> str:
    """Everything a knowledge note says, as one text."""
    return " ".join(
        str(note.get(field) or "") for field in ("card_title", "question", "outcome", "knowledge")
    )


def score(card_title: str, note: Mapping[str, Any]) -> tuple[float, int]:
    """The note's score for the card (0 to 1) and how many terms they share."""
    card = terms(card_title)
    if not card:
        return 0.0, 0
    shared = len(card & terms(note_text(note)))
    return shared / len(card), shared


@dataclass(frozen=True, slots=True)
class Match:
    """The best note for a card, whether or not it is good enough to answer with."""

    note: Mapping[str, Any]
    score: float
    shared: int
    card_terms: int

    @property
    def good(self) -> bool:
        return self.score >= MIN_SCORE and self.shared >= MIN_SHARED


def best_match(card_title: str, notes: Iterable[Mapping[str, Any]]) -> Match | None:
    """The note scoring highest for the card (ties: the newest first); None without notes."""
    best: Match | None = None
    card_terms = len(terms(card_title))
    for note in notes:
        value, shared = score(card_title, note)
        if best is None or (value, str(note.get("resolved_at") or "")) > (
            best.score,
            str(best.note.get("resolved_at") or ""),
        ):
            best = Match(note=note, score=value, shared=shared, card_terms=card_terms)
    return best
