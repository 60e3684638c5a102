"""Export endpoints (thin: the exporters stream, the services decide).

Membership and the date range are checked before the first byte is sent, so a refusal
is a proper problem+json response and never a stream that breaks off.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.auth.deps import CurrentUser
from app.auth.service import Principal
from app.core.db import Database
from app.core.deps import Db
from app.core.params import PathId
from app.exports import service
from app.exports.schemas import FORMATS, ExportKind, content_disposition, openapi_responses
from app.metrics.params import Scope, ScopeQuery

router = APIRouter(prefix="/api", tags=["exports"])


async def _export(
    db: Database, user: Principal, board_id: int, scope: Scope, kind: ExportKind
) -> StreamingResponse:
    ctx = await db.read(service.open_export, actor=user, board_id=board_id)
    fmt = FORMATS[kind]
    return StreamingResponse(
        service.stream(db, ctx=ctx, scope=scope, kind=kind),
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": content_disposition(board_id, fmt, scope.period),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/boards/{board_id}/export/actionable-agile.csv",
    response_class=StreamingResponse,
    responses=openapi_responses(
        FORMATS["aa-csv"],
        "RFC 4180 CSV: ID, Link, Name, one date column per workflow column, attributes",
    ),
)
async def export_actionable_agile(
    board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db
) -> StreamingResponse:
    """The cards whose life overlaps the range as an ActionableAgile CSV (streamed)."""
    return await _export(db, user, board_id, scope, "aa-csv")


@router.get(
    "/boards/{board_id}/export/cards.ndjson",
    response_class=StreamingResponse,
    responses=openapi_responses(
        FORMATS["ndjson"], "One JSON object per card per line: timestamps and metrics"
    ),
)
async def export_cards(
    board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db
) -> StreamingResponse:
    """The cards whose life overlaps the range, one JSON object per line (streamed)."""
    return await _export(db, user, board_id, scope, "ndjson")


@router.get(
    "/boards/{board_id}/export/events.csv",
    response_class=StreamingResponse,
    responses=openapi_responses(
        FORMATS["events"], "CSV: seq, id, type, at, actor_kind, actor_id, data (JSON)"
    ),
)
async def export_events(
    board_id: PathId, scope: ScopeQuery, user: CurrentUser, db: Db
) -> StreamingResponse:
    """The board's event log within the range, in seq order, as CSV (card filters do not apply)."""
    return await _export(db, user, board_id, scope, "events")
