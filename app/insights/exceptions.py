"""Insight and evidence errors; each carries its HTTP status and problem type::

DomainError
├── BadRequest          400
│   └── UploadInvalid         upload-invalid
├── NotFound            404
│   └── EvidenceNotFound      evidence-not-found
├── ValidationFailed    422
│   └── InsightIncomplete     insight-incomplete
├── EvidenceTooLarge    413   evidence-too-large
├── EvidenceQuotaExceeded 413 evidence-quota-exceeded
└── EvidenceTypeRefused 415   evidence-type-refused
"""

from __future__ import annotations

from app.core.errors import BadRequest, DomainError, NotFound, ValidationFailed

__all__ = [
    "EvidenceNotFound",
    "EvidenceQuotaExceeded",
    "EvidenceTooLarge",
    "EvidenceTypeRefused",
    "InsightIncomplete",
    "UploadInvalid",
]


class InsightIncomplete(ValidationFailed):
    """A move into a ``requires_insight`` column by a card that is not an actionable insight."""

    type = "insight-incomplete"
    title = "Not an actionable insight yet"


class EvidenceTypeRefused(DomainError):
    status, type, title = 415, "evidence-type-refused", "Unsupported evidence type"


class EvidenceTooLarge(DomainError):
    status, type, title = 413, "evidence-too-large", "Evidence file too large"


class EvidenceQuotaExceeded(DomainError):
    """The upload would take the card's or the board's evidence past its byte cap."""

    status, type, title = 413, "evidence-quota-exceeded", "Evidence storage quota exceeded"


class EvidenceNotFound(NotFound):
    type = "evidence-not-found"


class UploadInvalid(BadRequest):
    """The request body is not a readable multipart form (or ended early)."""

    type = "upload-invalid"
    title = "Unreadable upload"
