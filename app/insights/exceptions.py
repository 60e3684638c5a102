"""Insight and evidence errors; each carries its HTTP status and problem type."""

from __future__ import annotations

from app.core.errors import DomainError, NotFound, ValidationFailed

__all__ = [
    "EvidenceNotFound",
    "EvidenceTooLarge",
    "EvidenceTypeRefused",
    "InsightIncomplete",
]


class InsightIncomplete(ValidationFailed):
    """A move into a ``requires_insight`` column by a card that is not an actionable insight."""

    type = "insight-incomplete"
    title = "Not an actionable insight yet"


class EvidenceTypeRefused(DomainError):
    status, type, title = 415, "evidence-type-refused", "Unsupported evidence type"


class EvidenceTooLarge(DomainError):
    status, type, title = 413, "evidence-too-large", "Evidence file too large"


class EvidenceNotFound(NotFound):
    type = "evidence-not-found"
