"""The export formats: media types, file names and their OpenAPI description."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from app.metrics.filters import DateRange

__all__ = ["FORMATS", "ExportFormat", "ExportKind", "content_disposition", "openapi_responses"]

ExportKind = Literal["aa-csv", "ndjson", "events"]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    kind: ExportKind
    # The part of the file name that says what is in it, and its extension.
    label: str
    extension: str
    media_type: str
    # What the CLI's progress bar counts.
    unit: str


FORMATS: dict[ExportKind, ExportFormat] = {
    "aa-csv": ExportFormat("aa-csv", "actionable-agile", "csv", "text/csv; charset=utf-8", "card"),
    "ndjson": ExportFormat("ndjson", "cards", "ndjson", "application/x-ndjson", "card"),
    "events": ExportFormat("events", "events", "csv", "text/csv; charset=utf-8", "event"),
}


def filename(board_id: int, fmt: ExportFormat, period: DateRange) -> str:
    """``swarmboard-board7-cards-2026-01-01-2026-01-31.ndjson``."""
    return (
        f"swarmboard-board{board_id}-{fmt.label}-{period.start.isoformat()}-"
        f"{period.end.isoformat()}.{fmt.extension}"
    )


def content_disposition(board_id: int, fmt: ExportFormat, period: DateRange) -> str:
    # The name is ASCII by construction, so the plain quoted form is enough.
    return f'attachment; filename="{filename(board_id, fmt, period)}"'


_PROBLEM = {
    "application/problem+json": {
        "schema": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
            },
        }
    }
}


def openapi_responses(fmt: ExportFormat, description: str) -> dict[int | str, dict[str, Any]]:
    """The streamed body's media type, and the problems sent before streaming starts."""
    media = fmt.media_type.split(";", 1)[0]
    return {
        200: {
            "description": description,
            "content": {media: {"schema": {"type": "string"}}},
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="swarmboard-board{id}-'
                    f'{fmt.label}-{{from}}-{{to}}.{fmt.extension}"',
                    "schema": {"type": "string"},
                }
            },
        },
        404: {"description": "No such board, or you are not a member", "content": _PROBLEM},
        422: {"description": "An invalid date range or filter", "content": _PROBLEM},
    }
