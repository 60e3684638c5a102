"""Response bodies for evidence and insights (uploads are multipart, not JSON), and how an
evidence file is named when it is shown or served."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

__all__ = [
    "ACCEPTED",
    "UPLOAD_BODY",
    "EvidencePublic",
    "InsightField",
    "InsightItem",
    "InsightPage",
    "InsightPublic",
    "content_disposition",
    "display_name",
]

# The evidence types accepted (by content) -> the extension their stored file gets.
ACCEPTED = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
_SUFFIXES = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/webp": (".webp",)}

# The actionable-insight fields, in the order the card drawer shows them.
InsightField = Literal[
    "evidence",
    "problem_statement",
    "suggested_fix",
    "impact_per_month",
    "effort_hours",
    "owner_team",
]

# The upload is streamed by the endpoint itself; this documents it in OpenAPI.
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A PNG, JPEG or WebP image (by content), at most "
                            "SWARMBOARD_EVIDENCE_MAX_BYTES (5 MiB by default).",
                        }
                    },
                }
            }
        },
    }
}


class EvidencePublic(BaseModel):
    id: int
    card_id: int
    filename: str = Field(description="The uploader's file name, for display only")
    content_type: str = Field(description="Decided from the file's content")
    size_bytes: int
    sha256: str
    url: str = Field(description="Where members fetch the image")
    created_at: datetime
    uploaded_by: int | None


class InsightPublic(BaseModel):
    """A card as an actionable insight: its fields, evidence, what is missing and its score."""

    card_id: int
    currency: str
    problem_statement: str | None
    suggested_fix: str | None
    impact_per_month: float | None = Field(description="Estimated impact per month, in currency")
    effort_hours: float | None
    owner_team: str | None
    evidence: list[EvidencePublic]
    missing: list[InsightField]
    complete: bool
    frequency: int = Field(description="1 + the tickets linked to this one as repeats/duplicates")
    score: float | None = Field(description="impact * frequency / effort; null until computable")
    teams_needed: int = Field(description="Distinct teams among the people in the card's swarms")


class InsightItem(BaseModel):
    card_id: int
    title: str
    column_id: int
    column_name: str
    problem_statement: str | None
    owner_team: str | None
    impact_per_month: float | None
    frequency: int
    effort_hours: float | None
    score: float | None
    teams_needed: int
    evidence_count: int
    missing: list[InsightField]
    complete: bool


class InsightPage(BaseModel):
    items: list[InsightItem]
    total: int
    limit: int
    offset: int
    sort: str
    currency: str


def display_name(raw: str | None, content_type: str) -> str:
    """The uploader's file name made safe to show: no path, no control characters."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.strip().lstrip(".").strip()[:200]
    return name or f"evidence.{ACCEPTED[content_type]}"


def content_disposition(filename: str, content_type: str) -> str:
    """``inline`` with a quoted ASCII name (and the UTF-8 one beside it when they differ);
    the name gets the extension of what the file really is."""
    if not filename.lower().endswith(_SUFFIXES[content_type]):
        filename = f"{filename}.{ACCEPTED[content_type]}"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()-]", "_", ascii_name).strip()
    if not re.search(r"[A-Za-z0-9]", ascii_name.rsplit(".", 1)[0]):  # nothing left to read
        ascii_name = f"evidence.{ACCEPTED[content_type]}"
    header = f'inline; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
